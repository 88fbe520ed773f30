from . import test_docs_http, test_fake_models, test_openapi, test_postman, test_settings_ui
