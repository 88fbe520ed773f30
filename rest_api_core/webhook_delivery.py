"""Webhook delivery, the parts without the ORM: Standard Webhooks secrets and signatures, the
retry schedule, the SSRF guard and one HTTP attempt.

Standard Webhooks (https://www.standardwebhooks.com): the secret is ``whsec_`` + base64 of
random bytes; a delivery carries ``webhook-id`` (stable per event, for the receiver's
de-duplication), ``webhook-timestamp`` (Unix seconds) and ``webhook-signature``:
``v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">``, one per valid secret, separated by
spaces (a rotated secret signs beside the new one until its overlap ends).
"""

import base64
import dataclasses
import hashlib
import hmac
import ipaddress
import random
import secrets
import socket
import time
import urllib.parse

import requests

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
SECRET_BYTES = 24
TIMEOUT = 5  # seconds, to connect and for each read of the answer
EXCERPT_BYTES = 1024  # of the receiver's answer, kept in the delivery log
USER_AGENT = "odoo-rest-api-webhooks/1"
# seconds before attempts 2..8 (the Standard Webhooks/Svix schedule): 8 attempts over ~27 hours
RETRY_DELAYS = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.1  # each delay is drawn in +/- 10 %, so that receivers back up are not hit all at once
# the Standard Webhooks headers of a delivery (the OpenAPI document publishes them too)
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"


def new_secret():
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret):
    """The HMAC key of a ``whsec_`` secret: its base64-decoded bytes."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret, message_id, timestamp, body):
    """``v1,<base64 HMAC-SHA256>`` of ``body`` (bytes) for ``message_id`` at ``timestamp``."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(message_id, timestamp, body, valid_secrets):
    """The Standard Webhooks headers of one delivery, signed with each of ``valid_secrets``."""
    return {
        ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: " ".join(signature(secret, message_id, timestamp, body) for secret in valid_secrets),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }


def retry_delay(attempts, rand=random.random):
    """Seconds before the next attempt after ``attempts`` failed ones (None: no attempt left)."""
    if attempts >= MAX_ATTEMPTS:
        return None
    delay = RETRY_DELAYS[attempts - 1]
    return delay * (1 - JITTER + 2 * JITTER * rand())


class RefusedTarget(ValueError):
    """A target URL the SSRF guard refuses (or that is not an http(s) URL)."""


def check_url(url):
    """The ``(host, port)`` of an ``http``/``https`` ``url``; :class:`RefusedTarget` otherwise."""
    parsed = urllib.parse.urlsplit(url or "")
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise RefusedTarget("the target must be an http:// or https:// URL with a host")
    if parsed.username or parsed.password:
        raise RefusedTarget("the target URL must not carry credentials (sign with the secret instead)")
    try:
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
    except ValueError:
        raise RefusedTarget("the target URL has an invalid port") from None
    return parsed.hostname, port


def internal_address(address):
    """Whether ``address`` is one a webhook must not reach by default (SSRF)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def check_target(url, allow_private):
    """Refuse ``url`` unless every address its host resolves to is public (or ``allow_private``)."""
    host, port = check_url(url)
    if allow_private:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError) as error:
        raise RefusedTarget(f"the target host {host} does not resolve ({error})") from None
    internal = sorted(address for address in addresses if internal_address(address))
    if internal:
        raise RefusedTarget(
            f"the target host {host} resolves to an internal address ({', '.join(internal)}); "
            "set rest_api.webhook_allow_private to allow it"
        )


@dataclasses.dataclass
class Outcome:
    status: int = 0  # HTTP status; 0 when no answer came (refused, network error, timeout)
    latency_ms: int = 0
    excerpt: str = ""  # the first EXCERPT_BYTES of the answer
    error: str = ""

    @property
    def delivered(self):
        return 200 <= self.status < 300

    @property
    def gone(self):
        return self.status == 410


def post(url, body, request_headers, allow_private, timeout=TIMEOUT):
    """One delivery attempt; never raises. Redirects are not followed (they would dodge the guard)."""
    started = time.perf_counter()
    try:
        check_target(url, allow_private)
        with requests.post(
            url, data=body, headers=request_headers, timeout=timeout, allow_redirects=False, stream=True
        ) as response:
            excerpt = response.raw.read(EXCERPT_BYTES, decode_content=True) or b""
            outcome = Outcome(status=response.status_code, excerpt=excerpt.decode("utf-8", "replace"))
            if response.is_redirect:
                outcome.error = "redirects are not followed"
    except RefusedTarget as error:
        outcome = Outcome(error=f"refused: {error}")
    except requests.RequestException as error:
        outcome = Outcome(error=f"{type(error).__name__}: {error}"[:500])
    outcome.latency_ms = round((time.perf_counter() - started) * 1000)
    return outcome
