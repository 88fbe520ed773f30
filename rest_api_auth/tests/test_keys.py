import datetime
import ipaddress

from odoo.tests import BaseCase

from ..keys import VerifiedKey, ip_allowed, parse_allowed_ips, plausible_key, secret_digest
from ..settings import (
    DEFAULT_RATE_LIMIT,
    PERSONAL_KEYS_ENABLED,
    THROTTLE_FAIL_OPEN,
    format_setting,
    parse_setting,
)


class TestAllowedIps(BaseCase):
    def test_parse_addresses_and_networks(self):
        networks = parse_allowed_ips(" 127.0.0.1, 10.0.0.0/8;2001:db8::/32\n192.168.1.7 ")
        self.assertEqual(
            networks,
            (
                ipaddress.ip_network("127.0.0.1/32"),
                ipaddress.ip_network("10.0.0.0/8"),
                ipaddress.ip_network("2001:db8::/32"),
                ipaddress.ip_network("192.168.1.7/32"),
            ),
        )
        self.assertEqual(parse_allowed_ips(""), ())
        self.assertEqual(parse_allowed_ips(False), ())
        # host bits set are tolerated, as admins write them
        self.assertEqual(parse_allowed_ips("10.1.2.3/8"), (ipaddress.ip_network("10.0.0.0/8"),))

    def test_parse_refuses_garbage(self):
        for text in ("localhost", "10.0.0.0/33", "1.2.3", "127.0.0.1,, nope"):
            with self.subTest(text=text), self.assertRaises(ValueError):
                parse_allowed_ips(text)

    def test_membership(self):
        networks = parse_allowed_ips("127.0.0.1, 10.0.0.0/8, 2001:db8::/32")
        self.assertTrue(ip_allowed(networks, "127.0.0.1"))
        self.assertTrue(ip_allowed(networks, "10.200.3.4"))
        self.assertTrue(ip_allowed(networks, "2001:db8::5"))
        self.assertTrue(ip_allowed(networks, "::ffff:10.0.0.1"))  # IPv4-mapped IPv6
        self.assertFalse(ip_allowed(networks, "127.0.0.2"))
        self.assertFalse(ip_allowed(networks, "11.0.0.1"))
        self.assertFalse(ip_allowed(networks, None))
        self.assertFalse(ip_allowed(networks, "garbage"))
        self.assertTrue(ip_allowed((), "203.0.113.9"))
        self.assertTrue(ip_allowed((), None))


class TestSecrets(BaseCase):
    def test_plausible_keys(self):
        self.assertTrue(plausible_key("0123456789abcdef0123456789abcdef01234567"))
        for secret in ("short", "x" * 257, "has space inside", "nul\x00byte-key", "é" * 40):
            with self.subTest(secret=secret[:12]):
                self.assertFalse(plausible_key(secret))

    def test_digest_is_not_the_secret(self):
        secret = "0123456789abcdef0123456789abcdef01234567"
        self.assertEqual(len(secret_digest(secret)), 64)
        self.assertNotIn(secret, secret_digest(secret))
        self.assertNotEqual(secret_digest(secret), secret_digest(secret[:-1] + "8"))

    def test_bucket_and_expiry(self):
        now = datetime.datetime(2026, 1, 1, 12, 0, 0)
        common = {"native_key_id": 4, "uid": 2, "owner_active": True, "owner_is_system": False, "active": True}
        rest = VerifiedKey(api_key_id=9, expires_at=now, **common)
        personal = VerifiedKey(api_key_id=None, expires_at=None, **common)
        self.assertEqual(rest.bucket, "key:9")
        self.assertEqual(personal.bucket, "personal:user:2")
        # all personal keys of a user share one bucket: more keys never mean a higher rate
        another_personal = VerifiedKey(api_key_id=None, expires_at=None, **{**common, "native_key_id": 5})
        self.assertEqual(another_personal.bucket, personal.bucket)
        self.assertFalse(rest.expired(now))
        self.assertTrue(rest.expired(now + datetime.timedelta(seconds=1)))
        self.assertFalse(personal.expired(now + datetime.timedelta(days=9999)))


class TestSettings(BaseCase):
    def test_booleans(self):
        self.assertIs(parse_setting(PERSONAL_KEYS_ENABLED, None), True)
        self.assertIs(parse_setting(PERSONAL_KEYS_ENABLED, False), True)  # absent parameter
        self.assertIs(parse_setting(PERSONAL_KEYS_ENABLED, "False"), False)
        self.assertIs(parse_setting(PERSONAL_KEYS_ENABLED, "0"), False)
        self.assertIs(parse_setting(THROTTLE_FAIL_OPEN, "True"), True)
        self.assertIs(parse_setting(THROTTLE_FAIL_OPEN, "garbage"), True)
        self.assertEqual(format_setting(PERSONAL_KEYS_ENABLED, False), "False")
        self.assertEqual(format_setting(PERSONAL_KEYS_ENABLED, True), "True")

    def test_integers(self):
        self.assertEqual(parse_setting(DEFAULT_RATE_LIMIT, None), 600)
        self.assertEqual(parse_setting(DEFAULT_RATE_LIMIT, "0"), 0)
        self.assertEqual(parse_setting(DEFAULT_RATE_LIMIT, " 42 "), 42)
        self.assertEqual(parse_setting(DEFAULT_RATE_LIMIT, "-5"), 0)
        self.assertEqual(parse_setting(DEFAULT_RATE_LIMIT, "lots"), 600)
        self.assertEqual(format_setting(DEFAULT_RATE_LIMIT, 0), "0")
        self.assertEqual(format_setting(DEFAULT_RATE_LIMIT, False), "0")
