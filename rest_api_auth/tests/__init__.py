from . import (
    test_keys,
    test_manager_rules,
    test_provisioning,
    test_settings,
    test_throttling_concurrency,
    test_throttling_gcra,
    test_throttling_store,
    test_token_policy,
    test_tokens,
    test_tours,
    test_ui,
    test_verification,
)
