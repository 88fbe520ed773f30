"""The throttling checks an authentication makes, on the request database's bucket store
(PostgreSQL, or Redis when ``rest_api.throttle_store`` names one; see :mod:`.base`).

Two limits: each key's request rate (:meth:`Throttle.check_key_rate`, one
round trip per request of a throttled key, or per several of a busy key: :mod:`.lease`), and
failed authentications
(:meth:`Throttle.check_failed_auth`), which protect the cost of Odoo's key
hash. A guess whose 8-character prefix (Odoo's ``index`` of API keys) is no
key's costs no hash and is never limited; guesses against an existing
prefix are counted per client address and prefix, so a client guessing one
key never locks out the other keys used behind the same address.
"""

from .. import events
from ..exceptions import ServiceUnavailable, Throttled, TooManyFailedAuthentications
from . import lease, usage
from .base import STORE_RETRY_AFTER, StoreUnavailable, warn_store_unavailable
from .gcra import failed_auth_bucket, gcra_admit, gcra_verdict, policy_bucket
from .redis_store import redis_store  # imports the redis package only once a Redis store is used
from .store import ThrottleStore


class Throttle:
    """The throttling checks of one database, with its settings, on the bucket ``store``
    (a :class:`~.base.BucketStore`); usage figures are always in the database (:mod:`.usage`)."""

    def __init__(self, store, settings, dbname):
        self.store = store
        self.settings = settings
        self.dbname = dbname

    def _store_failed(self, action, error):
        """Fail open (warn, go on) or closed (503), as the settings say; never a 500."""
        fail_open = self.settings.fail_open
        outcome = "admitting the request (rest_api.throttle_fail_open)" if fail_open else "refusing it (503)"
        warn_store_unavailable(self.store.name, action, error, outcome)
        events.emit(events.THROTTLE_STORE_ERROR, self.dbname, "fail_open" if fail_open else "fail_closed")
        if not fail_open:
            raise ServiceUnavailable(
                "Request throttling is temporarily unavailable; retry later.",
                headers={"Retry-After": str(STORE_RETRY_AFTER)},
                retry_after=STORE_RETRY_AFTER,
            ) from error

    def check_failed_auth(self, client_ip, key_prefix):
        """Before a hash check against the keys of ``key_prefix``: 429 once ``client_ip`` has
        failed against that prefix too often (the other prefixes are not affected)."""
        policy = self.settings.failed_auth_policy
        if policy.unlimited:
            return
        try:
            tat, now = self.store.peek(policy_bucket(failed_auth_bucket(client_ip, key_prefix), policy))
        except StoreUnavailable as error:
            self._store_failed("checking failed authentications", error)
            return
        admitted, _tat = gcra_admit(policy, tat, now)
        if not admitted:
            verdict = gcra_verdict(policy, tat, now, admitted=False)
            raise TooManyFailedAuthentications(verdict.retry_after)

    def record_auth_failure(self, client_ip, key_prefix):
        """Count one failed hash check of ``client_ip`` against the keys of ``key_prefix``."""
        policy = self.settings.failed_auth_policy
        if policy.unlimited:
            return
        try:
            self.store.charge(policy_bucket(failed_auth_bucket(client_ip, key_prefix), policy), policy)
        except StoreUnavailable as error:
            warn_store_unavailable(self.store.name, "counting a failed authentication", error, "not counted")

    def check_key_rate(self, bucket, policy):
        if policy.unlimited:
            return None
        stored = policy_bucket(bucket, policy)
        count, key = 1, None
        if self.settings.lease:
            key = (self.store.name, stored)
            verdict, count = lease.leases.take(key, policy)
            if verdict is not None:  # admitted from this process's lease: no round trip
                return verdict
        try:
            granted, tat, now = self.store.lease(stored, policy, count)
        except StoreUnavailable as error:
            self._store_failed("checking the request rate", error)
            return None
        if not granted:
            verdict = gcra_verdict(policy, tat, now, admitted=False)
            raise Throttled(verdict.retry_after, headers=verdict.headers())
        if key:
            return lease.leases.keep(key, policy, granted, tat, now)
        return gcra_verdict(policy, tat, now)

    def usage_for(self, api_key_ids):
        ids = [api_key_id for api_key_id in api_key_ids if api_key_id]
        if not ids:
            return {}
        usage.flush(self.dbname)  # this process's own latest requests, at least
        try:
            return ThrottleStore(self.dbname).usage(ids)
        except StoreUnavailable as error:
            warn_store_unavailable(self.dbname, "reading key usage", error, "shown as unused")
            return {}


def bucket_store(dbname, store_setting):
    """The bucket store ``store_setting`` names (``rest_api.throttle_store``) for ``dbname``."""
    if store_setting == "postgresql":
        return ThrottleStore(dbname)
    # Anything else is a Redis URL; a malformed one fails like an unreachable store (fail open or
    # closed, a warning naming it), never a 500.
    return redis_store(store_setting, dbname)


def throttle_for(env):
    """The :class:`Throttle` of ``env``'s database (settings cached until a parameter changes)."""
    settings = env["rest.api.throttle"]._settings()
    dbname = env.cr.dbname
    return Throttle(bucket_store(dbname, settings.store), settings, dbname)


def check_failed_auth(env, client_ip, key_prefix):
    """Before a key hash: raise ``TooManyFailedAuthentications`` (429) when ``client_ip`` has
    failed too often against the keys of ``key_prefix``."""
    throttle_for(env).check_failed_auth(client_ip, key_prefix)


def record_auth_failure(env, client_ip, key_prefix):
    """Count one failed hash check of ``client_ip`` against the keys of ``key_prefix``."""
    throttle_for(env).record_auth_failure(client_ip, key_prefix)


def check_key_rate(env, bucket, policy):
    """Admit one request for ``bucket`` (e.g. ``"key:12"``) under ``policy``.

    Returns a :class:`ThrottleVerdict` (``None`` when ``policy`` is unlimited);
    raises ``Throttled`` (429, with the verdict's headers) when over the rate.
    """
    return throttle_for(env).check_key_rate(bucket, policy)


def record_usage(env, api_key_id):
    """Count one request for ``rest.api.key`` ``api_key_id`` (in the process; stored within seconds)."""
    usage.count(env.cr.dbname, api_key_id)


def usage_for(env, api_key_ids):
    """``{api_key_id: (last_used_datetime, request_count)}`` for the given keys."""
    return throttle_for(env).usage_for(api_key_ids)


def flush_usage(env):
    """Store this process's pending usage counts of ``env``'s database now."""
    usage.flush(env.cr.dbname)
