"""Walked rows as other collectors get them: (numeric OID without the leading dot, value).

Pure helpers shared by the row parsers (ifmib.interfaces, bridge, system.sys_uptime_seconds), so
they work on recordings and on whichever walker feeds them.
"""

from __future__ import annotations

RowValue = int | str | bytes
Row = tuple[str, RowValue]


def text(value: RowValue) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def integer(value: RowValue) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def split(oid: str, table: str) -> tuple[int, str] | None:
    """`<table>.<column>.<index...>` -> (column, index), or None when not in `table`."""
    if not oid.startswith(table + "."):
        return None
    column, _, index = oid[len(table) + 1 :].partition(".")
    return (int(column), index) if column.isdigit() and index else None
