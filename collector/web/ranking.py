"""The latest stored ranking (collector/ranking's snapshots), cut to the account's units."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection
from typing import Any

from collector.ranking.output import to_csv, to_xlsx
from collector.ranking.snapshots import Snapshot

MAX_EVIDENCE_SHOWN = 100  # per indicator of a unit on the page; the XLSX has all of it
MAX_EVIDENCE_PAGE = 5000  # on the whole page (a province of 3,000 communes stays readable)


def scoped(found: Snapshot | None, units: Collection[str]) -> Snapshot | None:
    """A stored run with only `units` in it (None stays None)."""
    if found is None:
        return None
    mine = [unit for unit in found.result["units"] if unit["code"] in units]
    return dataclasses.replace(found, result={**found.result, "units": mine})


def _evidence_text(item: dict[str, Any]) -> str:
    what = item.get("device") or item.get("office") or ""
    rest = ", ".join(
        f"{k}: {v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)}"
        for k, v in item.items()
        if k not in ("device", "office") and v not in (None, "")
    )
    return f"{what} ({rest})" if rest else str(what)


def view(snapshot: Snapshot, lang: str) -> dict[str, Any]:
    """The page's shape: the run, and its units by level (in the order of their depth)."""
    result = snapshot.result
    names = result["methodology"]["indicators"]
    levels: dict[str, list[dict[str, Any]]] = {}
    budget = MAX_EVIDENCE_PAGE
    for unit in sorted(result["units"], key=lambda u: (u["depth"], u["rank"] or 10**9, u["code"])):
        indicators = []
        for ident, ind in unit["indicators"].items():
            shown = ind["evidence"][: max(0, min(MAX_EVIDENCE_SHOWN, budget))]
            budget -= len(shown)
            indicators.append({
                "id": ident, "name": names[ident][lang],
                **{k: v for k, v in ind.items() if k != "evidence"},
                "evidence": [_evidence_text(e) for e in shown],
                "evidence_count": len(ind["evidence"]),
            })  # fmt: skip
        levels.setdefault(unit["level"], []).append({**unit, "indicators": indicators})
    return {
        "period": result["period"], "start": result["start"], "end": result["end"],
        "methodology": result["methodology"]["name"][lang], "id": snapshot.id,
        "created_at": snapshot.created_at, "sha256": snapshot.result_sha256,
        "indicator_names": [names[ident][lang] for ident in names], "levels": levels,
    }  # fmt: skip


def export(snapshot: Snapshot, kind: str) -> bytes:
    return to_csv(snapshot) if kind == "csv" else to_xlsx(snapshot)
