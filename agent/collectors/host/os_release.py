"""The distribution, from /etc/os-release (os-release(5)), as node_exporter's os collector."""

from __future__ import annotations

import logging
import re
import shlex
from pathlib import Path

from agent.collectors.host.files import read_text
from agent.model import Collection

log = logging.getLogger(__name__)

OS_INFO_LABELS = (
    "build_id", "id", "id_like", "image_id", "image_version", "name", "pretty_name", "variant",
    "variant_id", "version", "version_codename", "version_id",
)  # fmt: skip
_VERSION = re.compile(r"^[0-9]+\.?[0-9]*")


def parse_os_release(text: str) -> dict[str, str]:
    """KEY=value lines with shell quoting -> {"id": "debian", ...} (keys lower-cased)."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, raw = line.strip().partition("=")
        if not sep or key.startswith("#") or not key.isidentifier():
            continue
        try:
            words = shlex.split(raw)
        except ValueError:
            log.warning("os-release: cannot parse the value of %s", key)
            continue
        values[key.lower()] = " ".join(words)
    return values


def read_os_release(rootfs: Path) -> dict[str, str]:
    for candidate in ("etc/os-release", "usr/lib/os-release"):
        text = read_text(rootfs / candidate)
        if text is not None:
            return parse_os_release(text)
    return {}


def add_os_release(out: Collection, values: dict[str, str]) -> None:
    if not values:
        return
    out.family(
        "node_os_info",
        "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, "
        "image_version, name, pretty_name, variant, variant_id, version, version_codename, "
        "version_id.",
        labels=OS_INFO_LABELS,
    ).add((values.get(label, "") for label in OS_INFO_LABELS), 1)
    match = _VERSION.match(values.get("version_id", ""))
    if match:
        out.family(
            "node_os_version",
            "Metric containing the major.minor part of the OS version.",
            labels=("id", "id_like", "name"),
        ).add(
            (values.get("id", ""), values.get("id_like", ""), values.get("name", "")),
            float(match.group(0)),
        )
