from . import test_fake_models, test_openapi, test_postman
