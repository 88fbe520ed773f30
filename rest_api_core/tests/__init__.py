from . import test_auth_endpoints, test_generate_token, test_health
