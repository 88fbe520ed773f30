"""Verifying an API key on every request: Odoo's hash of the secret, the worker's cache of
verified keys, the failed-authentication limit, and the key's policy as ``authenticate`` reads it."""

import contextlib
import time

from odoo import api, models, tools
from odoo.tools import SQL
from odoo.tools.cache import get_cache_key_counter

from odoo.addons.base.models.res_users import INDEX_SIZE, KEY_CRYPT_CONTEXT

from ..exceptions import UnknownApiKey
from ..keys import REST_API_KEY_SCOPE, VERIFIED_KEY_TTL, VerifiedKey, parse_allowed_ips, plausible_key, secret_digest
from ..scope import FULL_SCOPE, KeyScope, ModelAccess
from ..settings import DEFAULT_RATE_BURST, DEFAULT_RATE_LIMIT, DEFAULT_RATE_PERIOD, PERSONAL_KEYS_ENABLED, get_setting
from ..throttling.gcra import RatePolicy
from ..throttling.throttle import check_failed_auth, record_auth_failure


class RestApiKey(models.Model):
    _inherit = "rest.api.key"

    @api.model
    def _rest_api_verified_key(self, secret, client_ip=None):
        """The :class:`VerifiedKey` for ``secret``; raises :class:`UnknownApiKey`.

        Served from the worker's cache when verified less than
        ``VERIFIED_KEY_TTL`` seconds ago and nothing changed since. Only when a
        hash must be checked, against the keys of the secret's prefix, is the
        failed-authentication limit of ``client_ip`` and that prefix applied
        (raising ``TooManyFailedAuthentications``): a guess matching no prefix
        costs no hash, and the other keys used behind the same address go on.
        """
        digest = secret_digest(secret)
        verified = self._rest_api_verify_secret(digest, secret, client_ip)
        if time.monotonic() - verified.verified_at > VERIFIED_KEY_TTL:
            cache, cache_key, _counter = get_cache_key_counter(self._rest_api_verify_secret, digest, secret, client_ip)
            with contextlib.suppress(KeyError):  # another thread of this worker may have dropped it
                cache.pop(cache_key)
            verified = self._rest_api_verify_secret(digest, secret, client_ip)
        return verified

    @api.model
    @tools.ormcache("digest")
    def _rest_api_verify_secret(self, digest, secret, client_ip):
        """Odoo's hash check (~3-4 ms), cached per worker under the secret's digest.

        Lives in the registry's ``default`` ormcache, which ``registry.clear_cache()``
        empties in this worker at once and in every other worker on its next request.
        Failures raise, so they are never cached. ``client_ip`` (not part of the
        cache key; None to skip) is checked against the failed-authentication
        limit of the secret's prefix before the hash, and charged when it fails.
        """
        if not plausible_key(secret):
            raise UnknownApiKey
        prefix = secret[:INDEX_SIZE]
        personal_keys = get_setting(self.env, PERSONAL_KEYS_ENABLED)
        self.env.cr.execute(
            SQL(
                """SELECT id, key, scope, user_id, expiration_date FROM res_users_apikeys
                    WHERE index = %s AND (scope = %s OR (scope IS NULL AND %s))""",
                prefix,
                REST_API_KEY_SCOPE,
                personal_keys,
            )
        )
        candidates = self.env.cr.fetchall()
        limited = bool(candidates) and client_ip is not None  # no candidate, no hash: nothing to protect
        if limited:
            check_failed_auth(self.env, client_ip, prefix)
        for native_id, hashed, scope, user_id, expires_at in candidates:
            if KEY_CRYPT_CONTEXT.verify(secret, hashed):
                return self._rest_api_key_policy(native_id, scope, user_id, expires_at)
        if limited:
            record_auth_failure(self.env, client_ip, prefix)
        raise UnknownApiKey

    @api.model
    def _rest_api_key_policy(self, native_id, scope, user_id, expires_at):
        owner = self.env["res.users"].sudo().browse(user_id)
        common = {
            "native_key_id": native_id,
            "uid": user_id,
            "owner_active": owner.active,
            "owner_is_system": owner._is_system(),
            "expires_at": expires_at,
            "verified_at": time.monotonic(),
        }
        if scope is None:  # a personal key: the user's own rights, the default throttle
            rate = RatePolicy(
                limit=get_setting(self.env, DEFAULT_RATE_LIMIT),
                period=get_setting(self.env, DEFAULT_RATE_PERIOD),
                burst=get_setting(self.env, DEFAULT_RATE_BURST),
            )
            return VerifiedKey(api_key_id=None, active=True, scope=FULL_SCOPE, rate=rate, **common)
        key = self.sudo().with_context(active_test=False).search([("native_key_id", "=", native_id)])
        if not key:  # a 'rest_api' native row nobody attached a policy to
            raise UnknownApiKey
        return VerifiedKey(
            api_key_id=key.id,
            active=key.active,
            scope=key._rest_api_scope(),
            rate=RatePolicy(limit=key.rate_limit, period=key.rate_period, burst=key.rate_burst),
            networks=parse_allowed_ips(key.allowed_ips),
            require_login_token=key.require_login_token,
            allow_token_generation=key.allow_token_generation,
            **common,
        )

    def _rest_api_scope(self):
        self.ensure_one()
        if self.scope_mode == "all":
            return FULL_SCOPE
        access = {}
        for line in self.access_ids:
            access[line.model_id.model] = ModelAccess(
                read=line.perm_read,
                create=line.perm_create,
                write=line.perm_write,
                unlink=line.perm_unlink,
                execute=line.perm_execute,
                methods=frozenset(line._method_names()),
            )
        return KeyScope(mode="specific", access=access)
