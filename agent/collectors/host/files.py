"""Reading small /proc and /sys files: absent or unreadable is None, never an exception."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)


def read_text(path: Path) -> str | None:
    """The file's text; None when it is missing, unreadable (root-only serials) or not text."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except PermissionError:
        log.debug("no permission to read %s", path)
        return None
    except OSError:
        # ENOENT, EINVAL (speed of a down NIC), EISDIR, ENODEV: all "no value here".
        return None


def read_value(path: Path) -> str | None:
    """A one-value sysfs file, stripped; None when missing or unreadable."""
    text = read_text(path)
    return None if text is None else text.strip()


def read_int(path: Path) -> int | None:
    value = read_value(path)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def list_dir(path: Path) -> list[str]:
    try:
        return sorted(entry.name for entry in path.iterdir())
    except OSError:
        return []
