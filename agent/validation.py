"""pydantic validation of plain classes (config Sections, wire records), one adapter per type.

pydantic is imported on first use, so a process that never validates never loads it (the
running agent: agent/config/isolated.py). Building an adapter costs milliseconds, validating
with it microseconds: each is built once and kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from pydantic import TypeAdapter

T = TypeVar("T")
_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def adapter(kind: type[T]) -> TypeAdapter[T]:
    found: TypeAdapter[T] | None = _ADAPTERS.get(kind)
    if found is None:
        from pydantic import TypeAdapter

        found = _ADAPTERS[kind] = TypeAdapter(kind)
    return found


def validate(kind: type[T], data: object) -> T:
    """`data` (plain YAML/JSON values) as a `kind`; pydantic's ValidationError says where, what."""
    return adapter(kind).validate_python(data)
