"""The overview's table of the worst sites: the sites among the N worst of the chosen place by any
of the latest ranking's total, gateway availability, obsolete devices, silence and bandwidth per
civil servant, with every one of those figures and their place (sortable by each column)."""

from __future__ import annotations

from dataclasses import dataclass

from grafana_foundation_sdk.builders import common
from grafana_foundation_sdk.models import dashboard as dm

from dashboards import obsolete, ranking
from dashboards.frame import uid_for
from dashboards.hierarchy import SITE
from dashboards.panels import AVAILABILITY, SILENCE, Look, Q, Steps, grid
from dashboards.place import PLACE_LABELS, placed, sites_in_place
from dashboards.silence import silence
from dashboards.site import UID as SITE_UID
from dashboards.staff import PER_STAFF, per_unit
from dashboards.text import Lang, T

SITE_PLACE = f"site, {PLACE_LABELS}"
N = 10  # per criterion: the table holds up to 5 N sites
PLACE_COLUMNS = {
    name: obsolete.COLUMNS[name] for name in ("site", "province", "district", "commune")
}


def of_sites(expr: str) -> str:
    """`expr` (labelled `unit`) of the units that are chosen sites, labelled by their place."""
    return placed(f'max by (site) (label_replace({expr}, "site", "$1", "unit", "(.+)"))')


TOTAL = of_sites("ictinfra_ranking_total_score")
OBSOLETE = (
    f"{placed('count by (site) (group by (site, device) (ictinfra_device_obsolete))')}"
    f" or {sites_in_place()} * 0"
)


@dataclass(frozen=True, slots=True)
class Column:
    title: T
    expr: str  # one series per site, labelled by SITE_PLACE only
    worst: str  # bottomk: the lowest are the worst; topk: the highest
    unit: str | T
    steps: Steps | None = None
    decimals: int | None = None


COLUMNS = (
    Column(T("Tổng điểm xếp hạng", "Ranking total"), TOTAL, "bottomk", ranking.POINTS, decimals=1),
    Column(
        T("Cổng mặc định sẵn sàng", "Gateway availability"),
        f"min by ({SITE_PLACE}) (ictinfra_lan_gateway_reachable_ratio{{{SITE}}})",
        "bottomk", "percentunit", AVAILABILITY, 2,
    ),
    Column(T("Thiết bị lạc hậu", "Obsolete devices"), OBSOLETE, "topk", "short",
           ((None, "green"), (1, "orange")), 0),
    Column(T("Im lặng", "Silent for"), silence(), "topk", "dtdurations", SILENCE),
    Column(T("Băng thông/CBCCVC", "Bandwidth per civil servant"), of_sites(per_unit()),
           "bottomk", "bps", PER_STAFF),
)  # fmt: skip


def worst_sites() -> str:
    """One series per site among the N worst of any column."""
    return f"group by (site) ({' or '.join(f'{c.worst}({N}, {c.expr})' for c in COLUMNS)})"


def _properties(column: Column, lang: Lang) -> list[dm.DynamicConfigValue]:
    unit = column.unit(lang) if isinstance(column.unit, T) else column.unit
    found = [
        dm.DynamicConfigValue(id_val="displayName", value=column.title(lang)),
        dm.DynamicConfigValue(id_val="unit", value=unit),
    ]
    if column.steps is not None:
        steps = [{"value": value, "color": colour} for value, colour in column.steps]
        found.append(
            dm.DynamicConfigValue(id_val="thresholds", value={"mode": "absolute", "steps": steps})
        )
    if column.decimals is not None:
        found.append(dm.DynamicConfigValue(id_val="decimals", value=column.decimals))
    return found


def _site_link(lang: Lang) -> dm.DynamicConfigValue:
    """The site column (matched by its header after the rename) opens the site's detail board."""
    url = (
        f"/d/{uid_for(SITE_UID, lang)}?var-site=${{__value.raw}}&${{datasource:queryparam}}"
        "&${__url_time_range}"
    )
    title = T("Chi tiết điểm ${__value.raw}", "Site detail: ${__value.raw}")(lang)
    return dm.DynamicConfigValue(id_val="links", value=[{"title": title, "url": url}])


def table(lang: Lang) -> object:
    worst = worst_sites()
    queries = [Q(f"{column.expr} and on (site) {worst}", instant=True) for column in COLUMNS]
    panel = grid(
        T("Các điểm kém nhất", "The worst sites"),
        T(
            f"Điểm nằm trong {N} điểm kém nhất theo bất kỳ cột nào: tổng điểm xếp hạng (lần mới "
            "nhất), cổng mặc định sẵn sàng (24 h), số thiết bị lạc hậu, thời gian im lặng, băng "
            "thông Internet trên mỗi CBCCVC (bit/giây). Bấm tiêu đề cột để sắp xếp.",
            f"Sites among the {N} worst by any column: the latest ranking's total, gateway "
            "availability (24 h), obsolete devices, time silent, Internet bandwidth per civil "
            "servant (bits per second). Click a header to sort.",
        ),
        queries,
        Look(width=24, height=12),
        lang,
        names=PLACE_COLUMNS,
    )
    for i, column in enumerate(COLUMNS):
        panel.override_by_name(f"Value #{chr(ord('A') + i)}", _properties(column, lang))
    panel.override_by_name(PLACE_COLUMNS["site"](lang), [_site_link(lang)])
    first = COLUMNS[0].title(lang)
    return panel.sort_by([common.TableSortByFieldState().display_name(first).desc(False)])
