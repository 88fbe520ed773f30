"""Throttling: per-key GCRA and per-IP failed-authentication limits, in PostgreSQL.

INTERIM (foundation): the signatures the authentication entry point calls.
The throttling issue implements them (state in an UNLOGGED table updated on a
separate autocommit connection, database clock, RateLimit headers).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class RatePolicy:
    limit: int  # requests per period; 0 = unlimited
    period: int  # seconds
    burst: int  # extra requests allowed at once above the steady rate

    @property
    def unlimited(self):
        return self.limit <= 0 or self.period <= 0


@dataclass(frozen=True)
class ThrottleVerdict:
    policy: RatePolicy
    remaining: int  # requests still admitted right now
    reset_after: float  # seconds until the allowance is full again

    def headers(self):
        """``RateLimit-Policy`` and ``RateLimit`` (draft-ietf-httpapi-ratelimit-headers)."""
        return {}


def check_client_ip(env, client_ip):
    """Before any key hash: raise ``Throttled`` when ``client_ip`` has failed authentication too often."""


def record_auth_failure(env, client_ip):
    """Count one failed authentication for ``client_ip``."""


def check_key_rate(env, bucket, policy):
    """Admit one request for ``bucket`` (e.g. ``"key:12"``) under ``policy``.

    Returns a :class:`ThrottleVerdict` (``None`` when ``policy`` is unlimited);
    raises ``Throttled`` (429, with the verdict's headers) when over the rate.
    """
    return None


def record_usage(env, api_key_id):
    """Note one request for ``rest.api.key`` ``api_key_id`` without writing the key row."""


def usage_for(env, api_key_ids):
    """``{api_key_id: (last_used_datetime, request_count)}`` for the given keys."""
    return {}
