"""The PromQL reads of a ranking run: instant queries to the Prometheus HTTP API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from agent.errors import PeerError

Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Sample:
    labels: dict[str, str]
    value: float


class PrometheusReader:
    def __init__(self, url: str, timeout: float = 300.0) -> None:
        self.url = url.rstrip("/")
        self.client = httpx.Client(base_url=self.url, timeout=timeout)
        self.queries = 0  # how many were sent (a run's cost is bounded: see docs/ranking.md)

    def _get(self, params: dict[str, Any]) -> Any:
        self.queries += 1
        try:
            answer = self.client.post("/api/v1/query", data=params)
        except httpx.HTTPError as exc:
            raise PeerError(f"Prometheus at {self.url} unreachable: {type(exc).__name__}") from None
        try:
            body = answer.json()
        except ValueError:
            raise PeerError(f"Prometheus answered {answer.status_code}, not JSON") from None
        if body.get("status") != "success":
            error = str(body.get("error", "?"))[:300]
            raise PeerError(f"Prometheus refused a query ({answer.status_code}): {error}")
        return body["data"]

    def instant(self, query: str, at: float) -> list[Sample]:
        data = self._get({"query": query, "time": f"{at:.3f}"})
        if data.get("resultType") != "vector":
            raise PeerError(f"expected a vector from {query[:80]!r}, got {data.get('resultType')}")
        return [
            Sample({k: v for k, v in item["metric"].items() if k != "__name__"}, float(value))
            for item in data["result"]
            for _, value in [item["value"]]
        ]

    def samples(self, selector: str, at: float, seconds: float) -> list[tuple[float, float]]:
        """Every raw (time, value) of `selector` in [at - seconds, at], all series together."""
        data = self._get({"query": f"{selector}[{max(1, int(seconds * 1000))}ms]", "time": at})
        return sorted(
            (float(t), float(v)) for item in data["result"] for t, v in item.get("values", [])
        )

    def close(self) -> None:
        self.client.close()
