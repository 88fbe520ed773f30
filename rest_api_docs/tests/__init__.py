from . import (
    test_docs_files_http,
    test_docs_http,
    test_docs_webhooks_http,
    test_fake_models,
    test_openapi,
    test_openapi_fields,
    test_openapi_files,
    test_openapi_registry,
    test_openapi_webhooks,
    test_postman,
    test_settings_ui,
)
