"""The asset register: the assets CSV (parse, format), its table, and matching to devices seen.

CSV columns `site_code,class,serial,mac,vendor,model,purchase_date` (more may follow; they are
kept and written back). An import replaces the whole register in one transaction, all rows or
none; every bad row is named with its line and reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, cast

from sqlalchemy import Engine, select

from collector.devices.model import REGISTER_CLASSES, DeviceClass, RegisterEntry
from collector.sites_csv import CsvError, csv_rows
from collector.store.schema import asset_register

ASSET_COLUMNS = ("site_code", "class", "serial", "mac", "vendor", "model", "purchase_date")
Precision = Literal["day", "month", "year"]
_MAC_HEX = re.compile(r"^[0-9a-f]{12}$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
EARLIEST_YEAR = 1970


def normalise_mac(text: str) -> str | None:
    """`aa:bb:cc:dd:ee:ff` from the usual spellings (colons, dashes, Cisco dots, bare hex)."""
    bare = re.sub(r"[:\-.\s]", "", text.strip().lower())
    if not _MAC_HEX.match(bare):
        return None
    return ":".join(bare[i : i + 2] for i in range(0, 12, 2))


def normalise_serial(text: str | None) -> str | None:
    cleaned = (text or "").strip().upper()
    return cleaned or None


def parse_purchase_date(text: str, today: dt.date) -> tuple[dt.date, Precision]:
    """`YYYY-MM-DD`, `YYYY-MM` or `YYYY`; ValueError for an impossible or future date."""
    match = _DATE.match(text)
    if match is None:
        raise ValueError(f"purchase_date {text!r} must be YYYY-MM-DD, YYYY-MM or YYYY")
    year, month, day = match.group(1), match.group(2), match.group(3)
    precision: Precision = "day" if day else "month" if month else "year"
    try:
        date = dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise ValueError(f"purchase_date {text!r} is not a date of the calendar") from None
    if date.year < EARLIEST_YEAR:
        raise ValueError(f"purchase_date {text!r} is before {EARLIEST_YEAR}")
    if date > today:
        raise ValueError(f"purchase_date {text!r} is in the future")
    return date, precision


@dataclass(frozen=True, slots=True)
class AssetRow:
    entry: RegisterEntry
    extra: dict[str, str] = field(default_factory=dict)


def _entry(line: int, row: dict[str, str], sites: Collection[str], today: dt.date) -> AssetRow:
    problems = []
    if row["site_code"] not in sites:
        problems.append(f"unknown site {row['site_code']!r}")
    if row["class"] not in REGISTER_CLASSES:
        problems.append(f"unknown class {row['class']!r} (one of {', '.join(REGISTER_CLASSES)})")
    mac = normalise_mac(row["mac"]) if row["mac"] else None
    if row["mac"] and mac is None:
        problems.append(f"mac {row['mac']!r} is not a MAC address")
    serial = normalise_serial(row["serial"])
    if not serial and not row["mac"]:
        problems.append("neither serial nor mac: the row cannot be matched to a device")
    date, precision = None, None
    if row["purchase_date"]:
        try:
            date, precision = parse_purchase_date(row["purchase_date"], today)
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        raise ValueError("; ".join(problems))
    entry = RegisterEntry(
        site_code=row["site_code"],
        device_class=cast(DeviceClass, row["class"]),
        serial=serial,
        mac=mac,
        vendor=row["vendor"] or None,
        model=row["model"] or None,
        purchase_date=date,
        purchase_precision=precision,
        line=line,
    )
    extra = {k: v for k, v in row.items() if k not in ASSET_COLUMNS and v}
    return AssetRow(entry, extra)


def _duplicate(line: int, row: dict[str, str], first: dict[tuple[str, str], int]) -> list[str]:
    """A serial or MAC already on an earlier line (compared as normalised)."""
    problems = []
    keys = (("serial", normalise_serial(row["serial"])), ("mac", normalise_mac(row["mac"])))
    for column, value in keys:
        if value is None:
            continue
        earlier = first.setdefault((column, value), line)
        if earlier != line:
            problems.append(
                f"line {line}: duplicate {column} {value!r} (already on line {earlier})"
            )
    return problems


def parse_assets_csv(
    text: str, sites: Collection[str], source: str = "assets.csv", today: dt.date | None = None
) -> list[AssetRow]:
    """Every row of an assets CSV; CsvError listing every bad row (lines count the header)."""
    today = today or dt.date.today()
    rows: list[AssetRow] = []
    problems: list[str] = []
    first: dict[tuple[str, str], int] = {}
    for line, row in csv_rows(text, source, ASSET_COLUMNS, (), more_columns=True):
        try:
            rows.append(_entry(line, row, sites, today))
        except ValueError as exc:
            problems.append(f"line {line}: {exc}")
        problems += _duplicate(line, row, first)
    if problems:
        raise CsvError(source, problems)
    if not rows:
        raise CsvError(source, ["no rows in the file"])
    return rows


def format_assets_csv(rows: Iterable[AssetRow]) -> str:
    rows = list(rows)
    extras = sorted({key for row in rows for key in row.extra})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ASSET_COLUMNS + tuple(extras))
    for row in rows:
        entry = row.entry
        writer.writerow(
            [
                entry.site_code,
                entry.device_class,
                entry.serial or "",
                entry.mac or "",
                entry.vendor or "",
                entry.model or "",
                _format_date(entry),
                *(row.extra.get(key, "") for key in extras),
            ]
        )
    return out.getvalue()


def _format_date(entry: RegisterEntry) -> str:
    if entry.purchase_date is None:
        return ""
    shown = {"year": "%Y", "month": "%Y-%m"}.get(entry.purchase_precision or "day", "%Y-%m-%d")
    return entry.purchase_date.strftime(shown)


class AssetRegister:
    """The register's table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def replace(self, rows: Sequence[AssetRow]) -> int:
        """The register becomes exactly these rows (one transaction)."""
        now = time.time()
        with self.engine.begin() as conn:
            conn.execute(asset_register.delete())
            if rows:
                conn.execute(asset_register.insert(), [_values(row, now) for row in rows])
        return len(rows)

    def rows(self, sites: Collection[str] | None = None) -> list[AssetRow]:
        query = select(asset_register).order_by(asset_register.c.site_code, asset_register.c.line)
        if sites is not None:
            query = query.where(asset_register.c.site_code.in_(list(sites)))
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(query)]


