"""The ranking methodology: a versioned YAML file, validated strictly before any query runs.

Unknown keys, missing keys (a denominator), unknown terms and PromQL that does not parse are
errors naming the key and its line (the agent's config loader reports them). The file's sha256
goes into every stored ranking, so a published figure names the exact rules it was computed by.
"""

from __future__ import annotations

import hashlib
import re
import zoneinfo
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from agent.config.base import StrictModel
from agent.config.loader import parse_model
from agent.config.types import Duration
from agent.errors import ConfigError

DEFAULT_ID = "ictinfra-default-2026"

Numerator = Literal[
    "computers",
    "computers_at_online_offices",
    "internet_capacity_mbps",
    "offices_wan_available",
    "offices_lan_standard",
    "devices_in_life",
    "servers_within_capacity",
]
Denominator = Literal["staff", "computers", "offices", "devices", "servers"]
Aggregate = Literal["sum", "count", "last", "median"]
_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def _promql(text: str) -> str:
    import promql_parser

    try:
        promql_parser.parse(text)
    except ValueError as exc:
        raise ValueError(f"PromQL does not parse: {exc}") from None
    return text


def _metric_name(value: str | None) -> str | None:
    if value is not None and not _METRIC_NAME.match(value):
        raise ValueError(f"{value!r} is not a metric name")
    return value


PromQL = Annotated[str, AfterValidator(_promql)]


class Names(StrictModel):
    vi: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Query(StrictModel):
    """A per-step expression; `aggregate` says how steps combine over the period."""

    aggregate: Aggregate
    by: tuple[str, ...]  # the labels that identify a result series (site first)
    raw: PromQL
    recorded: str | None = None  # the recording rule's series of the same expression, per day

    @field_validator("by")
    @classmethod
    def _by(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value or value[0] != "site" or not all(_LABEL.match(v) for v in value):
            raise ValueError("`by` lists label names, `site` first")
        return value

    @field_validator("recorded")
    @classmethod
    def _recorded(cls, value: str | None) -> str | None:
        return _metric_name(value)


class Queries(StrictModel):
    """Every query the terms are measured from; each is required."""

    site_reporting: Query
    office_reporting: Query
    probe_up: Query
    cpu_measured: Query
    cpu_hot: Query
    memory_measured: Query
    memory_hot: Query
    bandwidth_test: Query
    uplink_speed: Query
    lan_managed_switches: Query
    lan_uplink_speed: Query
    lan_fast_ethernet_only: Query


Share = Annotated[float, Field(ge=0, le=1)]


class Thresholds(StrictModel):
    internet_availability: Share
    wan_availability: Share
    gateway_availability: Share
    uplink_bytes_per_second: float = Field(ge=0)
    server_hot_share: Share


class Indicator(StrictModel):
    name: Names
    max_points: float = Field(gt=0)
    numerator: Numerator
    denominator: Denominator
    score: Literal["ratio", "capped_ratio", "relative_to_best"]
    when_denominator_zero: Literal["zero", "full_points"] = "zero"
    zero_flag: str | None = None  # the flag a unit gets when b = 0 (default: no_<denominator>)


class Methodology(StrictModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    version: str = Field(min_length=1)
    name: Names
    timezone: str = "Asia/Ho_Chi_Minh"
    step: Duration = 300.0
    coverage_floor: Share = 0.7
    # the recording rules' clock: one sample a day, its value the end of the day they recorded
    recorded_clock: str | None = None
    thresholds: Thresholds
    queries: Queries
    indicators: dict[str, Indicator] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (IANA name, e.g. Asia/Ho_Chi_Minh)"
            ) from None
        return value

    @field_validator("recorded_clock")
    @classmethod
    def _clock(cls, value: str | None) -> str | None:
        return _metric_name(value)

    @field_validator("step")
    @classmethod
    def _step(cls, value: float) -> float:
        if value < 60 or value != int(value) or 86400 % int(value):
            raise ValueError("a whole number of seconds, at least 1m, that divides a day")
        return value

    @model_validator(mode="after")
    def _ids(self) -> Methodology:
        bad = [key for key in self.indicators if not _LABEL.match(key)]
        if bad:
            raise ValueError(f"indicator ids must be label-safe names: {bad}")
        return self

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def total_points(self) -> float:
        return sum(indicator.max_points for indicator in self.indicators.values())


class LoadedMethodology(StrictModel):
    """A validated methodology and the exact bytes it came from."""

    rules: Methodology
    sha256: str
    source: str
    text: str


def parse_methodology(text: str, source: str) -> LoadedMethodology:
    rules = parse_model(Methodology, text, source)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return LoadedMethodology(rules=rules, sha256=digest, source=source, text=text)


def load_methodology(path: str | Path | None = None) -> LoadedMethodology:
    """`path`, else the shipped default (`ictinfra-default-2026`)."""
    if path is None:
        text = (
            resources.files("collector.ranking")
            .joinpath(f"data/{DEFAULT_ID}.yaml")
            .read_text("utf-8")
        )
        return parse_methodology(text, f"{DEFAULT_ID}.yaml")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), [f"cannot read: {exc}"]) from None
    return parse_methodology(text, str(path))
