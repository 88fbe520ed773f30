from . import test_openapi, test_postman
