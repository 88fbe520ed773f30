from . import (
    test_access,
    test_execute_kw,
    test_health,
    test_http,
    test_http_headers,
    test_query,
    test_read,
    test_scoped_keys,
    test_serialization,
    test_settings,
    test_write,
)
