from . import test_throttling_concurrency, test_throttling_gcra, test_throttling_store
