from . import test_keys, test_provisioning, test_tokens, test_verification
