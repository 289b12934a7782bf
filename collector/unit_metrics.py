"""The unit register's civil-servant counts on /metrics, for Grafana's per-civil-servant panels.

`ictinfra_unit_civil_servants{unit,level,<level>...}`: the registry's `staff` of each unit in
force today (the figure the ranking divides by), with one label per level at or above the unit,
named by the level (a commune below province 22: `province="22", commune="06655"`), so
`sum by (province) (...)` is a province's civil servants, its own office's and all below it. A
unit without a `staff` figure has no series. Read at scrape time, again only when an import has
moved the registry's change marker.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from collector.sites_csv import UnitRow
from collector.store import Store
from collector.store.registry import MAX_DEPTH
from collector.store.schema import units

NAME = "ictinfra_unit_civil_servants"
HELP = "Civil servants of the unit in the register (staff), labelled by every level at or above it."


def _in_force(unit: UnitRow, today: dt.date) -> bool:
    return (unit.valid_from is None or unit.valid_from <= today) and (
        unit.valid_to is None or unit.valid_to >= today
    )


def _places(rows: Sequence[UnitRow]) -> dict[str, dict[str, str]]:
    """Each unit's labels: its own level and every ancestor's, level name -> code."""
    by_code = {row.code: row for row in rows}
    places: dict[str, dict[str, str]] = {}
    for row in rows:
        place: dict[str, str] = {}
        unit: UnitRow | None = row
        for _ in range(MAX_DEPTH):  # import refuses cycles; the bound guards a hand-edited store
            if unit is None:
                break
            place.setdefault(unit.level, unit.code)
            unit = by_code.get(unit.parent_code) if unit.parent_code else None
        places[row.code] = place
    return places


def family(rows: Sequence[UnitRow], today: dt.date) -> GaugeMetricFamily:
    """The gauge for the register's rows (every row, for the ancestors; series for those in force
    today with a staff figure)."""
    levels = sorted({row.level for row in rows} - {"unit", "level"})
    gauge = GaugeMetricFamily(NAME, HELP, labels=["unit", "level", *levels])
    places = _places(rows)
    for row in rows:
        if row.staff is None or not _in_force(row, today):
            continue
        place = places[row.code]
        gauge.add_metric([row.code, row.level, *(place.get(level, "") for level in levels)],
                         row.staff)  # fmt: skip
    return gauge


class UnitMetrics(Collector):
    """Registered on the collector's /metrics registry beside the ranking's."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._rows: tuple[object, list[UnitRow]] | None = None
        self._family: tuple[object, dt.date, GaugeMetricFamily] | None = None

    def describe(self) -> list[Metric]:
        return []  # nothing at registration: the database is read at scrape time only

    def _register(self) -> tuple[object, list[UnitRow]] | None:
        """(The register's change marker, its units), read again only when the marker moved."""
        try:
            with self.store.engine.connect() as conn:
                marker = conn.scalar(select(func.max(units.c.updated_at)))
            if self._rows is None or self._rows[0] != marker:
                self._rows = (marker, self.store.registry.export_units())
        except SQLAlchemyError:
            pass  # /metrics stays up with the last register read
        return self._rows

    def collect(self) -> Iterator[Metric]:
        register, today = self._register(), dt.date.today()
        if register is None or not register[1]:
            return
        marker, rows = register
        if self._family is None or self._family[:2] != (marker, today):
            self._family = (marker, today, family(rows, today))  # built once per change or day
        yield self._family[2]
