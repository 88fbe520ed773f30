"""Events of the authentication layer that other addons count (``rest_api_core``'s metrics).

Why a hook and not an import: ``rest_api_auth`` does not depend on the addon
that keeps the metrics. A listener must be cheap and must not raise; one that
does is logged and skipped, never failing the request that emitted the event.
"""

import logging

_logger = logging.getLogger(__name__)

THROTTLE_STORE_ERROR = "throttle_store_error"  # (dbname, "fail_open" | "fail_closed")

_listeners = {}


def subscribe(name, listener):
    """Call ``listener(*args)`` on every ``emit(name, *args)`` in this process (once per listener)."""
    listeners = _listeners.setdefault(name, [])
    if listener not in listeners:
        listeners.append(listener)


def emit(name, *args):
    for listener in _listeners.get(name, ()):
        try:
            listener(*args)
        except Exception:
            _logger.exception("REST API event listener %r of %s failed", listener, name)
