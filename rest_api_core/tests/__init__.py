from . import test_generate_token, test_health
