"""Code words of the collector's series in the dashboard's language: device classes, obsolescence
rules and their evidence (the collector's own words where it has them), the ranking's indicators
(from the shipped methodology file)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TypeVar

import yaml
from grafana_foundation_sdk.models import dashboard as dm

from collector.obsolete.words import CLASS_NAMES
from dashboards.text import Lang, T

CLASSES = {
    code: T(vi, en.removeprefix("an ").removeprefix("a ")) for code, (vi, en) in CLASS_NAMES.items()
}
RULES = {
    "max_age": T("quá niên hạn sử dụng", "past its service life"),
    "min_memory": T("thiếu bộ nhớ", "too little memory"),
    "min_cores": T("thiếu nhân CPU", "too few CPU cores"),
    "min_disk": T("thiếu dung lượng đĩa", "too little disk"),
    "min_port_speed": T("cổng mạng quá chậm", "ports too slow"),
    "os_eol": T("hệ điều hành hết hỗ trợ", "operating system out of support"),
    "firmware_eol": T("phần mềm thiết bị hết hỗ trợ", "firmware out of support"),
}
EVIDENCE = {
    "register": T("sổ tài sản (ngày mua)", "asset register (purchase date)"),
    "entity_mfg_date": T("ngày sản xuất (ENTITY-MIB)", "manufacturing date (ENTITY-MIB)"),
    "serial_date": T("ngày trong số sê-ri", "date in the serial number"),
    "bios_date": T("ngày BIOS (tối thiểu)", "BIOS date (a lower bound)"),
    "model_catalogue": T("năm ra mắt mẫu", "model release year"),
    "first_seen": T("lần thấy đầu tiên (tối thiểu)", "first seen (a lower bound)"),
    "reported": T("thiết bị tự báo cáo", "reported by the device"),
    "unknown": T("chưa rõ", "unknown"),
    "true": T("đã kiểm chứng", "verified"),
    "false": T("chưa kiểm chứng", "not verified"),
}
P = TypeVar("P")
METHODOLOGY = (
    Path(__file__).resolve().parents[1] / "collector/ranking/data/ictinfra-default-2026.yaml"
)


@cache
def indicators() -> dict[str, T]:
    """The shipped methodology's indicators by id, with their names."""
    document = yaml.safe_load(METHODOLOGY.read_text(encoding="utf-8"))
    return {
        ident: T(item["name"]["vi"], item["name"]["en"])
        for ident, item in document["indicators"].items()
    }


def named(panel: P, names: dict[str, T], lang: Lang) -> P:
    """The panel with a field override naming each series (legend = the code) in words."""
    for code, name in names.items():
        value = dm.DynamicConfigValue(id_val="displayName", value=name(lang))
        panel.override_by_name(code, [value])  # type: ignore[attr-defined]
    return panel
