from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.base.models.res_users import INDEX_SIZE, KEY_CRYPT_CONTEXT

from .. import provisioning
from ..current_request import refuse_through_rest_api
from ..keys import REST_API_KEY_SCOPE, parse_allowed_ips
from ..settings import DEFAULT_RATE_BURST, DEFAULT_RATE_LIMIT, DEFAULT_RATE_PERIOD, get_setting
from ..throttling.throttle import usage_for

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
