"""What the methodology's queries measured over a period: recorded days where they exist, raw
steps where they do not.

The recording rules (deploy/prometheus/rules/ranking.yml) keep, once a day, each query's sum,
count, last value or median over one day that ended `lag` before (beyond Prometheus'
out-of-order window, so late pushes from a commune whose link was down are in it), and a clock
series whose value is that day's end. The period is cut into those recorded days and the raw
segments between and around them (the last days, a day the rule missed); each query is one
instant query per segment, over every site at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from collector.ranking.methodology import Methodology, Query
from collector.ranking.period import Period
from collector.ranking.prom import PrometheusReader

DAY = 86400.0
Key = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Segment:
    """Steps in (start, end]; recorded: read from the daily series sampled in [first, last]."""

    start: float
    end: float
    recorded: bool = False
    first: float = 0.0  # recorded: the rule's evaluation times of the first and last day
    last: float = 0.0

    def steps(self, step: float) -> int:
        return int(self.end // step - self.start // step)


@dataclass
class Measured:
    """Each query's value per result key (its `by` labels), and what was read to get it."""

    period_steps: int
    segments: list[Segment]
    values: dict[str, dict[Key, float]] = field(default_factory=dict)
    queries: list[dict[str, object]] = field(default_factory=list)  # the snapshot's inputs


def _align(at: float, step: float) -> float:
    return at // step * step


def plan(period: Period, windows: list[tuple[float, float]], step: float) -> list[Segment]:
    """Cut (start, end] into recorded days (`windows`: (evaluation time, day end)) and raw gaps."""
    start, end = _align(period.start, step), _align(period.end, step)
    days = sorted(
        (_align(day_end, step), at)
        for at, day_end in windows
        if _align(day_end, step) - DAY >= start and _align(day_end, step) <= end
    )
    segments: list[Segment] = []
    cursor = start
    run: list[tuple[float, float]] = []
    for day_end, at in days:
        if day_end - DAY < cursor:  # overlaps what is already covered (a doubled evaluation)
            continue
        if day_end - DAY > cursor:
            segments.append(Segment(cursor, day_end - DAY))
        run.append((day_end, at))
        cursor = day_end
    if run:
        segments.append(Segment(run[0][0] - DAY, run[-1][0], True, run[0][1], run[-1][1]))
    if cursor < end:
        segments.append(Segment(cursor, end))
    # by end: the last segment holds the newest values (a `last` query takes the last one found)
    return sorted((s for s in segments if s.steps(step) > 0), key=lambda s: (s.end, s.start))


_RAW = {
    "sum": "sum_over_time(({q})[{r}:{s}])",
    "count": "count_over_time(({q})[{r}:{s}])",
    "last": "last_over_time(({q})[{r}:{s}])",
    "median": "quantile_over_time(0.5, ({q})[{r}:{s}])",
}
_RECORDED = {
    "sum": "sum_over_time({q}[{r}])",
    "count": "sum_over_time({q}[{r}])",  # each day holds its count: they add up
    "last": "last_over_time({q}[{r}])",
    "median": "quantile_over_time(0.5, {q}[{r}])",  # the median of the daily medians
}


def segment_query(query: Query, segment: Segment, step: float) -> tuple[str, float]:
    """The PromQL and evaluation time that read `query` over `segment`."""
    if segment.recorded:
        assert query.recorded is not None
        span = f"{int((segment.last - segment.first) * 1000) + 1000}ms"
        return _RECORDED[query.aggregate].format(q=query.recorded, r=span), segment.last
    span = f"{int(segment.end - segment.start) - 1}s"  # steps in (start, end], not start
    text = _RAW[query.aggregate].format(q=query.raw, r=span, s=f"{int(step)}s")
    return text, segment.end


def _combine(aggregate: str, parts: list[tuple[int, float]]) -> float:
    """Per key: (the segment's steps, its value), oldest segment first."""
    if aggregate in ("sum", "count"):
        return sum(value for _, value in parts)
    if aggregate == "last":
        return parts[-1][1]
    return max(parts, key=lambda part: part[0])[1]  # median: the part that covers most steps


def measure(
    rules: Methodology,
    reader: PrometheusReader,
    period: Period,
    progress: Callable[[str], None] = lambda _name: None,
) -> Measured:
    step = rules.step
    windows: list[tuple[float, float]] = []
    if rules.recorded_clock:
        windows = reader.samples(
            rules.recorded_clock, period.end + 4 * DAY, period.seconds + 5 * DAY
        )
    segments = plan(period, windows, step)
    whole = plan(period, [], step)  # for a query without a recording rule: all raw
    result = Measured(int(_align(period.end, step) // step - _align(period.start, step) // step),
                      segments)  # fmt: skip
    for name, query in rules.queries:
        progress(name)
        parts: dict[Key, list[tuple[int, float]]] = {}
        for segment in segments if query.recorded else whole:
            text, at = segment_query(query, segment, step)
            samples = reader.instant(text, at)
            result.queries.append({"query": name, "promql": text, "time": at,
                                   "result": len(samples)})  # fmt: skip
            for sample in samples:
                key = tuple(sample.labels.get(label, "") for label in query.by)
                parts.setdefault(key, []).append((segment.steps(step), sample.value))
        result.values[name] = {
            key: _combine(query.aggregate, found) for key, found in sorted(parts.items())
        }
    return result
