"""One human spelling per maker ("Cisco", not "ciscoSystems"): data/vendors.yaml."""

from __future__ import annotations

import functools
import re

from collector.devices.tables import load

_SUFFIX = re.compile(
    r"[\s,]+(inc|incorporated|corp|corporation|co|company|ltd|limited|llc|gmbh|ag|s\.?a|plc|"
    r"b\.?v|oy|ab|kk|pte|pvt|co\.?,?\s*ltd)\.?$",
    re.IGNORECASE,
)


@functools.cache
def _table() -> tuple[tuple[re.Pattern[str], str], ...]:
    rows = load("vendors.yaml")["vendors"]
    return tuple((re.compile(row["match"], re.IGNORECASE), str(row["name"])) for row in rows)


def _without_suffix(name: str) -> str:
    while (shorter := _SUFFIX.sub("", name).strip(" ,")) != name:
        name = shorter
    return name


@functools.lru_cache(maxsize=4096)
def human(reported: str | None) -> str | None:
    """The maker's usual name for a vendor as any source spells it; None stays None."""
    text = (reported or "").strip()
    if not text:
        return None
    for pattern, name in _table():
        if pattern.search(text):
            return name
    return _without_suffix(text) or text
