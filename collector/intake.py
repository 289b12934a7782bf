"""An inventory body -> a validated snapshot, at bounded cost, refusing hostile JSON with a 4xx.

Run in a worker thread (never on the event loop). The JSON is parsed strictly: UTF-8 only, no
`NaN`/`Infinity`, numbers that fit 64 bits, no duplicate keys (parsers disagree on which one
wins, so an ambiguous document is refused rather than guessed), no lone surrogates, bounded
nesting. Counts are checked before validation, and validation of the device and LAN-host lists
goes in chunks so another thread (the event loop) gets the interpreter between them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from agent.validation import adapter
from agent.wire.inventory import DeviceInventory, Inventory, LanHost
from collector.config import Limits
from collector.ingest import Rejection
from collector.store.inventory import TRACKED, facts_of

CHUNK = 2000  # list items validated per call
MAX_DIGITS = 20  # an integer literal longer than this cannot fit 64 bits
# An object or array costs Python ~60-100 bytes against 2 of JSON: `[{},{},...]` parses to 25x
# its size. A real snapshot has one per 40+ bytes (a LAN host ~130), so one per 16 bounds the
# parse at ~10x the body, counted before parsing (bytes.count, milliseconds for 8 MiB).
BYTES_PER_CONTAINER = 16
COLUMN_CHARS = 255  # the store's String(255) columns: agent, vendor, model, serial, firmware
KEY_CHARS = 512  # devices.device_key
# pydantic's words for a dataclass's unknown key, put as it words them for a model's (and did here)
_MESSAGES = {"unexpected_keyword_argument": "Extra inputs are not permitted"}
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LISTS: dict[str, tuple[type[list[Any]], str]] = {
    "devices": (list[DeviceInventory], "max_inventory_devices"),
    "lan_hosts": (list[LanHost], "max_inventory_lan_hosts"),
}


class HostileJsonError(ValueError):
    pass


def _constant(name: str) -> float:
    raise HostileJsonError(f"{name} is not a JSON number")


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise HostileJsonError(f"integer {text[:24]}... has more than {MAX_DIGITS} digits")
    value = int(text)
    if not -(2**63) <= value < 2**64:
        raise HostileJsonError(f"integer {text} does not fit 64 bits")
    return value


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise HostileJsonError(f"number {text[:24]} is out of range")
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise HostileJsonError(f"key {key[:64]!r} appears twice in one object")
            seen.add(key)
    return found


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key[:64]}" if path else key[:64]
            yield where, key
            yield from _strings(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}.{index}" if path else str(index))


def _check_surrogates(text: str, data: Any) -> None:
    """A lone surrogate can only come from a `\\uD800`-style escape (UTF-8 bytes cannot hold
    one), so the walk runs only when the text has such an escape."""
    if not _SURROGATE_ESCAPE.search(text):
        return
    for path, value in _strings(data, ""):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise HostileJsonError(
                f"{path or '(top level)'}: a lone surrogate (\\uD800-\\uDFFF escape not in a pair)"
            ) from None


def _check_density(body: bytes) -> None:
    containers = body.count(b"{") + body.count(b"[")
    if containers > 64 and containers * BYTES_PER_CONTAINER > len(body):
        raise Rejection(
            "malformed",
            f"body is not an inventory: {containers} objects and arrays in {len(body)} bytes "
            f"(at most one per {BYTES_PER_CONTAINER} bytes)",
        )


def parse_json(body: bytes) -> tuple[str, Any]:
    """The body's text and its value; Rejection 400 saying what is wrong."""
    _check_density(body)
    try:
        text = body.decode("utf-8")
        data = json.loads(
            text, parse_constant=_constant, parse_int=_integer, parse_float=_number,
            object_pairs_hook=_object,
        )  # fmt: skip
        _check_surrogates(text, data)
    except UnicodeDecodeError as exc:
        raise Rejection("malformed", f"body is not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise Rejection("malformed", f"body is not JSON: {exc}") from None
    except RecursionError:
        raise Rejection("malformed", "body is not an inventory: JSON nested too deeply") from None
    except HostileJsonError as exc:
        raise Rejection("malformed", f"body is not acceptable JSON: {exc}") from None
    return text, data


def _problems(exc: ValidationError, prefix: tuple[Any, ...] = (), offset: int = 0) -> list[str]:
    found = []
    for error in exc.errors(include_input=False, include_url=False)[:20]:
        loc = list(error["loc"])
        if offset and loc and isinstance(loc[0], int):
            loc[0] += offset
        where = ".".join(str(part) for part in (*prefix, *loc))
        message = _MESSAGES.get(error["type"], error["msg"])
        found.append(f"{where or '(top level)'}: {message}")
    return found


def _invalid(problems: list[str]) -> Rejection:
    return Rejection("invalid_inventory", "invalid inventory: " + "; ".join(problems[:20]))


def _validate_list(name: str, items: list[Any], limits: Limits) -> list[Any]:
    kind, key = _LISTS[name]
    limit: int = getattr(limits, key)
    if len(items) > limit:
        raise Rejection(
            "too_many_items", f"{len(items)} {name}, over the limit of {limit} (limits.{key})", 413
        )
    valid: list[Any] = []
    for start in range(0, len(items), CHUNK):
        try:
            valid += adapter(kind).validate_python(items[start : start + CHUNK])
        except ValidationError as exc:
            raise _invalid(_problems(exc, (name,), start)) from None
    return valid


def validate(data: Any, limits: Limits) -> Inventory:
    if not isinstance(data, dict):
        raise _invalid(["(top level): Input should be an object"])
    lists = {name: data.pop(name) for name in _LISTS if isinstance(data.get(name), list)}
    try:
        inventory = adapter(Inventory).validate_python(data)
    except ValidationError as exc:
        raise _invalid(_problems(exc)) from None
    for name, items in lists.items():
        setattr(inventory, name, _validate_list(name, items, limits))
    return inventory


def check_time(collected_at: float, now: float, limits: Limits) -> None:
    """The ingest's future-skew rule, and an age limit: a snapshot dated 2099 would freeze its
    agent's history (every later snapshot would look older)."""
    if collected_at > now + limits.max_future_skew:
        raise Rejection(
            "inventory_in_future",
            f"collected_at {collected_at:.0f} is {collected_at - now:.0f} s ahead of the "
            f"collector's clock, over limits.max_future_skew ({limits.max_future_skew:.0f} s)",
        )
    if collected_at < now - limits.max_inventory_age:
        raise Rejection(
            "inventory_too_old",
            f"collected_at {collected_at:.0f} is {now - collected_at:.0f} s old, over "
            f"limits.max_inventory_age ({limits.max_inventory_age:.0f} s)",
        )


def check_columns(inventory: Inventory) -> None:
    """What the store keeps in columns fits them (PostgreSQL refuses longer text and NUL)."""
    values = [("agent.hostname", inventory.agent.hostname, COLUMN_CHARS)]
    for facts in facts_of(inventory).values():
        values.append((f"device {facts.key[:64]!r}", facts.key, KEY_CHARS))
        values += [
            (f"{facts.key[:64]}: {name}", getattr(facts, name), COLUMN_CHARS) for name in TRACKED
        ]
    for where, value, limit in values:
        if value is not None and (len(value) > limit or "\x00" in value):
            raise _invalid([f"{where}: longer than {limit} characters or holds a NUL character"])


def parse_inventory(body: bytes, limits: Limits, now: float) -> tuple[str, Inventory]:
    """The stored text and the validated snapshot; Rejection (4xx) for anything else."""
    text, data = parse_json(body)
    inventory = validate(data, limits)
    check_time(inventory.collected_at, now, limits)
    check_columns(inventory)
    return text, inventory
