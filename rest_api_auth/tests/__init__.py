from . import test_keys, test_provisioning, test_settings, test_tokens, test_ui, test_verification
