from . import (
    test_keys,
    test_manager_rules,
    test_provisioning,
    test_settings,
    test_throttling_concurrency,
    test_throttling_gcra,
    test_throttling_store,
    test_tokens,
    test_ui,
    test_verification,
)
