"""The fast path of `collector.ingest.accept`: collector/_fastpath.c when it is built, else the
same contract in pure Python (collector/fastpath_py.py).

It proves acceptance only: for a float-only, canonically encoded request that passes every check
it returns the relabelled body, byte for byte what the protobuf path gives; for anything else (a
refusal, histograms, exemplars, metadata, an unusual encoding) it returns None and the protobuf
path decides. `ICTINFRA_INGEST_FASTPATH=0` forces the pure-Python one (tests, benches).
"""

from __future__ import annotations

import os
from types import ModuleType

from collector import fastpath_py
from collector.config import Limits
from collector.store import SiteIdentity

ENV = "ICTINFRA_INGEST_FASTPATH"
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1  # a limit past them means "no limit" to C as well


def _load() -> ModuleType:
    if os.environ.get(ENV, "1") == "0":
        return fastpath_py
    try:
        from collector import _fastpath
    except ImportError:  # not built (no compiler at install): the Python one serves
        return fastpath_py
    return _fastpath


#: `_fastpath`, `fastpath_py`, or None: the protobuf path alone (the differential tests).
_module: ModuleType | None = _load()


def available() -> bool:
    """The C is loaded."""
    return _module is not None and _module is not fastpath_py


def _encode(text: str) -> bytes:
    data = text.encode()
    return fastpath_py.encode_varint(len(data)) + data


def _site_labels(labels: tuple[tuple[str, str], ...]) -> bytes | None:
    """The site's labels as encoded TimeSeries.labels fields, or None when the C merge would
    not give the Python path's order (labels not strictly sorted) or its bytes (an empty one)."""
    names = [name for name, _ in labels]
    if names != sorted(set(names)) or not all(name and value for name, value in labels):
        return None
    out = bytearray()
    for name, value in labels:
        label = b"\x0a" + _encode(name) + b"\x12" + _encode(value)
        out += b"\x0a" + fastpath_py.encode_varint(len(label)) + label
    return bytes(out)


def relabel(
    raw: bytes, identity: SiteIdentity, limits: Limits, low_ms: int, high_ms: int
) -> tuple[bytes, int, int] | None:
    """(body, series, samples) as the protobuf path would accept it, or None: ask that path."""
    if _module is None or len(identity.labels) > 64 or len(identity.reserved) > 64:
        return None
    site = _site_labels(identity.labels)
    if site is None:
        return None
    reserved = tuple(sorted(name.encode() for name in identity.reserved))  # one cache key
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
