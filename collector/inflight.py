"""Per-site request concurrency: one site's agent (or a hostile insider) cannot take every worker.

A slot is taken when a request's token is checked and given back when its handler returns, in
this process's memory (with several replicas, each counts its own).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from collector.ingest import Rejection

RETRY_AFTER = "1"  # seconds: a site over its limit has requests finishing soon
_SCOPE_KEY = "ictinfra.site_slot"

Handler = Callable[[Any], Awaitable[Any]]


class SiteSlots:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_flight: Counter[str] = Counter()

    def take(self, scope: MutableMapping[str, Any], site: str) -> None:
        """Count this request against `site`; 429 with Retry-After when the site is at its limit."""
        if scope.get(_SCOPE_KEY) is not None:
            return
        if self.in_flight[site] >= self.limit:
            raise Rejection(
                "too_many_requests",
                f"site {site} already has {self.limit} requests in progress "
                "(limits.max_requests_in_flight_per_site); retry later",
                429,
                {"Retry-After": RETRY_AFTER},
            )
        self.in_flight[site] += 1
        scope[_SCOPE_KEY] = site

    def release(self, scope: MutableMapping[str, Any]) -> None:
        site = scope.pop(_SCOPE_KEY, None)
        if site is not None:
            self.in_flight[site] -= 1
            if self.in_flight[site] <= 0:
                del self.in_flight[site]

    def guard(self, handler: Handler) -> Handler:
        """`handler` with its slot (taken by the token check) always given back."""

        async def guarded(request: Any) -> Any:
            try:
                return await handler(request)
            finally:
                self.release(request.scope)

        return guarded
