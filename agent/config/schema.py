"""How a config section is declared without importing pydantic.

A section is a frozen, keyword-only standard-library dataclass. Its keys carry their description
(`key(doc=...)`) and their checks as `Annotated` metadata: `annotated_types` bounds (Ge, Le,
MinLen, ...) and the markers below. pydantic validates these same classes where a file is read
(`agent.config.loader`), and only there: the agent's running process holds plain dataclasses and
never imports pydantic (~15 MiB of its resident memory, docs/performance.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, dataclass_transform

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import CoreSchema

DOC = "doc"


def key(
    *,
    doc: str,
    default: Any = dataclasses.MISSING,
    default_factory: Callable[[], Any] | Any = dataclasses.MISSING,
) -> Any:
    """One key of a section: its meaning (shown in docs/config-reference.md) and its default."""
    return dataclasses.field(default=default, default_factory=default_factory, metadata={DOC: doc})


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(key,))
class Section:
    """Base of every agent config section: unknown keys are errors, values frozen once loaded.

    A cross-key rule goes in `__post_init__` and raises ValueError: pydantic reports it at the
    section's place in the file."""

    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(frozen=True, kw_only=True)(cls)


def is_section(value: object) -> bool:
    """A Section class (not an instance)."""
    return isinstance(value, type) and issubclass(value, Section)


class _Validator:
    __slots__ = ("func",)

    def __init__(self, func: Callable[[Any], Any]) -> None:
        self.func = func

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.func.__name__})"


class Before(_Validator):
    """`Annotated[T, Before(f)]`: f turns the raw YAML value into T (or raises ValueError)."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        from pydantic_core import core_schema

        return core_schema.no_info_before_validator_function(self.func, handler(source))


class After(_Validator):
    """`Annotated[T, After(f)]`: f checks the value once it is a T (returns it or raises)."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(self.func, handler(source))


class Pattern:
    """`Annotated[str, Pattern(regex)]`: the text must match (re.search semantics)."""

    __slots__ = ("regex",)

    def __init__(self, regex: str) -> None:
        self.regex = regex

    def __repr__(self) -> str:
        return f"Pattern({self.regex!r})"

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        schema = handler(source)
        if schema.get("type") != "str":
            raise TypeError(f"Pattern applies to str, not {source!r}")
        return {**schema, "pattern": self.regex}
