"""Panel builders with the team's defaults: Prometheus queries, units and thresholds as a
network engineer reads them, titles/descriptions/legends in the dashboard's language."""

from __future__ import annotations

from dataclasses import dataclass

from grafana_foundation_sdk.builders import (
    bargauge,
    common,
    prometheus,
    stat,
    table,
    timeseries,
)
from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.models import common as cm
from grafana_foundation_sdk.models import dashboard as dm
from grafana_foundation_sdk.models import prometheus as pm

from dashboards.hierarchy import DATASOURCE
from dashboards.text import Lang, T

# Thresholds: (value from which, colour); the first step starts at -Infinity.
Steps = tuple[tuple[float | None, str], ...]
UTILISATION: Steps = ((None, "green"), (70, "orange"), (90, "red"))  # percent of capacity
USAGE: Steps = ((None, "green"), (80, "orange"), (90, "red"))  # CPU, memory, disk percent
LATENCY_MS: Steps = ((None, "green"), (100, "orange"), (300, "red"))  # commune links, ms
JITTER_MS: Steps = ((None, "green"), (30, "orange"), (50, "red"))  # voice/video limits, ms
LOSS: Steps = ((None, "green"), (0.01, "orange"), (0.05, "red"))  # ratio
SILENCE: Steps = ((None, "green"), (900, "orange"), (3600, "red"))  # seconds: 15 min, 1 h
AVAILABILITY: Steps = ((None, "red"), (0.95, "orange"), (0.99, "green"))  # ratio
ANY_BAD: Steps = ((None, "green"), (1, "red"))  # a count of things down


@dataclass(frozen=True, slots=True)
class Q:
    """One query: PromQL, its legend, and whether Grafana asks for one instant (tables, stats)."""

    expr: str
    legend: T | None = None
    instant: bool = False


def _target(query: Q, lang: Lang, ref: str, as_table: bool) -> prometheus.Dataquery:
    target = prometheus.Dataquery().expr(query.expr).ref_id(ref).datasource(DATASOURCE)
    if query.legend is not None:
        target = target.legend_format(query.legend(lang))
    target = target.instant() if query.instant else target.range()
    if as_table:
        target = target.format(pm.PromQueryFormat.TABLE)
    return target


def _thresholds(steps: Steps) -> db.ThresholdsConfig:
    return (
        db.ThresholdsConfig()
        .mode(dm.ThresholdsMode.ABSOLUTE)
        .steps([dm.Threshold(value=value, color=color) for value, color in steps])
    )


def value_names(
    names: dict[int, T] | dict[str, T], lang: Lang, colours: dict[int, str] | None = None
) -> list[dm.ValueMapping]:
    """Numeric states (ifOperStatus 1 = up ...) or label values (rule names) shown as words."""
    colours = colours or {}
    options = {
        str(value): dm.ValueMappingResult(
            text=text(lang), color=colours.get(value) if isinstance(value, int) else None, index=i
        )
        for i, (value, text) in enumerate(names.items())
    }
    return [dm.ValueMap(options=options)]


@dataclass(frozen=True, slots=True)
class Look:
    """Width, height, unit, thresholds, range and value names of a panel."""

    unit: str = "short"
    steps: Steps | None = None
    width: int = 12
    height: int = 8
    low: float | None = None
    high: float | None = None
    decimals: int | None = None
    mappings: tuple[dm.ValueMapping, ...] = ()


def _common(panel: object, title: T, about: T, queries: list[Q], look: Look, *, lang: Lang,
            as_table: bool = False) -> None:  # fmt: skip
    p: db.Panel = panel  # type: ignore[assignment]
    p.title(title(lang)).description(about(lang)).datasource(DATASOURCE)
    p.span(look.width).height(look.height).unit(look.unit)
    p.targets([_target(q, lang, chr(ord("A") + i), as_table) for i, q in enumerate(queries)])
    if look.steps is not None:
        p.thresholds(_thresholds(look.steps))
    if look.low is not None:
        p.min(look.low)
    if look.high is not None:
        p.max(look.high)
    if look.decimals is not None:
        p.decimals(look.decimals)
    if look.mappings:
        p.mappings(list(look.mappings))


