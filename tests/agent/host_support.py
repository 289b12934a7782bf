"""Helpers for the host collector's tests: a Prometheus text parser and recorded statvfs()."""

from __future__ import annotations

import errno
import json
import re
import threading
from collections.abc import Callable
from pathlib import Path

from agent.collectors.host.filesystems import Usage

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
_UNESCAPE = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}

Labels = tuple[tuple[str, str], ...]


def _unescape(value: str) -> str:
    return re.sub(r'\\[\\"n]', lambda m: _UNESCAPE[m.group(0)], value)


def parse_text(text: str) -> dict[str, dict[Labels, float]]:
    """Prometheus text format -> {name: {sorted label pairs: value}}."""
    families: dict[str, dict[Labels, float]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        assert match, f"unparseable sample line: {line!r}"
        name, labels, value = match.groups()
        pairs = tuple(sorted((k, _unescape(v)) for k, v in _LABEL.findall(labels or "")))
        families.setdefault(name, {})[pairs] = float(value)
    return families


def parse_types(text: str) -> dict[str, str]:
    return {
        parts[2]: parts[3]
        for line in text.splitlines()
        if line.startswith("# TYPE ") and len(parts := line.split()) == 4
    }


def sample_key(key: str) -> tuple[str, Labels]:
    """'name{a="1",b="2"}' (as written in expected.yaml) -> (name, sorted label pairs)."""
    parsed = parse_text(f"{key} 0")
    ((name, samples),) = parsed.items()
    ((labels, _),) = samples.items()
    return name, labels


def recorded_usage(case: Path, hang: threading.Event) -> Callable[[str], Usage]:
    """statvfs() answers recorded in <case>/statvfs.json: [size, free, avail, files, files_free],
    "error" (EIO), or "hang" (blocks until `hang` is set). Paths are relative to the case root."""
    table = json.loads((case / "statvfs.json").read_text())

    def usage(path: str) -> Usage:
        mountpoint = "/" + str(Path(path).relative_to(case)).removeprefix(".")
        answer = table.get(mountpoint.replace("//", "/"))
        if answer == "hang":
            hang.wait()
            raise OSError(errno.EIO, "released", path)
        if answer is None or answer == "error":
            raise OSError(errno.EIO, "Input/output error", path)
        return Usage(*answer)

    return usage
