import contextlib
import time

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.cache import get_cache_key_counter

from odoo.addons.base.models.res_users import INDEX_SIZE, KEY_CRYPT_CONTEXT

from .. import provisioning
from ..current_request import refuse_through_rest_api
from ..exceptions import UnknownApiKey
from ..keys import (
    REST_API_KEY_SCOPE,
    VERIFIED_KEY_TTL,
    VerifiedKey,
    parse_allowed_ips,
    plausible_key,
    secret_digest,
)
from ..scope import FULL_SCOPE, KeyScope, ModelAccess
from ..settings import (
    DEFAULT_RATE_BURST,
    DEFAULT_RATE_LIMIT,
    DEFAULT_RATE_PERIOD,
    PERSONAL_KEYS_ENABLED,
    get_setting,
)
from ..throttling.gcra import RatePolicy
from ..throttling.throttle import check_failed_auth, record_auth_failure, usage_for

MANAGER_GROUP = "rest_api_auth.group_rest_api_manager"


def _default_setting(name):
    return lambda self: get_setting(self.env, name)


class RestApiKey(models.Model):
    _name = "rest.api.key"
    _description = "REST API Key"
    _order = "name, id"

    name = fields.Char(required=True, help="What the key is for; also shown in the owner's API key list.")
    user_id = fields.Many2one(
        "res.users",
        required=True,
        index=True,
        ondelete="cascade",
        default=lambda self: self.env.user,
        help="The key acts as this user, with this user's access rights (narrowed by the scope below).",
    )
    native_key_id = fields.Many2one(
        "res.users.apikeys",
        string="Native API Key",
        required=True,
        readonly=True,
        copy=False,
        ondelete="cascade",
    )
    key_prefix = fields.Char(
        compute="_compute_key_prefix",
        help="The first characters of the secret, to recognise the key; the rest is never stored.",
    )
    active = fields.Boolean(default=True)
    expiration_date = fields.Datetime(
        compute="_compute_expiration_date",
        inverse="_inverse_expiration_date",
        search="_search_expiration_date",
        help="Kept on Odoo's own API key row. Empty: the key never expires. "
        "Odoo's daily clean-up deletes expired keys (with their login tokens).",
    )
    scope_mode = fields.Selection(
        [("all", "All models"), ("specific", "Specific models")],
        string="Scope",
        required=True,
        default="all",
        help="All models: everything the user may do. Specific models: only the models and operations listed below.",
    )
    access_ids = fields.One2many("rest.api.key.access", "key_id", string="Model Access")
    rate_limit = fields.Integer(
        default=_default_setting(DEFAULT_RATE_LIMIT),
        help="Requests admitted per period; 0 means unlimited.",
    )
    rate_period = fields.Integer(string="Rate Period (s)", default=_default_setting(DEFAULT_RATE_PERIOD))
    rate_burst = fields.Integer(
        default=_default_setting(DEFAULT_RATE_BURST),
        help="Requests that may arrive at once before the steady rate applies (at most the rate limit; "
        "0 or 1: strictly paced).",
    )
    allowed_ips = fields.Char(
        string="Allowed IPs",
        help="Client addresses or networks (CIDR), separated by commas or spaces. Empty: any address.",
    )
    require_login_token = fields.Boolean(
        help="Data requests must also carry a login token (generate_token itself needs only the key).",
    )
    allow_token_generation = fields.Boolean(
        help="The key may issue login tokens: for its own user, or for any user when that user "
        "is a system administrator.",
    )
    token_ids = fields.One2many("rest.api.token", "key_id", string="Login Tokens")
    last_used = fields.Datetime(compute="_compute_usage")
    request_count = fields.Integer(compute="_compute_usage")

    _sql_constraints = [
        ("native_key_unique", "UNIQUE(native_key_id)", "A native API key backs at most one REST API key."),
    ]

    def init(self):
        # The ORM adds no foreign key towards an _auto=False model: add it, so that deleting
        # the native key (also from the owner's preferences, or by Odoo's clean-up of expired
        # keys) deletes its policy and login tokens with it.
        self.pool.add_foreign_key(
            self._table, "native_key_id", "res_users_apikeys", "id", "cascade", self, "rest_api_auth"
        )

    # ------------------------------------------------------------------
    # Fields kept on the native row, usage
    # ------------------------------------------------------------------

    @api.depends("native_key_id")
    def _compute_key_prefix(self):
        native_ids = self.native_key_id.ids
        prefixes = {}
        if native_ids:
            self.env.cr.execute(SQL("SELECT id, index FROM res_users_apikeys WHERE id IN %s", tuple(native_ids)))
            prefixes = dict(self.env.cr.fetchall())
        for key in self:
            prefix = prefixes.get(key.native_key_id.id)
            key.key_prefix = f"{prefix}…" if prefix else False

    @api.depends("native_key_id.expiration_date")
    def _compute_expiration_date(self):
        for key in self:
            key.expiration_date = key.native_key_id.sudo().expiration_date

    def _inverse_expiration_date(self):
        now = fields.Datetime.now()
        for key in self:
            if key.expiration_date and key.expiration_date < now:
                raise ValidationError(_("The expiration date of key %s is in the past.", key.name))
            self.env.cr.execute(
                SQL(
                    "UPDATE res_users_apikeys SET expiration_date = %s WHERE id = %s",
                    key.expiration_date or None,
                    key.native_key_id.id,
                )
            )
        self.native_key_id.invalidate_recordset(["expiration_date"])
        self.env.registry.clear_cache()

    def _search_expiration_date(self, operator, value):
        return [("native_key_id.expiration_date", operator, value)]

    def _compute_usage(self):
        usage = usage_for(self.env, self.ids) if self.ids else {}
        for key in self:
            key.last_used, key.request_count = usage.get(key.id, (False, 0))

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains("rate_limit", "rate_period", "rate_burst")
    def _check_rate(self):
        for key in self:
            problem = self._rate_problem(key.rate_limit, key.rate_period, key.rate_burst)
            if problem:
                raise ValidationError(problem)

    @api.onchange("rate_limit")
    def _onchange_rate_limit(self):
        """Lowering the limit below the burst lowers the burst with it."""
        if self.rate_limit > 0 and self.rate_burst > self.rate_limit:
            self.rate_burst = self.rate_limit

    @api.model
    def _rate_problem(self, limit, period, burst):
        """Why a rate policy is invalid (None when it is valid): for keys and for the default policy."""
        if min(limit, period, burst) < 0:
            return _("Rate limit, period and burst cannot be negative (0 means unlimited).")
        if limit and not period:
            return _("A rate limit needs a period of at least one second.")
        if limit and burst > limit:
            # RateLimit headers announce a quota of `limit` per period: a deeper bucket would
            # let `remaining` exceed the announced quota.
            return _("The burst (%(burst)s) cannot exceed the rate limit (%(limit)s).", burst=burst, limit=limit)
        return None

    @api.constrains("allowed_ips")
    def _check_allowed_ips(self):
        for key in self:
            try:
                parse_allowed_ips(key.allowed_ips)
            except ValueError as error:
                raise ValidationError(_("Allowed IPs of key %(key)s: %(error)s", key=key.name, error=error)) from None

    @api.constrains("native_key_id", "user_id")
    def _check_native_key(self):
        for key in self:
            native = key.native_key_id.sudo()
            if native.scope != REST_API_KEY_SCOPE or native.user_id != key.user_id:
                raise ValidationError(
                    _(
                        "A REST API key must be backed by a native key of scope '%s' of the same user.",
                        REST_API_KEY_SCOPE,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD: every change clears the verified-key cache in every worker
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        refuse_through_rest_api()
        owners = self.env["res.users"].browse({vals["user_id"] for vals in vals_list if vals.get("user_id")})
        for owner in owners:
            self._check_may_manage_owner(owner)
        return super().create(vals_list)

    def write(self, vals):
        refuse_through_rest_api()
        self._check_may_manage_keys()
        if "user_id" in vals and any(key.user_id.id != vals["user_id"] for key in self):
            raise UserError(_("The user of an API key cannot change; issue a new key for the other user."))
        result = super().write(vals)
        if "name" in vals:
            for key in self:
                self.env.cr.execute(
                    SQL("UPDATE res_users_apikeys SET name = %s WHERE id = %s", key.name, key.native_key_id.id)
                )
            self.native_key_id.invalidate_recordset(["name"])
        self.env.registry.clear_cache()
        return result

    def unlink(self):
        refuse_through_rest_api()
        self._check_may_manage_keys()
        natives = self.native_key_id
        result = super().unlink()
        natives.sudo().unlink()
        self.env.registry.clear_cache()
        return result

    def copy(self, default=None):  # pylint: disable=method-required-super
        raise UserError(_("API keys cannot be duplicated: issue a new key instead."))

    @api.model
    def _may_manage_owner(self, owner):
        """Whether the current user may handle credentials (keys, login tokens) acting as ``owner``.

        A key acts with its owner's rights, so handing one out, widening it or
        keeping it alive is acting as that user. System administrators may do so
        for anyone; other REST API managers for themselves and for users who have
        no group they lack (else a manager could issue a key for an "Access
        Rights" user and make themselves administrator with it).
        """
        env = self.env
        if env.su or owner == env.user or env.user._is_system():
            return True
        return not owner.sudo().groups_id - env.user.sudo().groups_id

    @api.model
    def _check_may_manage_owner(self, owner):
        if not self._may_manage_owner(owner):
            lacking = owner.sudo().groups_id - self.env.user.sudo().groups_id
            raise AccessError(
                _(
                    "You may not manage the API keys or login tokens of %(user)s: that user has access rights "
                    "you do not have (%(groups)s).",
                    user=owner.sudo().display_name,
                    groups=", ".join(lacking.mapped("full_name")),
                )
            )

    def _check_may_manage_keys(self):
        for owner in self.sudo().user_id:
            self._check_may_manage_owner(owner)

    # ------------------------------------------------------------------
    # Provisioning API (plain data in and out; XML-RPC / JSON-RPC / code)
    # ------------------------------------------------------------------

    @api.model
    def generate_api_key(self, vals):
        """Create a REST API key and return ``{"id": <rest.api.key id>, "key": <secret>}``.

        The secret is returned only here; Odoo stores its hash. See the README
        ("Provisioning API") for the members of ``vals``.
        """
        self.check_access("create")
        values, expiration_date = self._provisioning_values(vals)
        key, secret = self._create_with_native_key(values, expiration_date)
        return {"id": key.id, "key": secret}

    @api.model
    def _provisioning_values(self, vals):
        """The key's values and expiration from ``generate_api_key``'s input (checked in ``provisioning``)."""
        values = provisioning.key_values(vals, default_burst=get_setting(self.env, DEFAULT_RATE_BURST))
        owner = self._provisioning_owner(provisioning.owner_id(vals.get("user_id"), self.env.uid))
        model_id_of = self.env["ir.model"].sudo()._get_id
        values["user_id"] = owner.id
        values["access_ids"] = provisioning.access_commands(vals.get("access") or [], model_id_of)
        return values, provisioning.expiration(vals.get("expiration_date"), fields.Datetime.now())

    @api.model
    def _provisioning_owner(self, user_id):
        owner = self.env["res.users"].sudo().with_context(active_test=False).browse(user_id).exists()
        if not owner or not owner.active:
            raise ValidationError(_("There is no active user with id %s.", user_id))
        return owner

    @api.model
    def _create_with_native_key(self, values, expiration_date):
        """Mint the native key as its owner with Odoo's own generator, then attach the policy.

        The native row is created under sudo, so Odoo's maximum duration for
        self-service keys does not apply: a manager decides the key's lifetime.
        """
        owner = self.env["res.users"].browse(values["user_id"])
        self._check_may_manage_owner(owner)
        natives = self.env["res.users.apikeys"].with_user(owner).sudo()
        secret = natives._generate(REST_API_KEY_SCOPE, values["name"], expiration_date)
        self.env.cr.execute(
            SQL(
                "SELECT id, key FROM res_users_apikeys WHERE user_id = %s AND index = %s AND scope = %s"
                " ORDER BY id DESC",
                owner.id,
                secret[:INDEX_SIZE],
                REST_API_KEY_SCOPE,
            )
        )
        rows = self.env.cr.fetchall()
        native_id = rows[0][0]
        if len(rows) > 1:  # an index collision among this user's keys: find ours by its hash
            native_id = next(row_id for row_id, hashed in rows if KEY_CRYPT_CONTEXT.verify(secret, hashed))
        key = self.create({**values, "native_key_id": native_id})
        return key, secret

    # ------------------------------------------------------------------
    # Verification (called by authenticate on every request)
    # ------------------------------------------------------------------

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

    # ------------------------------------------------------------------
    # UI actions
    # ------------------------------------------------------------------

    def action_new_key(self):
        """The list's header button: it passes the selected ids, which the dialog ignores."""
        return self.env["ir.actions.act_window"]._for_xml_id("rest_api_auth.rest_api_key_generate_action")

    def action_issue_login_token(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Issue a Login Token"),
            "res_model": "rest.api.token.issue",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_key_id": self.id, "default_user_id": self.user_id.id},
        }
