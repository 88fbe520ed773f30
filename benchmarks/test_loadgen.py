"""The wrk script that benchmarks/loadgen.py generates: literals and the result line."""

import pytest

from benchmarks.loadgen import RESULT_MARKER, Request, lua_script, lua_string, parse_wrk_output


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("plain /api/res.partner?x=[1]", '"plain /api/res.partner?x=[1]"'),
        ("", '""'),
        ('say "hi" \\ bye', '"say \\034hi\\034 \\092 bye"'),
        ("\nleading newline", '"\\010leading newline"'),  # a long bracket [[ would drop it
        ("a\r\nb\rc", '"a\\013\\010b\\013c"'),  # a long bracket would turn CR LF and CR into LF
        ("]]=]", '"]]=]"'),
        ("\\123", '"\\092123"'),  # three-digit escapes: a following digit is not read into one
        ("é\x00", '"\\195\\169\\000"'),  # UTF-8 bytes, NUL included
    ],
)
def test_lua_string_escapes_every_byte_that_is_not_printable_ascii(text, literal):
    assert lua_string(text) == literal


def test_lua_script_lists_every_request():
    script = lua_script(
        [
            Request("GET", "/api/res.partner/7", {"api-key": "k1"}),
            Request("POST", "/jsonrpc", {"Content-Type": "application/json"}, '{"id": 1}'),
        ]
    )
    assert '{method = "GET", path = "/api/res.partner/7", headers = {[ "api-key" ] = "k1"}, body = nil}' in script
    assert '[ "Content-Type" ] = "application/json"}, body = "{\\034id\\034: 1}"}' in script
    assert RESULT_MARKER in script


def test_wrk_result_line_becomes_milliseconds_and_requests_per_second():
    line = (
        RESULT_MARKER + '{"requests": 500, "duration_us": 2000000, "bytes": 1, "errors": {"connect": 0, "read": 0, '
        '"write": 0, "status": 3, "timeout": 1}, "latency_us": {"mean": 1500.0, "max": 9000, "p50": 1200, '
        '"p95": 4000, "p99": 8000}}'
    )
    result = parse_wrk_output(f"Running 2s test\n{line}\n", client_cpu_seconds=0.5)
    assert result.rps == 250
    assert result.latency_ms == {"mean": 1.5, "max": 9.0, "p50": 1.2, "p95": 4.0, "p99": 8.0}
    assert result.error_count == 4
    assert result.client_cpu_percent == 25
    with pytest.raises(RuntimeError, match="no result line"):
        parse_wrk_output("wrk: connection refused", 0)
