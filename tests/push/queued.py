"""Read what a push queue holds, sample by sample (to check later that each one arrived)."""

from __future__ import annotations

import math
from pathlib import Path

from agent.push.queue import PushQueue
from agent.wire.remote_write import parse_write_request, request_to_series

Point = tuple[frozenset[tuple[str, str]], int, str]  # labels, timestamp ms, value as text


def point(labels: dict[str, str] | tuple[tuple[str, str], ...], ms: int, value: float) -> Point:
    pairs = labels.items() if isinstance(labels, dict) else labels
    return frozenset(pairs), ms, "NaN" if math.isnan(value) else repr(float(value))


def queued_points(directory: Path) -> set[Point]:
    queue = PushQueue(directory, max_bytes=2**40)
    try:
        points: set[Point] = set()
        for batch in queue.oldest(2**62):
            for series in request_to_series(parse_write_request(batch.protobuf())):
                points.update(point(series.labels, ms, value) for ms, value in series.samples)
        return points
    finally:
        queue.close()


def stored_points(results: list[tuple[dict[str, str], list[tuple[float, float]]]]) -> set[Point]:
    return {
        point(labels, round(t * 1000), value) for labels, values in results for t, value in values
    }
