"""Placing the collector's own series in the hierarchy.

What the collector exposes on its /metrics (scraped by Prometheus) knows only `site` (the
last-seen gauge, the obsolete list) or `unit` and `level` (the ranking); the province, district
and commune labels are on the agents' pushed series. These expressions take the place of each
site from those over LOOKBACK, filtered by the dashboard's variables: a site silent for longer
drops out of the panels built on them.
"""

from __future__ import annotations

from dashboards.hierarchy import LEVELS, PRESENCE, SITE

LOOKBACK = "7d"
PLACE_LABELS = "province, district, commune"


def sites_in_place() -> str:
    """One series (value 1) per site matching the variables, with its province/district/commune."""
    return f"group by (site, {PLACE_LABELS}) (last_over_time({PRESENCE}{{{SITE}}}[{LOOKBACK}]))"


def placed(expr: str) -> str:
    """`expr` (labelled by `site`) restricted to the chosen sites, with their place labels."""
    return f"({expr}) * on (site) group_left ({PLACE_LABELS}) {sites_in_place()}"


def units_in_place() -> str:
    """One series `{unit}` per unit at any level above or at a chosen site: the units that the
    chosen province/district/commune/site are, contain or lie in."""
    levels = [
        f'label_replace({sites_in_place()}, "unit", "$1", "{name}", "(.+)")'
        for name, _, _ in LEVELS
    ]
    return f"group by (unit) ({' or '.join(levels)})"


def unit_in_place(expr: str) -> str:
    """`expr` (labelled by `unit`: the ranking) restricted to the units of the chosen place."""
    return f"({expr}) * on (unit) group_left () {units_in_place()}"