def graph(title: T, about: T, queries: list[Q], look: Look, lang: Lang, *,
          stacked: bool = False) -> timeseries.Panel:  # fmt: skip
    panel = timeseries.Panel()
    _common(panel, title, about, queries, look, lang=lang)
    legend = (
        common.VizLegendOptions()
        .display_mode(cm.LegendDisplayMode.TABLE)
        .placement(cm.LegendPlacement.BOTTOM)
        .show_legend(True)
        .calcs(["mean", "max", "lastNotNull"])
    )
    panel.legend(legend).fill_opacity(10).line_width(1).show_points(cm.VisibilityMode.NEVER)
    if look.steps is not None:
        panel.thresholds_style(
            common.GraphThresholdsStyleConfig().mode(cm.GraphThresholdsStyleMode.DASHED)
        )
    if stacked:
        panel.stacking(common.StackingConfig().mode(cm.StackingMode.NORMAL))
    return panel


def single(title: T, about: T, queries: list[Q], look: Look, lang: Lang) -> stat.Panel:
    panel = stat.Panel()
    _common(panel, title, about, queries, look, lang=lang)
    panel.color_mode(cm.BigValueColorMode.BACKGROUND).graph_mode(cm.BigValueGraphMode.AREA)
    panel.reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    return panel


def bars(title: T, about: T, queries: list[Q], look: Look, lang: Lang) -> bargauge.Panel:
    panel = bargauge.Panel()
    _common(panel, title, about, queries, look, lang=lang)
    panel.display_mode(cm.BarGaugeDisplayMode.GRADIENT).orientation(cm.VizOrientation.HORIZONTAL)
    panel.reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    return panel


HIDDEN = ("Time", "__name__", "job")


def grid(title: T, about: T, queries: list[Q], look: Look, lang: Lang, *,
         hidden: tuple[str, ...] = HIDDEN,
         names: dict[str, T] | None = None) -> table.Panel:  # fmt: skip
    """A table of instant values, one row per series; with several queries, merged on labels.
    `names`: headers for label columns (and `Value`, `Value #A`, ...) in the dashboard's language.
    """
    panel = table.Panel()
    _common(panel, title, about, queries, look, lang=lang, as_table=True)
    panel.with_transformation(dm.DataTransformerConfig(id_val="merge", options={}))
    options: dict[str, object] = {"excludeByName": dict.fromkeys(hidden, True)}
    if names:
        options["renameByName"] = {column: name(lang) for column, name in names.items()}
    panel.with_transformation(dm.DataTransformerConfig(id_val="organize", options=options))
    panel.cell_options(cm.TableColoredBackgroundCellOptions())
    return panel


def matrix(title: T, about: T, query: Q, look: Look, lang: Lang, *, rows: str, columns: str,
           names: dict[str, T] | None = None) -> table.Panel:  # fmt: skip
    """One instant query as a table: a row per value of label `rows`, a column per `columns`
    (`names`: headers for those values)."""
    panel = table.Panel()
    _common(panel, title, about, [query], look, lang=lang, as_table=True)
    options = {"rowField": rows, "columnField": columns, "valueField": "Value"}
    panel.with_transformation(dm.DataTransformerConfig(id_val="groupingToMatrix", options=options))
    if names:
        renames = {value: name(lang) for value, name in names.items()}
        panel.with_transformation(
            dm.DataTransformerConfig(id_val="organize", options={"renameByName": renames})
        )
    panel.cell_options(cm.TableColoredBackgroundCellOptions())
    return panel


def row(title: T, lang: Lang) -> db.Row:
    return db.Row(title(lang))
