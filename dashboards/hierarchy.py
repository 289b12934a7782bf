"""The template variables every dashboard shares: datasource, then the administrative hierarchy.

The collector stamps every pushed series with `site` and one label per ancestor unit, named by its
level in the registry (collector/store/registry.py): `province` and, before the 2025
reorganisation, `district`; `commune` when the site is an office below a commune. A level the
registry does not have is simply absent from a series, and `=~".*"` also matches an absent label,
so "All" (allValue `.*`) makes the district and commune filters vanish for the post-2025 hierarchy
(province -> commune) while they narrow the pre-2025 one (province -> district -> commune).
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.models import dashboard as dm

from dashboards.text import Lang, T

DATASOURCE = dm.DataSourceRef(type_val="prometheus", uid="${datasource}")
#: Series every agent pushes (one per collector it runs): the variables list units from it.
PRESENCE = "ictinfra_collector_success"

PLACE = 'province=~"$province", district=~"$district", commune=~"$commune"'
SITE = f'{PLACE}, site=~"$site"'
DEVICE = f'{SITE}, device=~"$device"'

LEVELS = (
    ("province", T("Tỉnh/Thành phố", "Province"), ""),
    ("district", T("Quận/Huyện (trước 2025)", "District (before 2025)"), 'province=~"$province"'),
    ("commune", T("Xã/Phường", "Commune"), 'province=~"$province", district=~"$district"'),
    ("site", T("Điểm", "Site"), PLACE),
)
DESCRIPTIONS = {
    "district": T(
        "Chỉ có ở đơn vị còn cấp huyện (trước 1/7/2025); trống với mô hình tỉnh → xã.",
        "Only for units still under a district (before 1 July 2025); empty for province → commune.",
    ),
    "commune": T(
        "Xã/phường chứa điểm (khi điểm là cơ quan thuộc xã).",
        "The commune above the site (when the site is an office within a commune).",
    ),
}


def datasource_variable(lang: Lang) -> db.DatasourceVariable:
    return (
        db.DatasourceVariable("datasource")
        .label(T("Nguồn dữ liệu", "Data source")(lang))
        .type("prometheus")
    )


def query_variable(name: str, label: str, query: str, multi: bool = True) -> db.QueryVariable:
    variable = (
        db.QueryVariable(name)
        .label(label)
        .datasource(DATASOURCE)
        .query({"query": query, "refId": f"{name}-variable"})
        .refresh(dm.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(dm.VariableSort.ALPHABETICAL_ASC)
    )
    if multi:
        variable = variable.multi(True).include_all(True).all_value(".*")
    return variable


def hierarchy_variables(lang: Lang, single_site: bool = False) -> list[db.QueryVariable]:
    """province, district, commune, site: each lists what is below the ones before it."""
    variables = []
    for name, label, parents in LEVELS:
        selector = f"{PRESENCE}{{{parents}}}" if parents else PRESENCE
        variable = query_variable(
            name, label(lang), f"label_values({selector}, {name})",
            multi=not (single_site and name == "site"),
        )  # fmt: skip
        if name in DESCRIPTIONS:
            variable = variable.description(DESCRIPTIONS[name](lang))
        variables.append(variable)
    return variables


def device_variable(lang: Lang) -> db.QueryVariable:
    label = T("Thiết bị SNMP", "SNMP device")(lang)
    return query_variable("device", label, f"label_values(ictinfra_snmp_up{{{SITE}}}, device)")
