"""The keys a strict model allows at a location, and the closest to a mistyped one."""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Location = tuple[str | int, ...]


def model_keys(model: object) -> dict[str, Any] | None:
    """A model's keys and their annotations (a pydantic model or a dataclass), else None."""
    if not isinstance(model, type):
        return None
    if dataclasses.is_dataclass(model):
        hints = typing.get_type_hints(model, include_extras=True)
        return {f.name: hints[f.name] for f in dataclasses.fields(model)}
    fields = getattr(model, "model_fields", None)  # pydantic, without importing it
    if isinstance(fields, dict):
        return {name: info.annotation for name, info in fields.items()}
    return None


def _members(annotation: Any) -> list[Any]:
    """The types an annotation stands for: Annotated and unions unwrapped."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        return [m for arg in typing.get_args(annotation) for m in _members(arg)]
    return [annotation]


def _step(annotation: Any, part: str | int) -> list[Any]:
    """The annotations one level down from `annotation` at `part` (a key or an index)."""
    found: list[Any] = []
    for member in _members(annotation):
        origin, args = typing.get_origin(member), typing.get_args(member)
        keys = model_keys(member)
        if keys is not None and isinstance(part, str):
            found += [keys[part]] if part in keys else []
        elif isinstance(origin, type) and issubclass(origin, Mapping) and len(args) == 2:
            found.append(args[1])
        elif isinstance(origin, type) and issubclass(origin, Sequence) and args:
            found.append(args[0])
    return found


def known_keys(model: type[Any], where: Location) -> list[str]:
    """Every key a model at `where` (inside `model`) accepts; empty when none is a model."""
    annotations: list[Any] = [model]
    for part in where:
        annotations = [a for annotation in annotations for a in _step(annotation, part)]
    keys: list[str] = []
    for annotation in annotations:
        for member in _members(annotation):
            member_keys = model_keys(member) or {}
            keys += [k for k in member_keys if k not in keys]
    return keys


def did_you_mean(key: object, candidates: Iterable[str]) -> str:
    """`; did you mean `x`?` for the closest candidate, or "" when none is close."""
    close = difflib.get_close_matches(str(key), list(candidates), n=1, cutoff=0.6)
    return f"; did you mean `{close[0]}`?" if close else ""
