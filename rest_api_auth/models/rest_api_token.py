import datetime
import logging
from dataclasses import dataclass

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import SQL

from ..current_request import refuse_through_rest_api
from ..exceptions import NotFound, PermissionDenied, UnknownLoginToken
from ..settings import JWT_SECRET
from ..tokens import (
    MAX_EXPIRATION_DAYS,
    TOKEN_REFUSALS,
    LoginTokenClaims,
    decode_login_token,
    encode_login_token,
    issuer_for,
    new_jti,
    new_secret,
    token_refusal,
)
from .rest_api_key import MANAGER_GROUP

_logger = logging.getLogger(__name__)

# Expired and revoked tokens are kept this long for the record, then deleted.
TOKEN_RETENTION_DAYS = 30


@dataclass(frozen=True)
class TokenState:
    """What a worker remembers about an issued token (cleared on any token or user change)."""

    token_id: int
    user_id: int
    api_key_id: int
    expires_at: datetime.datetime  # naive UTC
    revoked: bool
    user_active: bool


class RestApiToken(models.Model):
    _name = "rest.api.token"
    _description = "REST API Login Token"
    _order = "issued_at desc, id desc"
    _rec_name = "jti"

    user_id = fields.Many2one("res.users", required=True, readonly=True, index=True, ondelete="cascade")
    key_id = fields.Many2one(
        "rest.api.key", string="API Key", required=True, readonly=True, index=True, ondelete="cascade"
    )
    issued_at = fields.Datetime(string="Issued", required=True, readonly=True)
    expires_at = fields.Datetime(string="Expires", required=True, readonly=True)
    jti = fields.Char(string="Token ID", required=True, readonly=True, copy=False)
    revoked = fields.Boolean(readonly=True)
    revoked_at = fields.Datetime(readonly=True)
    state = fields.Selection(
        [("valid", "Valid"), ("expired", "Expired"), ("revoked", "Revoked")],
        compute="_compute_state",
        search="_search_state",
    )

    _sql_constraints = [("jti_unique", "UNIQUE(jti)", "Token ids are unique.")]

    @api.depends("revoked", "expires_at")
    def _compute_state(self):
        now = fields.Datetime.now()
        for token in self:
            token.state = "revoked" if token.revoked else "expired" if token.expires_at <= now else "valid"

    def _search_state(self, operator, value):
        states = [value] if operator == "=" else value if operator == "in" else None
        now = fields.Datetime.now()
        domains = {
            "valid": [("revoked", "=", False), ("expires_at", ">", now)],
            "expired": [("revoked", "=", False), ("expires_at", "<=", now)],
            "revoked": [("revoked", "=", True)],
        }
        if states is None or not set(states) <= set(domains):
            raise UserError(_("Unsupported search on the token state."))
        return expression.OR([domains[state] for state in states])

    # ------------------------------------------------------------------
    # A token can only be revoked or deleted; changes clear the token cache in every worker
    # ------------------------------------------------------------------

    def write(self, vals):
        """Only revocation: a revoked token never comes back, and a token's user, key and dates never change."""
        refuse_through_rest_api()
        self.check_access("write")
        if set(vals) - {"revoked", "revoked_at"} or vals.get("revoked", True) is not True:
            raise UserError(_("A login token cannot be changed, only revoked; issue a new one instead."))
        result = super().write(vals)
        self.env.registry.clear_cache()
        return result

    def unlink(self):
        refuse_through_rest_api()
        self._check_may_revoke()
        result = super().unlink()
        self.env.registry.clear_cache()
        return result

    def action_revoke(self):
        """Revoke these tokens: refused from the very next request, in every worker.

        Allowed to the token's user, to the user of the key it was issued under, and
        to REST API managers who may manage the token's user (see
        ``rest.api.key._may_manage_owner``); nobody holds write access on tokens.
        """
        self._check_may_revoke()
        valid = self.filtered(lambda token: not token.revoked)
        valid.sudo().write({"revoked": True, "revoked_at": fields.Datetime.now()})
        return True

    def _check_may_revoke(self):
        env = self.env
        if env.su or env.user._is_system():
            return
        self.check_access("read")
        keys = env["rest.api.key"]
        is_manager = env.user.has_group(MANAGER_GROUP)
        for token in self.sudo():
            if env.user in (token.user_id, token.key_id.user_id):
                continue
            if not is_manager:
                raise AccessError(_("Only the token's user, its key's user or a REST API manager may revoke it."))
            keys._check_may_manage_owner(token.user_id)

    # ------------------------------------------------------------------
    # Issuing
    # ------------------------------------------------------------------

    @api.model
    def _issue_for(self, key, user, days):
        """Issue a login token for ``user`` under ``key`` if the policy allows it; ``(token, jwt)``.

        The one way tokens are issued: by ``/api/generate_token`` and by the web client's
        dialog. Raises the :class:`_issue_refusal` error.
        """
        refusal = self._issue_refusal(key, user)
        if refusal:
            raise refusal
        return self._issue(key, user, days)

    @api.model
    def _issue_refusal(self, key, user):
        """Why ``key`` (rest.api.key, empty for a personal key) may not issue a token for ``user`` now.

        The error to raise (``PermissionDenied`` or ``NotFound``), None when it may: the key
        may issue tokens (see ``tokens.token_refusal``), is active and not expired, its user
        is active, and ``user`` exists and is active.
        """
        key = key.sudo().with_context(active_test=False).exists()
        owner = key.user_id
        refusal = token_refusal(key.allow_token_generation, owner.id, bool(owner) and owner._is_system(), user.id)
        if refusal:
            return PermissionDenied(TOKEN_REFUSALS[refusal])
        expired = key.expiration_date and key.expiration_date < fields.Datetime.now()  # as authenticate()
        problems = (
            (not key.active, f"The API key {key.name} is deactivated."),
            (expired, f"The API key {key.name} has expired."),
            (not owner.active, f"The user of the API key {key.name} is deactivated."),
        )
        detail = next((message for failed, message in problems if failed), None)
        if detail:
            return PermissionDenied(detail)
        if not user.sudo().exists().active:
            return NotFound(f"There is no active user with id {user.id}.")
        return None

    @api.model
    def _issue(self, key, user, days):
        """Create the token record and return ``(token, jwt)``; the JWT itself is never stored.

        No policy here: issue through :meth:`_issue_for`.
        """
        if not 1 <= days <= MAX_EXPIRATION_DAYS:
            raise UserError(_("A login token is valid for 1 to %s days.", MAX_EXPIRATION_DAYS))
        issued_at = fields.Datetime.now().replace(microsecond=0)
        expires_at = issued_at + datetime.timedelta(days=days)
        token = self.sudo().create(
            {
                "user_id": user.id,
                "key_id": key.id,
                "issued_at": issued_at,
                "expires_at": expires_at,
                "jti": new_jti(),
            }
        )
        claims = LoginTokenClaims(
            user_id=user.id,
            api_key_id=key.id,
            jti=token.jti,
            issued_at=_epoch(issued_at),
            expires_at=_epoch(expires_at),
        )
        return token, encode_login_token(self._jwt_secret(create=True), self._jwt_issuer(), claims)

    @api.model
    def _jwt_issuer(self):
        return issuer_for(self.env["ir.config_parameter"].sudo().get_param("database.uuid"))

    @api.model
    def _jwt_secret(self, create=False):
        """The database's signing secret (a system-only parameter); created when missing and ``create``."""
        parameters = self.env["ir.config_parameter"].sudo()
        secret = parameters.get_param(JWT_SECRET)
        if not secret and create:
            secret = new_secret()
            parameters.set_param(JWT_SECRET, secret)
        return secret

    @api.model
    def _init_jwt_secret(self):
        """Install hook (data file): give the database its signing secret."""
        self._jwt_secret(create=True)

    @api.model
    def _rotate_jwt_secret(self):
        """A new signing secret: every login token issued so far stops working."""
        if not self.env.user.has_group(MANAGER_GROUP) and not self.env.su:
            raise AccessError(_("Only REST API managers may rotate the login token secret."))
        self.env["ir.config_parameter"].sudo().set_param(JWT_SECRET, new_secret())
        self.sudo().search([("state", "=", "valid")]).action_revoke()
        self.env.registry.clear_cache()
        _logger.info("REST API login token secret rotated by %s (#%s)", self.env.user.login, self.env.uid)

    # ------------------------------------------------------------------
    # Verification (called by authenticate for requests carrying a token)
    # ------------------------------------------------------------------

    @api.model
    @tools.ormcache("digest")
    def _rest_api_verified_token(self, digest, login_token):
        """The :class:`TokenState` of a login token, cached per worker under the token's digest.

        A miss verifies the JWT (signature, algorithm, issuer, expiry, claims) and loads
        its row; any change to a token, a user or the signing secret clears the cache.
        Raises :class:`AuthenticationFailed` or :class:`UnknownLoginToken`, never cached.
        """
        secret = self._jwt_secret()
        if not secret:
            raise UnknownLoginToken
        claims = decode_login_token(login_token, secret, self._jwt_issuer())
        self.flush_model(["user_id", "key_id", "expires_at", "revoked", "jti"])
        self.env["res.users"].flush_model(["active"])
        self.env.cr.execute(
            SQL(
                """SELECT t.id, t.user_id, t.key_id, t.expires_at, t.revoked, u.active
                     FROM rest_api_token t JOIN res_users u ON u.id = t.user_id
                    WHERE t.jti = %s""",
                claims.jti,
            )
        )
        row = self.env.cr.fetchone()
        if not row:
            raise UnknownLoginToken
        state = TokenState(*row)
        if (state.user_id, state.api_key_id) != (claims.user_id, claims.api_key_id):
            raise UnknownLoginToken
        return state

    @api.autovacuum
    def _gc_old_tokens(self):
        limit = fields.Datetime.now() - datetime.timedelta(days=TOKEN_RETENTION_DAYS)
        old = self.sudo().search(
            ["|", ("expires_at", "<", limit), "&", ("revoked", "=", True), ("revoked_at", "<", limit)]
        )
        old.unlink()
        _logger.info("GC %r deleted %d login tokens", self._name, len(old))


def _epoch(naive_utc):
    return int(naive_utc.replace(tzinfo=datetime.timezone.utc).timestamp())
