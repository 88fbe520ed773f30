from . import test_keys, test_provisioning, test_settings, test_tokens, test_ui, test_verification
from . import test_throttling_concurrency, test_throttling_gcra, test_throttling_store
