"""The obsolescence rules: a strict YAML schema, the shipped default, province and site overrides.

The shipped default (`data/default-rules.yaml`) is read first; a province's file, then a site's
file, override it key by key (mappings merge, lists add up, any other value replaces). Each file
is checked strictly on its own, so an unknown key is reported with the line of the file holding it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError

from agent.config.loader import format_problems, parse_yaml
from agent.config.types import ByteSize
from agent.errors import ConfigError
from collector.devices.model import DEVICE_CLASSES
from collector.strict import StrictModel

DEFAULT_RULES = "default-rules.yaml"
_RATE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:bit/s|bps|b/s)?\s*$")
_RATE_UNITS = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}


def parse_bit_rate(value: Any) -> int:
    """'100Mbit/s', '1Gbit/s', '10G', 1000000000 -> bits per second."""
    if isinstance(value, bool):
        raise ValueError("a speed must be like 100Mbit/s or 1Gbit/s")
    if isinstance(value, int):
        rate = value
    elif isinstance(value, str) and (match := _RATE_RE.match(value.lower())):
        number, unit = match.groups()
        rate = int(float(number) * _RATE_UNITS[unit])
    else:
        raise ValueError(f"{value!r} is not a speed (use e.g. 100Mbit/s or 1Gbit/s)")
    if rate <= 0:
        raise ValueError("a speed must be greater than zero")
    return rate


BitRate = Annotated[int, BeforeValidator(parse_bit_rate)]


class ClassRules(StrictModel):
    """What one device class must meet to be in service life. A floor left out is not checked."""

    max_age_years: float | None = Field(
        default=None, gt=0, description="service life: older (by its age evidence) is obsolete"
    )
    max_age_source: str | None = Field(
        default=None, description="the legal text or decision the service life comes from"
    )
    max_age_verified: bool = Field(
        default=False, description="false: the figure could not be checked against its source"
    )
    min_memory: ByteSize | None = Field(default=None, description="the least memory (RAM)")
    min_cores: int | None = Field(default=None, gt=0, description="the fewest CPU cores")
    min_disk: ByteSize | None = Field(default=None, description="the smallest total disk")
    min_port_speed: BitRate | None = Field(
        default=None, description="the fastest port must reach this (e.g. 1Gbit/s)"
    )
    software_support: bool = Field(
        default=True, description="the OS / firmware must be within its vendor's support"
    )


NOT_JUDGED = ClassRules(software_support=False)


class ClassTable(StrictModel):
    """One entry per device class (collector.devices.model.DEVICE_CLASSES); absent: not judged."""

    pc: ClassRules | None = Field(
        default=None, description="rules for class `pc`; absent: not judged"
    )
    laptop: ClassRules | None = Field(
        default=None, description="rules for class `laptop`; absent: not judged"
    )
    server: ClassRules | None = Field(
        default=None, description="rules for class `server`; absent: not judged"
    )
    switch: ClassRules | None = Field(
        default=None, description="rules for class `switch`; absent: not judged"
    )
    router: ClassRules | None = Field(
        default=None, description="rules for class `router`; absent: not judged"
    )
    firewall: ClassRules | None = Field(
        default=None, description="rules for class `firewall`; absent: not judged"
    )
    access_point: ClassRules | None = Field(
        default=None, description="rules for class `access_point`; absent: not judged"
    )
    printer: ClassRules | None = Field(
        default=None, description="rules for class `printer`; absent: not judged"
    )
    ups: ClassRules | None = Field(
        default=None, description="rules for class `ups`; absent: not judged"
    )
    camera: ClassRules | None = Field(
        default=None, description="rules for class `camera`; absent: not judged"
    )
    phone: ClassRules | None = Field(
        default=None, description="rules for class `phone`; absent: not judged"
    )
    other: ClassRules | None = Field(
        default=None, description="rules for class `other`; absent: not judged"
    )
    unknown: ClassRules | None = Field(
        default=None, description="rules for class `unknown`; absent: not judged"
    )


class EolOverride(StrictModel):
    """A date a province has checked (or a release the shipped data lacks)."""

    product: str = Field(
        description="an end-of-life data file's name: windows, junos, cisco-ios, ..."
    )
    cycle: str = Field(description="the release cycle, as in that file (e.g. 15.2)")
    eol: dt.date | None = Field(
        description="the end of support; null: not known (the device is reported as unknown)"
    )
    source: str = Field(description="where the date comes from")
    verified: bool = Field(default=True, description="the date was checked against its source")


class Rules(StrictModel):
    """A rules file: `obsolete.rules_file`, `obsolete.overrides` (docs/obsolete.md)."""

    version: str = Field(default="ictinfra-default-2026", description="the rules' version")
    support_end: Literal["eol", "eoes"] = Field(
        default="eol",
        description="eol: the end of (security) support; eoes: count paid extended support"
        " where sold",
    )
    soon_months: int = Field(
        default=12, gt=0, le=120, description="the soon-obsolete list looks this far ahead"
    )
    classes: ClassTable = Field(default=ClassTable(), description="the floors per device class")
    eol_overrides: list[EolOverride] = Field(
        default_factory=list, description="end-of-life dates that replace or add to the shipped"
    )
    sources: list[str] = Field(
        default_factory=list,
        description="filled in when loaded: the files merged, in order; leave it out",
    )

    def for_class(self, device_class: str) -> ClassRules:
        found = (
            getattr(self.classes, device_class, None) if device_class in DEVICE_CLASSES else None
        )
        return found if isinstance(found, ClassRules) else NOT_JUDGED


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        old = merged.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            merged[key] = _merge(old, value)
        elif isinstance(old, list) and isinstance(value, list):
            merged[key] = old + value  # later entries win (eol_overrides)
        else:
            merged[key] = value
    return merged


def _read_layer(text: str, source: str) -> dict[str, Any]:
    """One file's mapping, checked strictly on its own (errors carry this file's lines)."""
    data, lines = parse_yaml(text, source)
    if not isinstance(data, dict):
        raise ConfigError(source, ["line 1: the top level must be a mapping of keys"])
    if "sources" in data:
        raise ConfigError(source, [f"line {lines.get(('sources',), 1)}: sources: unknown key"])
    try:
        Rules.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, format_problems(exc, lines, Rules)) from None
    return data


def _read_file(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), [f"not UTF-8 (byte {exc.start})"]) from None
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot read: {exc.strerror}"]) from None


def default_rules_text() -> str:
    return resources.files("collector.obsolete").joinpath("data", DEFAULT_RULES).read_text("utf-8")


def load_layers(base: str | Path | None, overrides: Sequence[str | Path] = ()) -> Rules:
    """`base` (default: the shipped file), then each override in order (province, then site).

    ConfigError names each bad key with its file and line.
    """
    layers = [
        (str(base), _read_file(base))
        if base
        else (f"(shipped) {DEFAULT_RULES}", default_rules_text())
    ]
    layers += [(str(extra), _read_file(extra)) for extra in overrides]
    merged: dict[str, Any] = {}
    for source, text in layers:
        merged = _merge(merged, _read_layer(text, source))
    try:
        return Rules.model_validate({**merged, "sources": [source for source, _ in layers]})
    except ValidationError as exc:
        raise ConfigError(layers[-1][0], format_problems(exc, {}, Rules)) from None


def load_rules(
    path: str | Path | None = None,
    *,
    province: str | Path | None = None,
    site: str | Path | None = None,
) -> Rules:
    """The rules in force: `path` (default: the shipped file), then `province`, then `site`."""
    return load_layers(path, [extra for extra in (province, site) if extra])
