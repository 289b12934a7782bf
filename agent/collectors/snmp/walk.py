"""Column walks: GETBULK of only the needed columns (several per request, groups in parallel),
GETNEXT for SNMPv1, and a fallback ladder for devices that mishandle GETBULK.

Every walk stays inside its column (no lexicographic run-on) and stops on a repeated OID, so a
broken agent cannot loop us. When a column's row count is expected (ifNumber for IF-MIB), a
GETBULK asks for no more rows than are still expected plus one to see the column's end, instead
of a whole block past it; a wrong expectation costs a request, never a row. What a device taught
us (smaller repetitions, no bulk) is kept in its `WalkPolicy` for the next poll.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from agent.collectors.snmp.decode import Value
from agent.collectors.snmp.session import Response, Session, VarBind

TOO_BIG, NO_SUCH_NAME = 1, 2
MAX_ROWS = 100_000  # per column: a guard against agents that never end a walk

Table = dict[str, dict[str, Value]]  # column OID -> {instance suffix: value}


class WalkError(Exception):
    """A walk could not finish; `kind` is the error label (timeout, auth, error_status, ...)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(slots=True)
class WalkPolicy:
    """How to walk one device; adjusted when the device mishandles GETBULK."""

    max_repetitions: int
    use_bulk: bool = True

    def degrade(self, failed_repetitions: int) -> None:
        """One step down from a failed GETBULK's size: repetitions / 4, then 1, then GETNEXT.

        Several walks of one device fail at once; only the first steps down, the others just
        retry at the level it reached.
        """
        if not self.use_bulk or self.max_repetitions < failed_repetitions:
            return
        if self.max_repetitions > 1:
            self.max_repetitions = max(1, self.max_repetitions // 4)
        else:
            self.use_bulk = False


@dataclass(slots=True)
class WalkStats:
    requests: int = 0
    varbinds: int = 0
    timeouts: int = 0
    fallbacks: int = 0
    errors: Counter[str] = field(default_factory=Counter)


def _kind_of(error: str) -> str:
    return error.split(":", 1)[0]


async def get_scalars(session: Session, oids: Sequence[str], stats: WalkStats) -> dict[str, Value]:
    """GET some scalars; SNMPv1's all-or-nothing noSuchName is retried without the missing OID."""
    wanted = list(oids)
    while wanted:
        response = _account(await session.get(wanted), stats)
        _raise_error(response)
        if response.error_status == NO_SUCH_NAME and 0 < response.error_index <= len(wanted):
            del wanted[response.error_index - 1]
            continue
        _raise_status(response)
        return {oid: value for oid, value in response.varbinds if value is not None}
    return {}


async def walk_columns(
    session: Session,
    columns: Sequence[str],
    policy: WalkPolicy,
    stats: WalkStats,
    *,
    columns_per_request: int = 4,
    parallel: int = 4,
    expected_rows: Mapping[str, int] | None = None,
) -> Table:
    """Walk table columns, `columns_per_request` per PDU, up to `parallel` PDUs in flight.

    `expected_rows` (column -> row count the device announced) only sizes GETBULK requests.
    """
    groups = [
        columns[i : i + columns_per_request] for i in range(0, len(columns), columns_per_request)
    ]
    gate = asyncio.Semaphore(parallel)

    async def one(group: Sequence[str]) -> Table:
        async with gate:
            return await _walk_group(session, group, policy, stats, expected_rows or {})

    table: Table = {}
    for part in await asyncio.gather(*(one(g) for g in groups)):
        table.update(part)
    return table


async def _walk_group(
    session: Session,
    columns: Sequence[str],
    policy: WalkPolicy,
    stats: WalkStats,
    expected_rows: Mapping[str, int],
) -> Table:
    table: Table = {column: {} for column in columns}
    last = {column: column for column in columns}
    active = list(columns)
    while active:
        cap = _repetitions_needed(active, table, expected_rows)
        response = await _request(session, [last[c] for c in active], policy, stats, cap)
        if response.error_status == NO_SUCH_NAME and 0 < response.error_index <= len(active):
            del active[response.error_index - 1]  # SNMPv1: this column ran off the MIB's end
            continue
        _raise_status(response)
        active = _consume(response.varbinds, active, last, table)
    return table


def _repetitions_needed(
    active: Sequence[str], table: Table, expected_rows: Mapping[str, int]
) -> int | None:
    """Rows still expected in the longest active column + 1, or None (no limit) when a column's
    count is unknown or already proved wrong by more rows than announced."""
    most = 0
    for column in active:
        expected = expected_rows.get(column)
        if expected is None or len(table[column]) > expected:
            return None
        most = max(most, expected - len(table[column]))
    return most + 1


def _consume(
    varbinds: list[VarBind], active: list[str], last: dict[str, str], table: Table
) -> list[str]:
    """Store a response's rows (interleaved by column); return the columns still going."""
    width = len(active)
    going = dict.fromkeys(active, True)
    for position, (oid, value) in enumerate(varbinds):
        column = active[position % width]
        if not going[column]:
            continue
        rows = table[column]
        index = oid[len(column) + 1 :]
        if (
            value is None
            or not oid.startswith(column + ".")
            or index in rows
            or len(rows) >= MAX_ROWS
        ):
            going[column] = False  # end of column, end of MIB, or a repeated OID
            continue
        rows[index] = value
        last[column] = oid
    if not varbinds:
        return []
    return [column for column in active if going[column]]


async def _request(
    session: Session, oids: list[str], policy: WalkPolicy, stats: WalkStats, cap: int | None
) -> Response:
    """One step of a walk, going down the fallback ladder while the device mishandles GETBULK.

    `cap` limits this GETBULK's repetitions; the policy's level is what a failure steps down from.
    """
    while True:
        bulk = policy.use_bulk and session.version != "1"
        repetitions = policy.max_repetitions
        if bulk:
            asked = repetitions if cap is None else min(repetitions, cap)
            response = _account(await session.bulk(oids, asked), stats)
        else:
            response = _account(await session.next(oids), stats)
        broken_bulk = bulk and (
            response.error == "timeout"
            or response.error_status not in (0, NO_SUCH_NAME)
            or (response.error is None and not response.varbinds)
        )
        if broken_bulk:
            policy.degrade(repetitions)
            stats.fallbacks += 1
            continue
        _raise_error(response)
        return response


def _account(response: Response, stats: WalkStats) -> Response:
    stats.requests += 1
    stats.varbinds += len(response.varbinds)
    if response.error:
        stats.timeouts += response.error == "timeout"
        stats.errors[_kind_of(response.error)] += 1
    elif response.error_status not in (0, NO_SUCH_NAME):
        stats.errors["error_status"] += 1
    return response


def _raise_error(response: Response) -> None:
    if response.error:
        kind, _, message = response.error.partition(": ")
        raise WalkError(kind, message or kind)


def _raise_status(response: Response) -> None:
    if response.error_status:
        raise WalkError("error_status", f"the device answered error-status {response.error_status}")
