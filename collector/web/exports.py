"""A table (header + rows) as CSV (UTF-8 with BOM, as the CLI's) or as an XLSX workbook."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def parse_csv(text: str) -> tuple[list[str], list[list[str]]]:
    """The header and rows of one of the CSV exports (to write the same table as XLSX)."""
    header, *rows = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    return header, rows


def table_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def table_xlsx(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])

    def cell(value: Any) -> Any:
        if not isinstance(value, str) or value[:1] != "=":
            return value
        text = WriteOnlyCell(sheet, value=value)
        text.data_type = "s"  # a device name "=HYPERLINK(...)" stays text, never a formula
        return text

    sheet.append(list(header))
    for row in rows:
        sheet.append([cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
