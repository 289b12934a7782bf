"""Prometheus' data model for names, as the TSDB behind the collector (Prometheus 2.42) takes them.

Metric names match `[a-zA-Z_:][a-zA-Z0-9_:]*` and label names `[a-zA-Z_][a-zA-Z0-9_]*` (the legacy
rules: 2.42 has no UTF-8 names), so a name never holds a NUL, a newline, a quote or a brace that
could forge a line of `/federate`. Label values may hold any valid UTF-8, as in Prometheus (the
protobuf parser already refuses invalid UTF-8; the exposition escapes newlines in values).

A sender repeats the same few hundred names in every request, so each name is matched once and
then found in a set: the hot path is one C `issuperset` per series.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

CACHE_LIMIT = 65_536  # names remembered; a sender inventing names only makes itself slower


def _remember(good: set[Any], name: Any) -> None:
    if len(good) >= CACHE_LIMIT:
        good.clear()
    good.add(name)


class NameRule:
    """One name rule and the names already found to follow it."""

    def __init__(self, pattern: str, what: str) -> None:
        self.pattern = re.compile(pattern)
        self.what = what
        self.reason = "invalid_" + what.replace(" ", "_")  # the rejections metric's label
        self.good: set[str] = set()
        self.bytes_pattern = re.compile(pattern.encode())
        self.good_bytes: set[bytes] = set()  # the same, for the fast path's raw names

    def first_invalid(self, names: Sequence[str]) -> str | None:
        """The first name that breaks the rule, or None."""
        if self.good.issuperset(names):
            return None
        for name in names:
            if name in self.good:
                continue
            if self.pattern.fullmatch(name) is None:
                return name
            _remember(self.good, name)
        return None

    def valid(self, name: str) -> bool:
        return name in self.good or self.first_invalid((name,)) is None

    def valid_bytes(self, name: bytes) -> bool:
        """The rule for a name as it is on the wire (it must then be ASCII)."""
        if name not in self.good_bytes:
            if self.bytes_pattern.fullmatch(name) is None:
                return False
            _remember(self.good_bytes, name)
        return True

    def explain(self, name: str) -> str:
        shown = name[:64].encode("unicode_escape").decode("ascii")
        return f"{self.what} '{shown}' does not match {self.pattern.pattern}"


METRIC_NAMES = NameRule(r"[a-zA-Z_:][a-zA-Z0-9_:]*", "metric name")
LABEL_NAMES = NameRule(r"[a-zA-Z_][a-zA-Z0-9_]*", "label name")
