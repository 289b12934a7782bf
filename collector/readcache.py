"""The read endpoints' answers, computed once per version of the data they are made from.

An answer of `GET /api/v1/obsolete`, `/api/v1/devices`, `/api/v1/indicators`, the web pages and
the exports is made from the store only: inventory snapshots and device history, the asset
register, the unit registry and the ranking's snapshots. `data_version` reads, in one query of
primary-key and indexed lookups, a marker of each that moves with every write (a new snapshot
id, the register's last import, `max(units.updated_at)`, a new ranking id), so an answer kept
under (its request's key, the version read before computing it) is exactly what a fresh
computation would give: the next request after any write (through any replica) sees a new
version and computes anew. Answers of older versions stay while there is room, for one reason:
a reader paging through a long list names the version of its first page (`?version=`), so its
next pages come from the same answer, consistent and not computed again, even while sites keep
sending inventories (at national scale, one a second). Without `?version=` a request always
gets the current data.

Cost is bounded whatever a reader sends: identical requests in flight share one computation
(the others wait for it, on the event loop, holding no thread); at most `COMPUTES_IN_FLIGHT`
computations run at once in this process, and one per reader (its unit), beyond which a request
gets 429 with Retry-After, as a site over `limits.max_requests_in_flight_per_site` does; the
answers kept weigh at most `MAX_CACHED_WEIGHT` (least recently used dropped first).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
from prometheus_client import Counter as PromCounter
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from collector.ingest import Rejection
from collector.readers import database_unavailable
from collector.store import Store
from collector.store.schema import asset_register, inventory_snapshots, ranking_snapshots, units

T = TypeVar("T")
Version = str  # 16 hex digits, from the markers (the answers say it: `page.version`)

COMPUTES_IN_FLIGHT = 2
"""Read answers computed at once in one collector process (a national obsolete list is a core
for a minute): more would take the GIL from the ingest path. The default of
`limits.max_read_computes_in_flight`."""

MAX_CACHED_WEIGHT = 300_000
"""What the kept answers may weigh, in list items (a device, a unit) or KiB of export: a
national obsolete or device list (201,300 devices) is ~200,000 items, so one and a half of
them; the collector's RSS with it full was 1.7 GB (bench/results/api_cost.md). The default of
`limits.max_kept_read_items`."""

RETRY_AFTER = "10"  # seconds: a computation in the way takes that order of time


def data_version(store: Store) -> Version:
    """A marker that moves with every write an answer can depend on (see the module's doc)."""
    s, a, r = inventory_snapshots.c, asset_register.c, ranking_snapshots.c
    newest_import = select(a.imported_at).order_by(a.id.desc()).limit(1)
    query = select(
        select(s.id).order_by(s.id.desc()).limit(1).scalar_subquery(),
        newest_import.scalar_subquery(),
        select(units.c.updated_at).order_by(units.c.updated_at.desc()).limit(1).scalar_subquery(),
        select(r.id).order_by(r.id.desc()).limit(1).scalar_subquery(),
    )
    with store.engine.connect() as conn:
        row = conn.execute(query).one()
    markers = (*row, dt.date.today())  # ages and end-of-life dates move with the day too
    return hashlib.sha256(repr(markers).encode()).hexdigest()[:16]


@dataclass
class _Entry:
    value: Any
    weight: int


class ReadCache:
    def __init__(
        self,
        store: Store,
        answers: PromCounter,
        computes: int = COMPUTES_IN_FLIGHT,
        max_weight: int = MAX_CACHED_WEIGHT,
    ) -> None:
        self.store = store
        self.answers = answers  # ictinfra_collector_read_answers{kind, result}
        self.max_weight = max_weight
        self.workers = anyio.CapacityLimiter(computes)
        self.entries: OrderedDict[tuple[Hashable, Version], _Entry] = OrderedDict()
        self.weight = 0  # of the entries kept
        self.pending: dict[tuple[Hashable, Version], anyio.Event] = {}
        self.by_reader: Counter[str] = Counter()

    async def get(
        self,
        key: tuple[Hashable, ...],
        compute: Callable[[], T],
        *,
        reader: str,
        weight: Callable[[T], int] = lambda _value: 1,
        as_of: Version | None = None,
    ) -> tuple[T, Version]:
        """(The answer of `key`, its version): the one kept at `as_of` when still kept (the
        next pages of one list), else at the store's current version: kept, being computed
        (wait for it), or computed now in a worker thread. Rejection 429 when the workers or
        this reader are busy, 503 when the database is down."""
        if as_of is not None and (kept := self._kept(key, as_of)) is not None:
            return kept.value, as_of
        version = await self._version()
        slot = (key, version)
        while (event := self.pending.get(slot)) is not None:
            await event.wait()
        if (entry := self._kept(key, version)) is not None:
            return entry.value, version
        self.pending[slot] = anyio.Event()
        try:
            value = await self.run(compute, reader=reader)
        finally:
            self.pending.pop(slot).set()
        self.answers.labels(key[0], "computed").inc()
        self._keep(slot, value, weight(value))
        return value, version

    async def kept(self, key: tuple[Hashable, ...]) -> _Entry | None:
        """The answer of `key` kept at the current version, if any (computing nothing): an
        export looks for its bytes before it asks for what they are made of."""
        return self._kept(key, await self._version())

    def _kept(self, key: tuple[Hashable, ...], version: Version) -> _Entry | None:
        entry = self.entries.get((key, version))
        if entry is not None:
            self.entries.move_to_end((key, version))
            self.answers.labels(key[0], "kept").inc()
        return entry

    async def _version(self) -> Version:
        try:
            return await run_in_threadpool(data_version, self.store)
        except SQLAlchemyError:
            raise database_unavailable() from None

    async def run(self, compute: Callable[[], T], *, reader: str) -> T:
        """`compute` in a worker thread under the same limits, nothing kept (for an answer that
        moves with every write, as the web page's last contact of each site)."""
        self._admit(reader)
        self.by_reader[reader] += 1
        try:
            return await anyio.to_thread.run_sync(compute, limiter=self.workers)
        except SQLAlchemyError:
            raise database_unavailable() from None
        finally:
            self.by_reader[reader] -= 1
            if not self.by_reader[reader]:
                del self.by_reader[reader]

    def _admit(self, reader: str) -> None:
        if self.by_reader[reader] >= 1:
            raise Rejection(
                "busy",
                f"an answer for {reader} is already being computed; retry when it is done",
                429,
                {"Retry-After": RETRY_AFTER},
            )
        if self.by_reader.total() >= self.workers.total_tokens:
            raise Rejection(
                "busy",
                f"{self.workers.total_tokens:.0f} read answers are being computed; retry later",
                429,
                {"Retry-After": RETRY_AFTER},
            )

    def _keep(self, slot: tuple[Hashable, Version], value: Any, weight: int) -> None:
        """Older versions stay while there is room: a reader may still be paging through one."""
        weight = max(1, weight)  # an empty answer still holds an entry: it must be droppable
        if weight > self.max_weight:
            return
        if (replaced := self.entries.pop(slot, None)) is not None:
            self.weight -= replaced.weight
        self.entries[slot] = _Entry(value, weight)
        self.weight += weight
        while self.weight > self.max_weight:
            _, dropped = self.entries.popitem(last=False)
            self.weight -= dropped.weight
