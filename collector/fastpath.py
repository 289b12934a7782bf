"""The C fast path of `collector.ingest.accept` (collector/_fastpath.c), when it is built.

It proves acceptance only: for a float-only, canonically encoded request that passes every check
it returns the relabelled body, byte for byte what the Python path gives; for anything else (a
refusal, histograms, exemplars, metadata, an unusual encoding) it returns None and the Python
path decides. `ICTINFRA_INGEST_FASTPATH=0` forces the Python path (tests, benches).
"""

from __future__ import annotations

import os
from types import ModuleType

from collector.config import Limits
from collector.store import SiteIdentity

ENV = "ICTINFRA_INGEST_FASTPATH"
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1  # a limit past them means "no limit" to C as well


def _load() -> ModuleType | None:
    if os.environ.get(ENV, "1") == "0":
        return None
    try:
        from collector import _fastpath
    except ImportError:  # not built (no compiler at install): the Python path serves
        return None
    return _fastpath


_module = _load()


def available() -> bool:
    return _module is not None


def _encode(text: str) -> bytes:
    data = text.encode()
    return _varint(len(data)) + data


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _site_labels(labels: tuple[tuple[str, str], ...]) -> bytes | None:
    """The site's labels as encoded TimeSeries.labels fields, or None when the C merge would
    not give the Python path's order (labels not strictly sorted) or its bytes (an empty one)."""
    names = [name for name, _ in labels]
    if names != sorted(set(names)) or not all(name and value for name, value in labels):
        return None
    out = bytearray()
    for name, value in labels:
        label = b"\x0a" + _encode(name) + b"\x12" + _encode(value)
        out += b"\x0a" + _varint(len(label)) + label
    return bytes(out)


def relabel(
    raw: bytes, identity: SiteIdentity, limits: Limits, low_ms: int, high_ms: int
) -> tuple[bytes, int, int] | None:
    """(body, series, samples) as the Python path would accept it, or None: ask that path."""
    if _module is None or len(identity.labels) > 64 or len(identity.reserved) > 64:
        return None
    site = _site_labels(identity.labels)
    if site is None:
        return None
    reserved = tuple(name.encode() for name in identity.reserved)
    numbers = (
        limits.max_series_per_request,
        limits.max_samples_per_request,
        limits.max_labels_per_series,
        limits.max_label_name_length,
        limits.max_label_value_length,
        low_ms,
        high_ms,
    )
    result: tuple[bytes, int, int] | None = _module.relabel(
        raw, reserved, site, *(max(_INT64_MIN, min(n, _INT64_MAX)) for n in numbers)
    )
    return result
