"""What every ictinfra dashboard shares: uid per language, tags, time, refresh, links between
them, the datasource variable first."""

from __future__ import annotations

from collections.abc import Iterable

from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.models import dashboard as dm

from dashboards.hierarchy import datasource_variable
from dashboards.text import Lang, T

TAG = "ictinfra"


def uid_for(uid: str, lang: Lang) -> str:
    """Both builds can live in one Grafana: the English one's uid ends in `-en`."""
    return uid if lang == "vi" else f"{uid}-en"


def frame(uid: str, lang: Lang, title: T, about: T,
          variables: Iterable[db.QueryVariable]) -> db.Dashboard:  # fmt: skip
    dashboard = (
        db.Dashboard(title(lang))
        .uid(uid_for(uid, lang))
        .description(about(lang))
        .tags([TAG, lang])
        .time("now-6h", "now")
        .refresh("1m")
        .timezone("browser")
        .tooltip(dm.DashboardCursorSync.CROSSHAIR)
        .editable()
        .link(
            db.DashboardLink(T("Bảng ictinfra", "ictinfra dashboards")(lang))
            .type(dm.DashboardLinkType.DASHBOARDS)
            .tags([TAG, lang])
            .as_dropdown(True)
            .include_vars(True)
            .keep_time(True)
        )
        .with_variable(datasource_variable(lang))
    )
    for variable in variables:
        dashboard.with_variable(variable)
    return dashboard


def add_all(dashboard: db.Dashboard, panels: Iterable[object]) -> db.Dashboard:
    """Rows and panels in order: a panel after a row belongs to that row."""
    for number, panel in enumerate(panels, start=1):
        if isinstance(panel, db.Row):
            dashboard.with_row(panel.id(number))
        else:
            dashboard.with_panel(panel.id(number))  # type: ignore[attr-defined]
    return dashboard
