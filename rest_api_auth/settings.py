"""REST API settings: their ``ir.config_parameter`` names, defaults and typed readers.

Every parameter is created at install with its default (``data/rest_api_settings_data.xml``)
and the settings screen always writes an explicit value (``"True"``/``"False"``, a
decimal integer), so "off" and "0" survive a save. Odoo's stock handling of
``config_parameter`` fields deletes the parameter for ``False`` and ``0``, which
would silently bring back a ``True``/non-zero default.

Read them with :func:`get_setting`; ``ir.config_parameter.get_param`` is cached
per worker and cleared on every change, so reading costs microseconds.
"""

PERSONAL_KEYS_ENABLED = "rest_api.personal_keys_enabled"
DEFAULT_RATE_LIMIT = "rest_api.default_rate_limit"
DEFAULT_RATE_PERIOD = "rest_api.default_rate_period"
DEFAULT_RATE_BURST = "rest_api.default_rate_burst"
THROTTLE_FAIL_OPEN = "rest_api.throttle_fail_open"
THROTTLE_STORE = "rest_api.throttle_store"
THROTTLE_LEASE = "rest_api.throttle_lease"
FAILED_AUTH_LIMIT = "rest_api.failed_auth_limit"
FAILED_AUTH_PERIOD = "rest_api.failed_auth_period"
JWT_SECRET = "rest_api.jwt_secret"  # noqa: S105 - the parameter's name, not a secret

DEFAULTS = {
    PERSONAL_KEYS_ENABLED: True,  # users' own native API keys are accepted (scope all)
    DEFAULT_RATE_LIMIT: 600,  # requests per period for new and personal keys; 0 = unlimited
    DEFAULT_RATE_PERIOD: 60,  # seconds
    DEFAULT_RATE_BURST: 60,  # requests that may arrive at once before the steady rate applies
    THROTTLE_FAIL_OPEN: True,  # admit requests when the throttle store cannot answer
    # where the rate buckets live: "postgresql" (this database) or redis://host:port/db;
    # the server configuration file's rest_api_throttle_store, when set, wins (for passwords)
    THROTTLE_STORE: "postgresql",
    # a busy key's process charges several requests in one round trip and admits them locally
    THROTTLE_LEASE: True,
    FAILED_AUTH_LIMIT: 20,  # failed hash checks per client address and key prefix per period; 0 = unlimited
    FAILED_AUTH_PERIOD: 60,  # seconds
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def parse_flag(raw, default):
    """An on/off parameter's value from its stored text: 1/true/yes/on and 0/false/no/off/"" in
    any case (every on/off parameter of the three addons reads this way); ``default`` when absent
    or anything else."""
    if raw is None or raw is False:
        return default
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    return False if text in _FALSE else default


def parse_setting(name, raw):
    """The typed value of setting ``name`` from its stored text (default when absent or malformed)."""
    default = DEFAULTS[name]
    if raw is None or raw is False:
        return default
    if isinstance(default, bool):
        return parse_flag(raw, default)
    if isinstance(default, str):
        return str(raw).strip() or default
    text = str(raw).strip()
    try:
        return max(0, int(text))
    except ValueError:
        return default


def format_setting(name, value):
    """The text stored for ``value`` of setting ``name``: explicit, never empty."""
    if isinstance(DEFAULTS[name], bool):
        return "True" if value else "False"
    return str(max(0, int(value or 0)))


def get_setting(env, name):
    return parse_setting(name, env["ir.config_parameter"].sudo().get_param(name))
