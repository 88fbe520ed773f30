"""Load generation with wrk (Debian package ``wrk``): a separate C process, light enough
not to be the bottleneck, driven by a generated Lua script.

Every run replays a fixed list of prepared requests round-robin (e.g. reads of
500 different partners), from one wrk thread over ``connections`` connections,
for a bounded time. :func:`run_sequential` sends them one at a time from Python instead: a fixed
number of requests, at most one in flight, for measures that wrk's saturation blurs.
"""

import http.client
import json
import resource
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field

RESULT_MARKER = "WRK_RESULT "

# Prepares the requests (a Lua table built by lua_script), sends them
# round-robin, and prints the summary as one JSON line. Latencies are in
# microseconds.
LUA_TEMPLATE = """\
local specs = %(specs)s
local prepared = {}
local index = 0

function init(args)
  for _, spec in ipairs(specs) do
    prepared[#prepared + 1] = wrk.format(spec.method, spec.path, spec.headers, spec.body)
  end
end

function request()
  index = index %% #prepared + 1
  return prepared[index]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%(marker)s{"requests": %%d, "duration_us": %%d, "bytes": %%d, ' ..
    '"errors": {"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}, ' ..
    '"latency_us": {"mean": %%.1f, "max": %%d, "p50": %%d, "p95": %%d, "p99": %%d}}\\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict = field(default_factory=dict)
    body: str | None = None


def lua_string(text):
    """A Lua string literal holding the UTF-8 bytes of ``text`` exactly: printable ASCII as is, any
    other byte as a decimal escape. (A long-bracket literal would not: Lua drops a newline right
    after its opening bracket and turns every CR or CR LF inside it into LF.)"""
    return '"' + "".join(chr(b) if 32 <= b < 127 and b not in b'"\\' else f"\\{b:03d}" for b in text.encode()) + '"'


def lua_script(requests):
    specs = []
    for item in requests:
        headers = ", ".join(f"[ {lua_string(name)} ] = {lua_string(value)}" for name, value in item.headers.items())
        body = lua_string(item.body) if item.body is not None else "nil"
        specs.append(
            f"  {{method = {lua_string(item.method)}, path = {lua_string(item.path)}, "
            f"headers = {{{headers}}}, body = {body}}}"
        )
    return LUA_TEMPLATE % {"specs": "{\n" + ",\n".join(specs) + "\n}", "marker": RESULT_MARKER}


@dataclass
class LoadResult:
    requests: int
    seconds: float
    errors: dict
    latency_ms: dict
    client_cpu_percent: float

    @property
    def rps(self):
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_count(self):
        return sum(self.errors.values())

    def as_dict(self):
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "rps": round(self.rps, 1),
            "errors": self.errors,
            "latency_ms": self.latency_ms,
            "client_cpu_percent": round(self.client_cpu_percent, 1),
        }


def parse_wrk_output(stdout, client_cpu_seconds):
    for line in stdout.splitlines():
        if line.startswith(RESULT_MARKER):
            raw = json.loads(line[len(RESULT_MARKER) :])
            seconds = raw["duration_us"] / 1e6
            latency = {name: round(value / 1000, 2) for name, value in raw["latency_us"].items()}
            cpu = 100 * client_cpu_seconds / seconds if seconds else 0.0
            return LoadResult(raw["requests"], seconds, raw["errors"], latency, cpu)
    raise RuntimeError(f"wrk printed no result line:\n{stdout[-2000:]}")


def wrk_path():
    return shutil.which("wrk")


def require_wrk():
    """Stop a benchmark command with SetupError (exit status 2, the install hint) when wrk is missing."""
    from odoo_env import SetupError  # noqa: PLC0415 - tools/ is on the commands' path, not on loadgen's tests'

    if not wrk_path():
        raise SetupError("wrk is not installed (Debian/Ubuntu: apt-get install wrk).")


def run_wrk(base_url, requests, seconds, connections=4, timeout_seconds=10):
    """Load ``base_url`` with ``requests`` for ``seconds``."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="bench_") as script:
        script.write(lua_script(requests))
        script.flush()
        command = [
            wrk_path(), "--threads=1", f"--connections={connections}", f"--duration={int(seconds)}s",
            f"--timeout={timeout_seconds}s", f"--script={script.name}", base_url,
        ]  # fmt: skip
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=seconds + 60)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stderr.strip() or result.stdout[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return parse_wrk_output(result.stdout, cpu)


def run_sequential(base_url, requests, count, start=0, timeout_seconds=120):
    """Send ``count`` of ``requests`` round-robin from index ``start``, one at a time, on one
    connection (reopened when the server closes it, as Odoo's workers do after each request):
    ``{status: count}`` of the answers."""
    host, port = base_url.removeprefix("http://").rstrip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout_seconds)
    statuses = {}
    try:
        for index in range(start, start + count):
            item = requests[index % len(requests)]
            connection.request(item.method, item.path, item.body, item.headers)
            response = connection.getresponse()
            response.read()
            statuses[response.status] = statuses.get(response.status, 0) + 1
    finally:
        connection.close()
    return statuses


def wrk_version():
    result = subprocess.run([wrk_path(), "-v"], capture_output=True, text=True, check=False)
    return " ".join((result.stdout or result.stderr).split()[:2])  # "wrk debian/4.1.0-3+b2"
