"""Redis for the throttle tests: the machine's server, and private ones a test starts and stops.

The tests need a Redis server (``REST_API_TEST_REDIS``, default ``redis://127.0.0.1:6379/0``;
``.ci/run`` uses the machine's) and fail, never skip, without one. Their keys carry the test
database's name (``rest_api:<database>:``), so parallel runs sharing the server never meet.
A test that stops or flushes a server does it to a private ``redis-server`` on a free port;
``benchmarks/bench_store.py`` and ``bench_throttle.py`` start theirs with the same class (this
module imports nothing of Odoo).
"""

import os
import shutil
import socket
import subprocess
import time

REDIS_URL = os.environ.get("REST_API_TEST_REDIS", "redis://127.0.0.1:6379/0")


def require_redis(url=REDIS_URL):
    """A client of ``url``; fails loudly when the package or the server is missing."""
    try:
        import redis
    except ImportError as error:
        raise AssertionError("the Redis tests need the 'redis' package (requirements-dev.txt)") from error
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        raise AssertionError(
            f"no Redis at {url} ({error}): the Redis throttle tests need one (.ci/run uses 127.0.0.1:6379; "
            "set REST_API_TEST_REDIS to another)"
        ) from error
    return client


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A ``redis-server`` of this test alone on loopback, without persistence (as a restart
    after a crash: every key gone). ``stop()`` and ``start()`` again keep the port."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        binary = shutil.which("redis-server")
        if not binary:
            raise AssertionError("the Redis outage tests need redis-server (Debian: apt-get install redis-server)")
        arguments = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            [binary, *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                require_redis(self.url)
                return self
            except AssertionError:
                time.sleep(0.05)
        self.stop()
        raise AssertionError(f"redis-server did not start on port {self.port}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
