"""Scores and ranks every unit of the registry's hierarchy (any depth: the hierarchy is data).

A unit above sums its own site's and its children's numerators and denominators, then scores
the sums; it never averages children's scores. Children below the coverage floor are left out of
the sums and named. Ranks are among units of the same level; ties share a rank.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from collector.devices.model import SeenDevice
from collector.ranking.measure import Measured
from collector.ranking.methodology import Indicator, Methodology
from collector.ranking.terms import DeviceKey, SiteTerms, offices_of, site_terms
from collector.sites_csv import UnitRow

INSUFFICIENT = "insufficient_data"


@dataclass
class Node:
    unit: UnitRow
    depth: int
    own: SiteTerms
    is_site: bool
    own_coverage: float
    sums: dict[str, float] = field(default_factory=dict)
    site_coverages: list[float] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    from_units: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)

    @property
    def coverage(self) -> float:
        return sum(self.site_coverages) / len(self.site_coverages) if self.site_coverages else 0.0


def _nodes(
    units: Sequence[UnitRow],
    measured: Measured,
    devices: Sequence[SeenDevice],
    obsolete: Mapping[DeviceKey, bool],
    rules: Methodology,
) -> dict[str, Node]:
    offices = offices_of(measured, rules)
    by_site: dict[str, list[SeenDevice]] = {}
    for device in devices:
        by_site.setdefault(device.site, []).append(device)
    parents = {u.parent_code for u in units}
    steps = max(1, measured.period_steps)
    nodes = {}
    for unit in units:
        own = site_terms(
            offices.get(unit.code, []), by_site.get(unit.code, []), obsolete, measured, rules
        )
        own.add("staff", float(unit.staff or 0))
        own.add("offices", float(unit.offices or 0))
        reported = measured.values["site_reporting"].get((unit.code,), 0.0)
        # a unit with children and no agent of its own (a province office) is not a site
        is_site = reported > 0 or unit.code not in parents
        nodes[unit.code] = Node(unit, 0, own, is_site, min(1.0, reported / steps))
    return nodes


def _aggregate(node: Node, children: dict[str, list[Node]], floor: float, depth: int) -> None:
    node.depth = depth
    if node.is_site:
        node.site_coverages.append(node.own_coverage)
    own_ok = not node.is_site or node.own_coverage >= floor
    node.sums = dict(node.own.values) if own_ok else {}
    if not own_ok:
        node.flags.add("own_site_insufficient")
        # its registry figures stay in b: an office that did not report meets no criterion
        node.sums = {"staff": node.own.values["staff"], "offices": node.own.values["offices"]}
    for child in children.get(node.unit.code, []):
        _aggregate(child, children, floor, depth + 1)
        node.site_coverages.extend(child.site_coverages)
        if INSUFFICIENT in child.flags:
            node.excluded.append(child.unit.code)
            continue
        node.from_units.append(child.unit.code)
        for term, amount in child.sums.items():
            node.sums[term] = node.sums.get(term, 0.0) + amount
    if node.coverage < floor:
        node.flags.add(INSUFFICIENT)
    if node.excluded:
        node.flags.add("excluded_children")
    node.flags |= node.own.flags


def _score(indicator: Indicator, a: float, b: float, best: float) -> tuple[float | None, float]:
    if b <= 0:
        full = indicator.when_denominator_zero == "full_points"
        return None, indicator.max_points if full else 0.0
    value = a / b
    share = value
    if indicator.score == "relative_to_best":
        share = value / best if best > 0 else 0.0
    return value, min(1.0, share) * indicator.max_points


def _ranks(rows: list[dict[str, Any]]) -> None:
    """Competition ranking (1, 1, 3) by total among the same level's scored units."""
    by_level: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["rank"] is not False:
            by_level.setdefault(row["level"], []).append(row)
    for peers in by_level.values():
        peers.sort(key=lambda r: -r["total"])
        for place, row in enumerate(peers):
            above = peers[place - 1] if place else None
            row["rank"] = above["rank"] if above and above["total"] == row["total"] else place + 1


def _best(nodes: list[Node], rules: Methodology) -> dict[tuple[str, str], float]:
    best: dict[tuple[str, str], float] = {}
    for node in nodes:
        if INSUFFICIENT in node.flags:
            continue
        for ident, indicator in rules.indicators.items():
            b = node.sums.get(indicator.denominator, 0.0)
            if b > 0:
                value = node.sums.get(indicator.numerator, 0.0) / b
                key = (node.unit.level, ident)
                best[key] = max(best.get(key, 0.0), value)
    return best


def _row(node: Node, rules: Methodology, best: dict[tuple[str, str], float]) -> dict[str, Any]:
    indicators: dict[str, Any] = {}
    flags = set(node.flags)
    for ident, ind in rules.indicators.items():
        a = node.sums.get(ind.numerator, 0.0)
        b = node.sums.get(ind.denominator, 0.0)
        value, score = _score(ind, a, b, best.get((node.unit.level, ident), 0.0))
        if b <= 0:
            flags.add(ind.zero_flag or f"no_{ind.denominator}")
        indicators[ident] = {
            "numerator": round(a, 6),
            "denominator": round(b, 6),
            "value": None if value is None else round(value, 6),
            "score": round(score, 4),
            "max_points": ind.max_points,
            "coverage": round(node.coverage, 6),
            "evidence": node.own.evidence.get(ind.numerator, []),
        }
    scored = INSUFFICIENT not in flags
    return {
        "code": node.unit.code,
        "name": node.unit.name,
        "level": node.unit.level,
        "parent_code": node.unit.parent_code,
        "depth": node.depth,
        "total": round(sum(i["score"] for i in indicators.values()), 4) if scored else None,
        "rank": None if scored else False,
        "coverage": round(node.coverage, 6),
        "flags": sorted(flags),
        "excluded_children": sorted(node.excluded),
        "from_units": sorted(node.from_units),
        "indicators": indicators,
    }


def rank_units(
    units: Sequence[UnitRow],
    measured: Measured,
    devices: Sequence[SeenDevice],
    obsolete: Mapping[DeviceKey, bool],
    rules: Methodology,
) -> list[dict[str, Any]]:
    nodes = _nodes(units, measured, devices, obsolete, rules)
    children: dict[str, list[Node]] = {}
    for node in sorted(nodes.values(), key=lambda n: n.unit.code):
        if node.unit.parent_code in nodes:
            children.setdefault(node.unit.parent_code or "", []).append(node)
    for node in nodes.values():
        if node.unit.parent_code not in nodes:
            _aggregate(node, children, rules.coverage_floor, 0)
    ordered = sorted(nodes.values(), key=lambda n: (n.depth, n.unit.code))
    best = _best(ordered, rules)
    rows = [_row(node, rules, best) for node in ordered]
    _ranks(rows)
    for row in rows:
        if row["rank"] is False:
            row["rank"] = None
    return rows
