"""Webhook delivery, the parts without the ORM: Standard Webhooks secrets and signatures, the
retry schedule, the SSRF guard and one HTTP attempt.

Standard Webhooks (https://www.standardwebhooks.com): the secret is ``whsec_`` + base64 of
random bytes; a delivery carries ``webhook-id`` (stable per event, for the receiver's
de-duplication), ``webhook-timestamp`` (Unix seconds) and ``webhook-signature``:
``v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">``, one per valid secret, separated by
spaces (a rotated secret signs beside the new one until its overlap ends).
"""

import base64
import contextlib
import dataclasses
import hashlib
import hmac
import ipaddress
import os
import random
import secrets
import socket
import threading
import time
import urllib.parse

import requests
import requests.adapters
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
SECRET_BYTES = 24
TIMEOUT = 5  # seconds for a whole attempt: connecting, sending, the answer's headers and excerpt
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
    try:
        parsed = urllib.parse.urlsplit(url or "")
        host = parsed.hostname  # raises on a malformed bracketed host
    except ValueError:  # an unclosed IPv6 bracket, characters NFKC turns into separators...
        raise RefusedTarget("the target is not a valid URL") from None
    if parsed.scheme not in ("http", "https") or not host:
        raise RefusedTarget("the target must be an http:// or https:// URL with a host")
    if parsed.username or parsed.password:
        raise RefusedTarget("the target URL must not carry credentials (sign with the secret instead)")
    try:
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
    except ValueError:
        raise RefusedTarget("the target URL has an invalid port") from None
    return host, port


def internal_address(address):
    """Whether ``address`` is one a webhook must not reach by default (SSRF)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.version == 6 and ip.sixtofour is not None and internal_address(str(ip.sixtofour)):
        return True  # 6to4 (2002::/16) carries an IPv4 address, which may be internal
    if ip.version == 6 and ip.is_site_local:  # fec0::/10: deprecated, still routed inside some networks
        return True
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


@dataclasses.dataclass(frozen=True)
class Target:
    """Where one attempt connects: the address the guard checked, never a second resolution of
    the host (a DNS server answering differently then would dodge the guard: DNS rebinding)."""

    url: str  # the target URL, its host replaced by the checked address
    host: str  # the URL's host name (IDNA): the Host header, and TLS's SNI and certificate check
    host_header: str
    https: bool


def resolve_target(url, allow_private):
    """The :class:`Target` of ``url``: its host resolved once; every address it resolves to must
    be public (unless ``allow_private``); the first one (the system's preferred order) is used."""
    host, port = check_url(url)
    try:
        ascii_host = host.encode("idna").decode("ascii") if not host.isascii() else host
        infos = socket.getaddrinfo(ascii_host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        raise RefusedTarget(f"the target host {host} does not resolve ({error})") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    internal = sorted(address for address in addresses if internal_address(address))
    if internal and not allow_private:
        raise RefusedTarget(
            f"the target host {host} resolves to an internal address ({', '.join(internal)}); "
            "set rest_api.webhook_allow_private to allow it"
        )
    parsed = urllib.parse.urlsplit(url)
    address = addresses[0]
    pinned = parsed._replace(netloc=f"[{address}]:{port}" if ":" in address else f"{address}:{port}").geturl()
    name = f"[{ascii_host}]" if ":" in ascii_host else ascii_host
    return Target(pinned, ascii_host, f"{name}:{parsed.port}" if parsed.port else name, parsed.scheme == "https")


def check_target(url, allow_private):
    """Refuse ``url`` unless every address its host resolves to is public (or ``allow_private``:
    then the URL's form only, without resolving it)."""
    if allow_private:
        check_url(url)
    else:
        resolve_target(url, allow_private)


# The sockets of this thread's current attempt, so that its deadline can cut them: a socket
# timeout bounds each read, not the attempt (a receiver sending a byte every few seconds would
# hold the sender for hours, or past the cron worker's time limit, which kills the run before the
# attempt is recorded, again at every run).
_attempt = threading.local()


class _WatchedConnection(urllib3.connection.HTTPConnection):
    def _new_conn(self):
        sock = super()._new_conn()
        getattr(_attempt, "sockets", []).append(sock)
        expired = getattr(_attempt, "expired", None)
        if expired is not None and expired.is_set():  # the deadline passed while connecting
            _cut([sock])
        return sock


class _WatchedTLSConnection(_WatchedConnection, urllib3.connection.HTTPSConnection):
    pass


class _WatchedPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _WatchedConnection


class _WatchedTLSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _WatchedTLSConnection


class _WatchedAdapter(requests.adapters.HTTPAdapter):
    """Connections whose sockets the attempt's deadline can shut down."""

    def init_poolmanager(self, *args, **kwargs):
        result = super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedPool, "https": _WatchedTLSPool}
        return result


class _PinnedTLSAdapter(_WatchedAdapter):
    """TLS to the checked address with the URL's host name for SNI and the certificate check."""

    def __init__(self, host):
        self.host = host
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        return super().init_poolmanager(*args, server_hostname=self.host, assert_hostname=self.host, **kwargs)


def _session(target):
    """A session that connects to ``target``'s address only: no proxy from the environment (it
    would resolve the host itself); the CA bundle of ``REQUESTS_CA_BUNDLE``, as requests reads it."""
    session = requests.Session()
    session.trust_env = False
    session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    session.mount("http://", _WatchedAdapter())
    if target.https:
        session.mount("https://", _PinnedTLSAdapter(target.host))
    return session


def _cut(sockets):
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)  # wakes a read blocked on it, which close() does not


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
        outcome = send(resolve_target(url, allow_private), body, request_headers, timeout)
    except RefusedTarget as error:
        outcome = Outcome(error=f"refused: {error}")
    outcome.latency_ms = round((time.perf_counter() - started) * 1000)
    return outcome


def send(target, body, request_headers, timeout=TIMEOUT):
    """POST ``body`` to the checked address of ``target`` (a :class:`Target`) within ``timeout``
    seconds in all; never raises."""
    sockets = _attempt.sockets = []
    expired = _attempt.expired = threading.Event()

    def cut():
        expired.set()
        _cut(sockets)

    deadline = threading.Timer(timeout, cut)
    deadline.daemon = True
    deadline.start()
    try:
        with (
            _session(target) as session,
            session.post(
                target.url,
                data=body,
                headers={**request_headers, "Host": target.host_header},
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            ) as response,
        ):
            excerpt = response.raw.read(EXCERPT_BYTES, decode_content=True) or b""
            outcome = Outcome(status=response.status_code, excerpt=_storable(excerpt.decode("utf-8", "replace")))
            if response.is_redirect:
                outcome.error = "redirects are not followed"
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:  # reading the raw answer too
        reason = f"no complete answer within {timeout} s" if expired.is_set() else f"{type(error).__name__}: {error}"
        outcome = Outcome(error=_storable(reason[:500]))
    finally:
        deadline.cancel()
        _attempt.sockets, _attempt.expired = [], None
    return outcome


def _storable(text):
    """``text`` as PostgreSQL can store it: a receiver's answer may hold NUL characters, which a
    text column refuses (the attempt's log would fail, and the sender with it, at every run)."""
    return text.replace("\x00", "\ufffd")
