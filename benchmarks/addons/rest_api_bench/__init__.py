import gc
import os

from . import controllers

# Benchmarks only (bench_store_callgrind.py). Under valgrind a request runs some 50 times slower:
# the per-process time windows of the REST API would then cover 50 times fewer requests than at
# native speed (a busy key would look quiet to the quota leases; a verified key's 60 s cache would
# lapse, and its pbkdf2 check be paid again, every 50 requests). This stretches them by that factor.
CLOCK_SCALE = float(os.environ.get("REST_API_BENCH_CLOCK_SCALE") or 1)
if CLOCK_SCALE != 1:
    from odoo.addons.rest_api_auth.models import rest_api_key_verification
    from odoo.addons.rest_api_auth.throttling import lease, usage

    lease.LEASE_LIFETIME *= CLOCK_SCALE
    lease.DEMAND_WINDOW *= CLOCK_SCALE
    rest_api_key_verification.VERIFIED_KEY_TTL *= CLOCK_SCALE
    usage.UsageCounter.interval *= CLOCK_SCALE

# Python's cyclic collector runs after so many allocations: its collections of Odoo's heap land
# in one block of counted requests or another. The count runs without it.
if os.environ.get("REST_API_BENCH_NO_GC"):
    gc.disable()
