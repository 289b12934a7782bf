"""`promtool check metrics` as a test oracle for Prometheus text exposition.

Exit 0 is clean; exit 1 is a parse error (always a failure); exit 3 is lint only. The contract
mandates some names promtool's linter dislikes — snmp_exporter's camelCase `if_mib` names and
labels (`ifHCInOctets{ifIndex=...}` is a counter without `_total`) and node_exporter's
(`node_memory_MemTotal_bytes`) — so exactly those lint messages are allowed, and only on metrics
whose own name is camelCase; anything else fails (an `ictinfra_*` metric with a camelCase label
needs an explicit `extra_allowed` entry).

    from tests.peers.promtool import assert_promtool_accepts
    assert_promtool_accepts(text)                       # fails the test on any other problem
    assert_promtool_accepts(text, extra_allowed=[...])  # (metric regex, message regex) pairs
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass

import pytest

from tests.peers.common import require_binary

_CAMEL = r"\w*[A-Z]\w*"  # a metric name with an upper-case letter: a contract name, not ours
ALLOWED_LINTS: tuple[tuple[str, str], ...] = (
    (_CAMEL, r"metric names should be written in 'snake_case' not 'camelCase'"),
    (_CAMEL, r'counter metrics should have "_total" suffix'),
    # their labels too (ifIndex, ifName, ifDescr, ifAlias); promtool does not say which label
    (_CAMEL, r"label names should be written in 'snake_case' not 'camelCase'"),
)


@dataclass(frozen=True)
class PromtoolResult:
    returncode: int
    lints: list[str]  # "metric message" lines promtool printed
    allowed: list[str]
    rejected: list[str]


def check_metrics(
    text: str, extra_allowed: Iterable[tuple[str, str]] = (), timeout: float = 60.0
) -> PromtoolResult:
    """Run promtool on `text`; sort its lint lines into allowed and rejected."""
    promtool = require_binary("promtool")
    done = subprocess.run(
        [promtool, "check", "metrics"],
        input=text.encode(),
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    output = (done.stdout + done.stderr).decode(errors="replace")
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    patterns = [
        (re.compile(m), re.compile(msg)) for m, msg in (*ALLOWED_LINTS, *tuple(extra_allowed))
    ]
    allowed, rejected = [], []
    for line in lines:
        metric, _, message = line.partition(" ")
        ok = any(m.fullmatch(metric) and msg.fullmatch(message) for m, msg in patterns)
        (allowed if ok else rejected).append(line)
    return PromtoolResult(done.returncode, lines, allowed, rejected)


def assert_promtool_accepts(
    text: str, extra_allowed: Iterable[tuple[str, str]] = ()
) -> PromtoolResult:
    """Fail unless promtool parses `text` and reports only whitelisted lint problems."""
    result = check_metrics(text, extra_allowed)
    if result.returncode not in (0, 3):
        pytest.fail(
            f"promtool cannot parse the exposition (rc {result.returncode}):\n"
            + "\n".join(result.lints)
        )
    if result.returncode == 3 and (result.rejected or not result.allowed):
        pytest.fail("promtool lint problems outside the whitelist:\n" + "\n".join(result.rejected))
    return result


def run_promtool(*args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """`promtool ARGS...` from the repository root (rules and their tests use relative paths)."""
    from tests.peers.common import REPO

    return subprocess.run(
        [require_binary("promtool"), *args],
        capture_output=True, text=True, timeout=timeout, check=False, cwd=REPO,
    )  # fmt: skip
