"""What a key may do: per-model operations and method allow-lists (pure data)."""

from dataclasses import dataclass, field

OPERATIONS = ("read", "create", "write", "unlink", "execute")

# The names a key's scope speaks of, as regular expressions without anchors (the published
# OpenAPI patterns, the MCP tools' and resources' and every check of a client's input derive
# from them). A technical model name as Odoo's own are (``res.partner``); a public method, one
# not starting with an underscore (Odoo's RPC refuses the others).
MODEL_NAME = r"[a-z0-9_]+(\.[a-z0-9_]+)*"
PUBLIC_METHOD = r"[A-Za-z][A-Za-z0-9_]*"

# Credentials are never managed or checked through the REST API, whatever a key's scope:
# a leaked key must not be able to mint, widen or revive keys and tokens (provisioning
# stays on XML-RPC/JSON-RPC and the web client), nor guess its user's password or second
# factor. Model names starting with one of these: the REST API's keys, access lines,
# tokens, their dialogs and the throttle store; Odoo's own API keys and their dialogs;
# the password-checking and password-changing wizards (identity check, change password);
# two-factor authentication (trusted browsers, its wizard, its rate-limit log) and passkeys.
CREDENTIAL_MODEL_PREFIXES = (
    "rest.api.key",
    "rest.api.token",
    "rest.api.throttle",
    "res.users.apikeys",
    "res.users.identitycheck",
    "change.password.",
    "auth_totp.",
    "auth.totp.",
    "auth.passkey.",
)
# Monitoring data, also out of reach of every key: the request log and its per-day usage hold
# every client's addresses, paths, request ids and keys; a key of scope "all" (any administrator's)
# would read them all. Administrators read them in the web client, monitoring uses /api/metrics.
MONITORING_MODEL_PREFIXES = ("rest.api.request.log", "rest.api.usage.")
# The change feed's tombstones list the deletions of every tracked model, whatever the client
# may read; the feed shows them filtered.
SYNC_MODEL_PREFIXES = ("rest.api.tombstone",)
# Webhook subscriptions hold their signing secret, and their outbox every subscription's events:
# managed in Odoo (and by /api/webhooks for the keys allowed to), never as plain models.
WEBHOOK_MODEL_PREFIXES = ("rest.api.webhook",)
# The responses stored for Idempotency-Key retries: every client's answers.
RETRY_MODEL_PREFIXES = ("rest.api.idempotency",)
DENIED_MODEL_PREFIXES = (
    *CREDENTIAL_MODEL_PREFIXES,
    *MONITORING_MODEL_PREFIXES,
    *SYNC_MODEL_PREFIXES,
    *WEBHOOK_MODEL_PREFIXES,
    *RETRY_MODEL_PREFIXES,
)
# Methods of otherwise reachable models that check a password: model -> method names.
DENIED_METHODS = {"res.users": frozenset({"change_password", "authenticate", "check"})}


def model_denied(model):
    """Whether ``model`` is out of reach of every key (credential, monitoring and sync models)."""
    return model.startswith(DENIED_MODEL_PREFIXES)


def denial_reason(model):
    """Why ``model`` (for which :func:`model_denied` holds) is out of reach of every key."""
    if model.startswith(RETRY_MODEL_PREFIXES):
        return f"{model} cannot be used through the REST API: it holds the responses stored for every client's retries."
    if model.startswith(MONITORING_MODEL_PREFIXES):
        return (
            f"{model} cannot be used through the REST API: the request log holds every client's requests; "
            "administrators read it in Odoo, monitoring reads GET /api/metrics."
        )
    return (
        f"{model} cannot be used through the REST API: credentials (API keys, login tokens, passwords, "
        "second factors) are managed and checked in Odoo (web client, XML-RPC/JSON-RPC), never with an API key."
    )


def method_denied(model, method):
    """Whether ``model.method`` checks a password, hence may not be called with any key."""
    return method in DENIED_METHODS.get(model, ())


@dataclass(frozen=True)
class ModelAccess:
    read: bool = False
    create: bool = False
    write: bool = False
    unlink: bool = False
    execute: bool = False
    # execute_kw method names allowed for this model; empty means any public method
    methods: frozenset = field(default_factory=frozenset)

    def allows(self, operation, method=None):
        if operation not in OPERATIONS or not getattr(self, operation):
            return False
        if operation == "execute" and method and self.methods:
            return method in self.methods
        return True


@dataclass(frozen=True)
class KeyScope:
    """``mode == "all"``: the user's own rights, no narrowing.
    ``mode == "specific"``: only the models in ``access``, only their flagged operations."""

    mode: str = "all"
    access: dict = field(default_factory=dict)  # model name -> ModelAccess

    def allows(self, model, operation, method=None):
        if model_denied(model) or (method and method_denied(model, method)):
            return False
        if self.mode == "all":
            return True
        model_access = self.access.get(model)
        return bool(model_access and model_access.allows(operation, method))

    def allowed_models(self):
        """Model names this scope may touch, or None when it does not narrow models.

        Either way, models for which :func:`model_denied` holds are refused.
        """
        if self.mode == "all":
            return None
        return sorted(
            model
            for model, access in self.access.items()
            if any(getattr(access, op) for op in OPERATIONS) and not model_denied(model)
        )


FULL_SCOPE = KeyScope()
