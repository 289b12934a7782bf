"""The agent's wire records (agent/wire/inventory.py, plain dataclasses) validated by pydantic.

pydantic reads each dataclass's `__pydantic_config__` (an unknown key is refused as
`unexpected_keyword_argument`) and its `annotated_types` bounds. One adapter per type, built on
first use and kept: building one costs milliseconds, validating with it microseconds.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import TypeAdapter

from agent.wire.inventory import Inventory

T = TypeVar("T")
_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def adapter(kind: type[T]) -> TypeAdapter[T]:
    found = _ADAPTERS.get(kind)
    if found is None:
        found = _ADAPTERS[kind] = TypeAdapter(kind)
    return found


def validate(kind: type[T], data: Any) -> T:
    """`data` (JSON values) as a `kind`; pydantic's ValidationError saying where and what."""
    return adapter(kind).validate_python(data)


def inventory(data: Any) -> Inventory:
    return validate(Inventory, data)


def inventory_json(text: str | bytes) -> Inventory:
    return adapter(Inventory).validate_json(text)
