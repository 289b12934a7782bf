"""The obsolete list as the contract's JSON and as CSV (UTF-8 with BOM, so Excel opens it).

`{"devices": [...]}` holds the devices obsolete on `at`; `soon_obsolete` those that become obsolete
by `until` (the budget-planning view); `unknown` what could not be judged on each device. `text`
is in the chosen language, `text_vi` and `text_en` are both always there.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from typing import Any

from collector.devices.model import AgeEvidence, ObsoleteVerdict
from collector.obsolete.engine import Split

CSV_COLUMNS = (
    "list", "site", "device", "class", "vendor", "model", "serial", "mac", "age_years",
    "age_source", "rule", "text", "since", "verified",
)  # fmt: skip


def _age(age: AgeEvidence | None) -> dict[str, Any] | None:
    if age is None:
        return None
    return {**dataclasses.asdict(age), "date": age.date.isoformat()}


def device_item(verdict: ObsoleteVerdict, lang: str) -> dict[str, Any]:
    device = verdict.device
    return {
        "site": device.site,
        "device": device.device,
        "class": device.device_class,
        "vendor": device.vendor,
        "vendor_reported": device.vendor_reported,
        "model": device.model,
        "serial": device.serial,
        "mac": device.mac,
        "age_years": verdict.age_years,
        "age_evidence": _age(verdict.age_evidence),
        "reasons": [
            {
                "rule": r.rule,
                "text": r.text_vi if lang == "vi" else r.text_en,
                "text_vi": r.text_vi,
                "text_en": r.text_en,
                "since": r.since.isoformat() if r.since else None,
                "source": r.source,
                "verified": r.verified,
            }
            for r in verdict.reasons
        ],
        "since": verdict.since.isoformat() if verdict.since else None,
        "unknown": [
            {
                "rule": u.rule,
                "text": u.text_vi if lang == "vi" else u.text_en,
                "text_vi": u.text_vi,
                "text_en": u.text_en,
            }
            for u in verdict.unknown
        ],
    }


def report(split: Split, rules: dict[str, Any], at: dt.date, lang: str) -> dict[str, Any]:
    everyone = split.obsolete + split.soon + split.in_life
    return {
        "at": at.isoformat(),
        "until": split.until.isoformat(),
        "lang": lang,
        "rules": rules,
        "counts": {
            "devices": len(everyone),
            "obsolete": len(split.obsolete),
            "soon_obsolete": len(split.soon),
            "with_unknown": sum(1 for v in everyone if v.unknown),
        },
        "devices": [device_item(v, lang) for v in split.obsolete],
        "soon_obsolete": [
            device_item(v, lang) for v in sorted(split.soon, key=lambda v: v.since or at)
        ],
        "unknown": [device_item(v, lang) for v in split.in_life if v.unknown],
    }


def _rows(listed: str, items: list[dict[str, Any]]) -> list[list[Any]]:
    rows = []
    for item in items:
        age_source = (item["age_evidence"] or {}).get("source")
        head = [listed, *(item[key] for key in CSV_COLUMNS[1:9]), age_source]
        if listed == "unknown":
            lines = [(u["rule"], u["text"], None, None) for u in item["unknown"]]
        else:
            lines = [(r["rule"], r["text"], r["since"], r["verified"]) for r in item["reasons"]]
        rows += [[*head, *line] for line in lines]
    return rows


def format_csv(data: dict[str, Any]) -> str:
    """One row per reason (per unknown in the `unknown` list); `list` says which list."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for name in ("devices", "soon_obsolete", "unknown"):
        listed = "obsolete" if name == "devices" else name
        writer.writerows(_rows(listed, data[name]))
    return out.getvalue()
