"""A stored ranking as JSON (the contract shape), CSV (UTF-8 with BOM, for Excel) or XLSX."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from collector.ranking.snapshots import Snapshot

UNIT_HEADERS = (
    "Mã đơn vị",
    "Tên đơn vị",
    "Cấp",
    "Đơn vị cấp trên",
    "Tổng điểm",
    "Xếp hạng",
    "Độ phủ dữ liệu",
    "Ghi chú",
)
INDICATOR_PARTS = (("numerator", "a"), ("denominator", "b"), ("value", "tỷ lệ"), ("score", "điểm"))
EVIDENCE_HEADERS = ("Mã đơn vị", "Chỉ tiêu", "Thiết bị / văn phòng", "Loại", "Chi tiết")
FLAG_TEXT = {"insufficient_data": "không đủ dữ liệu"}


def to_json(snapshot: Snapshot) -> str:
    body = {
        **snapshot.result,
        "snapshot": {"id": snapshot.id, "result_sha256": snapshot.result_sha256},
    }
    # compact: with `indent` the json module falls back to its pure-Python encoder (10,000 units
    # with their evidence: 35 s instead of 2 s); `jq .` pretty-prints it
    return json.dumps(body, ensure_ascii=False) + "\n"


def _headers(result: dict[str, Any]) -> list[str]:
    names = result["methodology"]["indicators"]
    return [*UNIT_HEADERS] + [
        f"{names[ident]['vi']} ({part})" for ident in names for _, part in INDICATOR_PARTS
    ]


def _flags(unit: dict[str, Any]) -> str:
    words = [FLAG_TEXT.get(flag, flag) for flag in unit["flags"]]
    if unit["excluded_children"]:
        words.append("không tính: " + ", ".join(unit["excluded_children"]))
    return "; ".join(words)


def _unit_row(unit: dict[str, Any]) -> list[Any]:
    row: list[Any] = [
        unit["code"], unit["name"], unit["level"], unit["parent_code"] or "",
        unit["total"], unit["rank"], unit["coverage"], _flags(unit),
    ]  # fmt: skip
    for indicator in unit["indicators"].values():
        row.extend(indicator[key] for key, _ in INDICATOR_PARTS)
    return row


def to_csv(snapshot: Snapshot) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_headers(snapshot.result))
    for unit in snapshot.result["units"]:
        writer.writerow(["" if v is None else v for v in _unit_row(unit)])
    return out.getvalue().encode("utf-8-sig")


def _evidence_rows(result: dict[str, Any]) -> Iterator[list[Any]]:
    for unit in result["units"]:
        for ident, indicator in unit["indicators"].items():
            for item in indicator.get("evidence", []):
                what = item.get("device") or item.get("office")
                kind = item.get("class") or "office"
                detail = {k: v for k, v in item.items() if k not in ("device", "office", "class")}
                yield [unit["code"], ident, what, kind, json.dumps(detail, ensure_ascii=False)]


def _distribution(workbook: Any, result: dict[str, Any], width: float) -> None:
    from openpyxl.chart import BarChart, Reference

    sheet = workbook.create_sheet("Phân bố")
    levels = sorted({u["level"] for u in result["units"]})
    sheet.append(["Tổng điểm", *levels])
    top = max((u["total"] or 0 for u in result["units"]), default=0)
    bins = max(1, int(top // width) + 1)
    for index in range(bins):
        low = index * width
        counts = [
            sum(
                1 for u in result["units"]
                if u["level"] == level and u["total"] is not None
                and low <= u["total"] < low + width
            )
            for level in levels
        ]  # fmt: skip
        sheet.append([f"{low:g}-{low + width:g}", *counts])
    chart = BarChart()
    chart.title = "Phân bố tổng điểm"
    chart.y_axis.title = "Số đơn vị"
    chart.x_axis.title = "Tổng điểm"
    data = Reference(sheet, min_col=2, max_col=1 + len(levels), min_row=1, max_row=1 + bins)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=1 + bins))
    sheet.add_chart(chart, "F2")


def to_xlsx(snapshot: Snapshot) -> bytes:
    from openpyxl import Workbook

    result = snapshot.result
    workbook = Workbook()
    workbook.remove(workbook.active)
    headers = _headers(result)
    for level in dict.fromkeys(u["level"] for u in result["units"]):
        sheet = workbook.create_sheet(level[:31])
        sheet.append(headers)
        for unit in result["units"]:
            if unit["level"] == level:
                sheet.append(_unit_row(unit))
        sheet.freeze_panes = "C2"
    evidence = workbook.create_sheet("Bằng chứng")
    evidence.append(EVIDENCE_HEADERS)
    for row in _evidence_rows(result):
        evidence.append(row)
    _distribution(workbook, result, width=20.0)
    info = workbook.create_sheet("Phương pháp")
    meta = result["methodology"]
    for key, value in (
        ("Kỳ", result["period"]), ("Từ", result["start"]), ("Đến", result["end"]),
        ("Phương pháp", meta["id"]), ("Phiên bản", meta["version"]), ("SHA-256", meta["sha256"]),
        ("SHA-256 kết quả", snapshot.result_sha256), ("Lần chạy", snapshot.id),
    ):  # fmt: skip
        info.append([key, value])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
