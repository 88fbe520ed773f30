"""A verified API key's policy, and the plain helpers the key check uses (no ORM)."""

import hashlib
import ipaddress
import re
from dataclasses import dataclass, field

from .scope import FULL_SCOPE, KeyScope
from .throttling.gcra import RatePolicy

# The scope of the native ``res.users.apikeys`` rows behind REST API keys. XML-RPC and
# ``auth='bearer'`` only accept keys with no scope (or 'rpc'), so they refuse these.
REST_API_KEY_SCOPE = "rest_api"

# Seconds a verified key stays in a worker's cache. Every change to a key, its owner or
# a setting clears the cache at once in every worker; the TTL only bounds how long a
# change made behind the ORM's back (raw SQL, a database cascade) can go unnoticed.
VERIFIED_KEY_TTL = 60.0

NO_RATE_LIMIT = RatePolicy(limit=0, period=0, burst=0)

# Odoo's keys are 40 hex digits; anything that cannot be a key is refused before the
# database is asked (a NUL byte would even make PostgreSQL raise).
_PLAUSIBLE_KEY = re.compile(r"^[\x21-\x7e]{8,256}$")


def plausible_key(secret):
    return bool(_PLAUSIBLE_KEY.match(secret))


def secret_digest(secret):
    """The cache key for a secret: its SHA-256, so the cache never holds a secret in clear."""
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_allowed_ips(text):
    """``"127.0.0.1, 10.0.0.0/8 ::1"`` -> a tuple of networks; empty means any address.

    Raises ``ValueError`` naming the first entry that is not an address or a network.
    """
    networks = []
    for entry in re.split(r"[\s,;]+", (text or "").strip()):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or network (CIDR)") from None
    return tuple(networks)


def ip_allowed(networks, address):
    """Whether ``address`` (text) is in one of ``networks``; any address when there are none."""
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


@dataclass(frozen=True)
class VerifiedKey:
    """What a worker remembers about a key once its secret has been verified.

    Status fields (``active``, ``owner_active``, ``expires_at``) are kept rather than
    refused at verification time, so the checks run on every request, cached or not.
    """

    native_key_id: int  # res.users.apikeys id
    api_key_id: int | None  # rest.api.key id; None for a personal key
    uid: int  # the key's owner
    owner_active: bool
    owner_is_system: bool
    active: bool
    expires_at: object  # naive UTC datetime, or None for a persistent key
    scope: KeyScope = FULL_SCOPE
    rate: RatePolicy = NO_RATE_LIMIT
    networks: tuple = ()
    require_login_token: bool = False
    allow_token_generation: bool = False
    verified_at: float = field(default=0.0, compare=False)  # time.monotonic() of the hash check

    @property
    def bucket(self):
        """The throttle bucket: one per REST key; one per user for all of a user's personal keys.

        Anyone may create personal keys in their preferences: a bucket per personal
        key would let a user multiply the default rate by creating more keys.
        """
        if self.api_key_id:
            return f"key:{self.api_key_id}"
        return f"personal:user:{self.uid}"

    def expired(self, now):
        return self.expires_at is not None and self.expires_at < now