def _values(row: AssetRow, now: float) -> dict[str, object]:
    entry = row.entry
    return {
        "site_code": entry.site_code,
        "device_class": entry.device_class,
        "serial": entry.serial,
        "mac": entry.mac,
        "vendor": entry.vendor,
        "model": entry.model,
        "purchase_date": entry.purchase_date,
        "purchase_precision": entry.purchase_precision,
        "line": entry.line,
        "extra": json.dumps(row.extra, ensure_ascii=False) if row.extra else None,
        "imported_at": now,
    }


def _row(r: object) -> AssetRow:
    get = r._mapping  # type: ignore[attr-defined]
    entry = RegisterEntry(
        site_code=get["site_code"],
        device_class=get["device_class"],
        serial=get["serial"],
        mac=get["mac"],
        vendor=get["vendor"],
        model=get["model"],
        purchase_date=get["purchase_date"],
        purchase_precision=get["purchase_precision"],
        line=get["line"],
    )
    return AssetRow(entry, json.loads(get["extra"]) if get["extra"] else {})


class RegisterIndex:
    """Finds the register row of a device seen: by MAC, by serial."""

    def __init__(self, entries: Iterable[RegisterEntry]) -> None:
        self.entries = list(entries)
        self.by_mac = {e.mac: e for e in self.entries if e.mac}
        self.by_serial = {e.serial: e for e in self.entries if e.serial}
        self.matched: set[int] = set()

    def _take(self, entry: RegisterEntry | None, how: str) -> tuple[RegisterEntry, str] | None:
        if entry is None:
            return None
        self.matched.add(id(entry))
        return entry, how

    def by_serial_of(self, serial: str | None, how: str) -> tuple[RegisterEntry, str] | None:
        key = normalise_serial(serial)
        return self._take(self.by_serial.get(key), how) if key else None

    def by_macs(self, macs: Iterable[str]) -> tuple[RegisterEntry, str] | None:
        for mac in macs:
            found = self._take(self.by_mac.get(mac), "mac")
            if found:
                return found
        return None

    def unmatched(self) -> list[RegisterEntry]:
        return [e for e in self.entries if id(e) not in self.matched]
