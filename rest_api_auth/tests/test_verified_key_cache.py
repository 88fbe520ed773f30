"""The worker's cache of verified keys (``models/rest_api_key_verification.py``): one hash per key."""

import time
from unittest.mock import patch

from odoo.fields import Command
from odoo.tests import TransactionCase, tagged
from odoo.tools.cache import get_cache_key_counter

from ..authentication import resolve
from ..exceptions import AuthenticationFailed
from ..keys import secret_digest
from ..models import rest_api_key_verification
from .common import RestApiUsersMixin, make_api_key

LOCAL = "127.0.0.1"


@tagged("post_install", "-at_install")
class TestVerifiedKeyCache(RestApiUsersMixin, TransactionCase):
    """Odoo's hash runs once per key per worker, until a change or the TTL."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_rest_api_users()
        cls.key, cls.secret = make_api_key(cls.env, cls.user)

    def cache_entry(self, secret):
        """``(cache, cache key, hit/miss counter)`` of ``secret`` in this worker's verified-key cache."""
        verify = self.env["rest.api.key"]._rest_api_verify_secret
        return get_cache_key_counter(verify, secret_digest(secret), secret, None)

    def authenticate(self, secret=None):
        return resolve(self.env, {"api-key": secret or self.secret}, LOCAL, "read", model="res.partner")

    def test_hash_once_then_from_cache(self):
        self.env.registry.clear_cache()
        cache, cache_key, counter = self.cache_entry(self.secret)
        misses, hits = counter.miss, counter.hit
        for _attempt in range(5):
            self.authenticate()
        self.assertEqual((counter.miss - misses, counter.hit - hits), (1, 4))
        self.assertEqual(cache[cache_key].native_key_id, self.key.native_key_id.id)

    def test_any_key_change_clears_the_cache(self):
        cache, cache_key, _counter = self.cache_entry(self.secret)
        self.authenticate()
        self.assertIn(cache_key, cache)
        self.key.write({"rate_limit": 5, "rate_burst": 5})
        self.assertNotIn(cache_key, cache)
        self.assertEqual(self.authenticate().key.rate.limit, 5)
        self.key.access_ids = [Command.create({"model_id": self.env["ir.model"]._get_id("res.partner")})]
        self.assertNotIn(cache_key, cache)
        self.authenticate()
        self.user.write({"groups_id": [Command.link(self.env.ref("base.group_partner_manager").id)]})
        self.assertNotIn(cache_key, cache)

    def test_failures_are_never_cached(self):
        wrong = self.secret[:8] + "f" * 32
        cache, cache_key, counter = self.cache_entry(wrong)
        misses = counter.miss
        for _attempt in range(3):
            with self.assertRaises(AuthenticationFailed):
                self.authenticate(wrong)
        self.assertNotIn(cache_key, cache)
        self.assertEqual(counter.miss - misses, 3)  # each attempt paid the hash again

    def test_secret_not_kept_in_clear(self):
        cache, cache_key, _counter = self.cache_entry(self.secret)
        self.authenticate()
        self.assertNotIn(self.secret, repr(cache_key))
        self.assertNotIn(self.secret, repr(cache[cache_key]))

    def test_entry_expires_after_the_ttl(self):
        self.env.registry.clear_cache()
        _cache, _cache_key, counter = self.cache_entry(self.secret)
        misses = counter.miss
        with patch.object(rest_api_key_verification, "VERIFIED_KEY_TTL", 0.05):
            self.authenticate()
            self.authenticate()
            self.assertEqual(counter.miss - misses, 1)
            time.sleep(0.1)
            self.authenticate()
            self.assertEqual(counter.miss - misses, 2)
