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

from agent.config.loader import parse_model
from agent.config.types import Duration
from agent.errors import ConfigError
from collector.strict import StrictModel

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
    """A name in both languages."""

    vi: str = Field(min_length=1, description="Vietnamese")
    en: str = Field(min_length=1, description="English")


class Query(StrictModel):
    """A per-step expression; `aggregate` says how steps combine over the period."""

    aggregate: Aggregate = Field(
        description="how the per-step values combine over the period: sum, count (steps with a"
        " value), last, median"
    )
    by: tuple[str, ...] = Field(
        description="the labels that identify a result series, `site` first"
    )
    raw: PromQL = Field(
        description="the per-step PromQL, evaluated at each `step` (parsed when the file loads)"
    )
    recorded: str | None = Field(
        default=None,
        description="the daily recording rule's series of the same expression; absent: always"
        " read raw",
    )

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

    site_reporting: Query = Field(description="steps a site reported: coverage")
    office_reporting: Query = Field(
        description="steps each office (`instance`) reported: the offices"
    )
    probe_up: Query = Field(
        description="steps at least one probe target of a kind (internet, wan, gateway) answered"
    )
    cpu_measured: Query = Field(description="steps with a server's CPU busy share measured")
    cpu_hot: Query = Field(description="steps with CPU busy at or over the limit (80 %)")
    memory_measured: Query = Field(description="steps with a server's memory use measured")
    memory_hot: Query = Field(description="steps with memory used at or over the limit (90 %)")
    bandwidth_test: Query = Field(description="speed test results: Internet capacity (median)")
    uplink_speed: Query = Field(
        description="the configured uplink's speed: the capacity without a test (last)"
    )
    lan_managed_switches: Query = Field(description="LAN standard: managed switches (last)")
    lan_uplink_speed: Query = Field(description="LAN standard: the uplink's speed (last)")
    lan_fast_ethernet_only: Query = Field(
        description="LAN standard: switches with Fast Ethernet only (last)"
    )


Share = Annotated[float, Field(ge=0, le=1)]


class Thresholds(StrictModel):
    """The criteria's thresholds (shares are 0-1)."""

    internet_availability: Share = Field(
        description="computers_online: an office's Internet availability at least this"
    )
    wan_availability: Share = Field(
        description="wan_connected: an office's WAN availability at least this"
    )
    gateway_availability: Share = Field(
        description="lan_standard: the gateway's availability at least this"
    )
    uplink_bytes_per_second: float = Field(
        ge=0, description="lan_standard: the LAN uplink at least this fast (125e6 = 1 Gbit/s)"
    )
    server_hot_share: Share = Field(
        description="server_capacity: a server passes with fewer than this share of its measured"
        " steps hot (0.05: p95 below the limit)"
    )


class Indicator(StrictModel):
    """One indicator: a / b, scored out of `max_points`."""

    name: Names = Field(description="the indicator's name")
    max_points: float = Field(gt=0, description="its maximum score")
    numerator: Numerator = Field(description="the term counted as a")
    denominator: Denominator = Field(description="the term counted as b")
    score: Literal["ratio", "capped_ratio", "relative_to_best"] = Field(
        description="ratio and capped_ratio: min(1, a/b) x max; relative_to_best: (a/b) / the"
        " best a/b at the same level x max"
    )
    when_denominator_zero: Literal["zero", "full_points"] = Field(
        default="zero", description="the score when b = 0"
    )
    zero_flag: str | None = Field(
        default=None,
        description="the flag a unit gets when b = 0; default `no_<denominator>`",
    )


class Methodology(StrictModel):
    """A ranking methodology file (`rank --methodology FILE`; docs/ranking.md)."""

    id: str = Field(
        pattern=r"^[a-z0-9][a-z0-9._-]*$",
        description="the methodology's id, stored with every ranking",
    )
    version: str = Field(min_length=1, description="its version, stored with every ranking")
    name: Names = Field(description="its name")
    timezone: str = Field(
        default="Asia/Ho_Chi_Minh", description="IANA zone of the calendar periods"
    )
    step: Duration = Field(
        default=300.0,
        description="queries are evaluated at each step of the period; at least 1m, divides a day",
    )
    coverage_floor: Share = Field(
        default=0.7,
        description="a unit reporting in fewer of the period's steps is not ranked"
        " (`insufficient_data`)",
    )
    recorded_clock: str | None = Field(
        default=None,
        description="the recording rules' clock: one sample a day, its value the end of the day"
        " they recorded; absent: everything is read raw",
    )
    thresholds: Thresholds = Field(description="the criteria's thresholds")
    queries: Queries = Field(description="the PromQL every term is measured from")
    indicators: dict[str, Indicator] = Field(
        min_length=1, description="indicator id (a label-safe name) -> its definition"
    )

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
