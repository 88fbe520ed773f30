"""Rate policies and GCRA, the arithmetic of every throttle (pure functions, no store).

The algorithm is GCRA (the "virtual scheduling" form of a token bucket): one
number per bucket, the theoretical arrival time ``tat``. A policy of ``limit``
requests per ``period`` seconds with ``burst`` spaces requests by the emission
interval ``period / limit`` and lets ``burst`` of them arrive at once, so that
the requests admitted in any interval of ``T`` seconds never exceed
``burst + limit / period * T``. Times are integer microseconds, so the SQL of
:mod:`.store` and the functions below compute exactly the same thing.
"""

import hashlib
import ipaddress
from dataclasses import dataclass, field

from ..settings import (
    DEFAULTS,
    FAILED_AUTH_LIMIT,
    FAILED_AUTH_PERIOD,
    THROTTLE_FAIL_OPEN,
    THROTTLE_LEASE,
    THROTTLE_STORE,
    parse_setting,
)

MICROSECONDS = 1_000_000
POLICY_NAME = "default"
# A lease takes at most this fraction of the requests a bucket admits right now (its first one
# always): large far from the limit, a single request near it. The SQL and Lua say the same.
LEASE_FRACTION = 8


@dataclass(frozen=True)
class RatePolicy:
    limit: int  # requests per period; 0 = unlimited
    period: int  # seconds
    burst: int  # requests admitted at once (bucket depth); below 1 means 1: strictly paced

    @property
    def unlimited(self):
        return self.limit <= 0 or self.period <= 0

    @property
    def capacity(self):
        return max(self.burst, 1)

    @property
    def emission_interval(self):
        """Microseconds between two requests at the steady rate, rounded up (never more lenient)."""
        return int(-(-self.period * MICROSECONDS // self.limit))

    @property
    def tolerance(self):
        """How far (µs) ``tat`` may run ahead of the clock before a request is refused."""
        return (self.capacity - 1) * self.emission_interval


@dataclass(frozen=True)
class ThrottleVerdict:
    policy: RatePolicy
    remaining: int  # requests still admitted right now
    reset_after: float  # seconds until the allowance is full again
    admitted: bool = True
    retry_after: float = 0.0  # seconds until the next request is admitted (refused requests)

    def headers(self):
        """``RateLimit-Policy`` and ``RateLimit`` (draft-ietf-httpapi-ratelimit-headers)."""
        return {
            "RateLimit-Policy": f'"{POLICY_NAME}";q={self.policy.limit};w={self.policy.period}',
            "RateLimit": f'"{POLICY_NAME}";r={self.remaining};t={_whole_seconds(self.reset_after)}',
        }


def failed_auth_rate(limit, period):
    """A client may fail ``limit`` times at once, then once per ``period / limit`` seconds."""
    return RatePolicy(limit=limit, period=period, burst=limit)


DEFAULT_FAILED_AUTH_RATE = failed_auth_rate(DEFAULTS[FAILED_AUTH_LIMIT], DEFAULTS[FAILED_AUTH_PERIOD])


@dataclass(frozen=True)
class ThrottleSettings:
    """The database's throttling settings (``ir.config_parameter``, see :mod:`.settings`)."""

    failed_auth_policy: RatePolicy = DEFAULT_FAILED_AUTH_RATE
    fail_open: bool = DEFAULTS[THROTTLE_FAIL_OPEN]
    # "postgresql", or a redis://, rediss:// or unix:// URL (not in the repr: it may hold a password)
    store: str = field(default=DEFAULTS[THROTTLE_STORE], repr=False)
    lease: bool = DEFAULTS[THROTTLE_LEASE]  # busy keys charge several requests per round trip (.lease)

    @classmethod
    def from_params(cls, get_param, server_store=None):
        """Read the settings through ``get_param(name) -> str | False``; ``server_store``, the
        server configuration file's ``rest_api_throttle_store``, wins over the parameter."""

        def setting(name):
            return parse_setting(name, get_param(name))

        return cls(
            failed_auth_policy=failed_auth_rate(setting(FAILED_AUTH_LIMIT), setting(FAILED_AUTH_PERIOD)),
            fail_open=setting(THROTTLE_FAIL_OPEN),
            store=parse_setting(THROTTLE_STORE, server_store) if server_store else setting(THROTTLE_STORE),
            lease=setting(THROTTLE_LEASE),
        )


def _whole_seconds(seconds):
    """Delta-seconds for headers: an integer, rounded up."""
    return max(0, int(-(-seconds // 1)))


def gcra_admit(policy, tat, now):
    """Decide one request arriving at ``now`` (µs) on a bucket at ``tat`` (µs, None for a new bucket).

    Returns ``(admitted, new_tat)``; a refused request leaves the bucket unchanged.
    :data:`ADMIT` makes the same decision atomically in the database.
    """
    start = now if tat is None else max(tat, now)
    if start - now > policy.tolerance:
        return False, tat
    return True, start + policy.emission_interval


def gcra_lease(policy, tat, now, count):
    """Admit up to ``count`` requests at once arriving at ``now``: ``(granted, new_tat)``.

    The first is admitted exactly when :func:`gcra_admit` would admit it (``count`` 1 *is*
    :func:`gcra_admit`); more are granted only while the bucket admits them too, and never
    more than a :data:`LEASE_FRACTION` of what it admits right now. ``granted`` 0: refused,
    bucket unchanged. :data:`~.store.ADMIT` and the Redis script decide the same.
    """
    start = now if tat is None else max(tat, now)
    if start - now > policy.tolerance:
        return 0, tat
    available = (policy.tolerance - (start - now)) // policy.emission_interval + 1
    granted = min(max(1, count), max(1, available // LEASE_FRACTION))
    return granted, start + granted * policy.emission_interval


def gcra_charge(policy, tat, now):
    """Count one event (a failed authentication) unconditionally; returns the new ``tat``.

    Capped so that a client can never lock itself out for longer than it takes
    to refill a whole bucket. :data:`CHARGE` does the same in the database.
    """
    start = now if tat is None else max(tat, now)
    return min(start + policy.emission_interval, now + policy.tolerance + policy.emission_interval)


def gcra_verdict(policy, tat, now, admitted=True):
    """The :class:`ThrottleVerdict` of a bucket at ``tat`` seen at ``now`` (both µs)."""
    backlog = 0 if tat is None else max(0, tat - now)
    remaining = min(policy.capacity, max(0, (policy.tolerance - backlog) // policy.emission_interval + 1))
    # A refused request waits at least a moment: its tat may be a snapshot taken
    # just before a concurrent admission moved the bucket on.
    retry_after = 0 if admitted else max(1, backlog - policy.tolerance)
    return ThrottleVerdict(
        policy=policy,
        remaining=remaining,
        reset_after=backlog / MICROSECONDS,
        admitted=admitted,
        retry_after=retry_after / MICROSECONDS,
    )


def policy_bucket(bucket, policy):
    """The stored bucket of ``bucket`` under ``policy``.

    A changed policy starts afresh (a full burst) instead of inheriting a
    backlog measured in another rate: after a key went from 5 to 600 requests
    per minute, its last requests at the old rate would otherwise keep it
    waiting for minutes.
    """
    return f"{bucket}@{policy.limit}/{policy.period}/{policy.burst}"


def client_bucket(client_ip):
    """The failed-authentication bucket of a client address.

    IPv6 clients are grouped by /64 (one subscriber's usual allocation), so an
    attacker cannot sidestep the limit by rotating addresses inside it.
    """
    try:
        address = ipaddress.ip_address(client_ip or "")
    except ValueError:
        return "ip:unknown"
    if address.version == 6:
        if address.ipv4_mapped:
            return f"ip:{address.ipv4_mapped}"
        return f"ip:{ipaddress.ip_network(f'{address}/64', strict=False)}"
    return f"ip:{address}"


def failed_auth_bucket(client_ip, key_prefix):
    """The failed-authentication bucket of a client address and a key prefix (Odoo's 8-character
    ``index`` of API keys). Only a guess whose prefix is some key's costs a hash check; counting
    per prefix lets the other keys used behind the same address (NAT, proxy) go on. The prefix
    is stored as a digest, never in clear."""
    digest = hashlib.sha256(key_prefix.encode()).hexdigest()[:16]
    return f"auth:{client_bucket(client_ip)}:{digest}"
