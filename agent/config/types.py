"""Value types shared by every config section: durations, byte sizes, addresses, secrets."""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Annotated, Any

from agent.config.schema import Before

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import CoreSchema

_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_SIZE_UNITS = {
    "": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9,
    "kib": 2**10, "mib": 2**20, "gib": 2**30,
}  # fmt: skip
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$")


def parse_duration(value: Any) -> float:
    """'90s', '1m30s', '15m', '500ms', '1h' or a number of seconds -> seconds."""
    if isinstance(value, bool):
        raise ValueError("a duration must be like 15s, 5m, 1h or 500ms")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        parts = _DURATION_RE.findall(text)
        if "".join(n + u for n, u in parts) != text:
            raise ValueError(f"{value!r} is not a duration (use e.g. 15s, 5m, 1h, 500ms)")
        seconds = sum(float(n) * _DURATION_UNITS[u] for n, u in parts)
    else:
        raise ValueError("a duration must be like 15s, 5m, 1h or 500ms")
    if seconds <= 0:
        raise ValueError("a duration must be greater than zero")
    return seconds


def parse_byte_size(value: Any) -> int:
    """'512MiB', '1GB', '4096' -> bytes."""
    if isinstance(value, bool):
        raise ValueError("a size must be like 512MiB or 1GB")
    if isinstance(value, int):
        size = value
    elif isinstance(value, str) and (match := _SIZE_RE.match(value.lower())):
        number, unit = match.groups()
        if unit not in _SIZE_UNITS:
            raise ValueError(f"unknown size unit {unit!r} (use B, KiB, MiB, GiB, KB, MB, GB)")
        size = int(float(number) * _SIZE_UNITS[unit])
    else:
        raise ValueError(f"{value!r} is not a size (use e.g. 512MiB or 1GB)")
    if size <= 0:
        raise ValueError("a size must be greater than zero")
    return size


def parse_host_port(value: Any, default_port: int) -> tuple[str, int]:
    """'host', 'host:port', '[v6]:port' -> (host, port)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("an address must be host or host:port")
    text = value.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest.removeprefix(":") if rest else ""
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    else:
        host, port_text = text, ""
    if not host:
        raise ValueError(f"{value!r} has no host")
    if not port_text:
        return host, default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"{value!r} has a bad port (1-65535)")
    return host, int(port_text)


def _number_as_text(value: Any) -> Any:
    """YAML reads `community: 12345678` as a number; a secret is text."""
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    return str(value) if is_number else value


Duration = Annotated[float, Before(parse_duration)]
ByteSize = Annotated[int, Before(parse_byte_size)]


class Secret:
    """A string that never shows itself: str(), repr() and serialisation give `<secret>`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<secret>"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        from pydantic_core import core_schema

        from_str = core_schema.no_info_before_validator_function(
            _number_as_text,
            core_schema.no_info_after_validator_function(cls, core_schema.str_schema()),
        )
        return core_schema.union_schema(
            [core_schema.is_instance_schema(cls), from_str],
            serialization=core_schema.plain_serializer_function_ser_schema(lambda _: "<secret>"),
        )


def secret_values(value: object) -> list[str]:
    """Every Secret's value in a config (nested models, lists, dicts): what logs must redact."""
    if isinstance(value, Secret):
        return [value.reveal()] if value else []
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        items: list[object] = [getattr(value, f.name) for f in dataclasses.fields(value)]
    elif hasattr(type(value), "model_fields"):  # a pydantic model (the collector's config)
        items = [getattr(value, name) for name in type(value).model_fields]  # type: ignore[attr-defined]
    elif isinstance(value, dict):
        items = list(value.values())
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        return []
    return [secret for item in items for secret in secret_values(item)]
