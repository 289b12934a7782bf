"""The ranking's infrastructure indicators: by level, by unit, over time, from the latest stored
ranking the collector exposes (`ictinfra_ranking_*`, docs/ranking.md). The units shown are those
of the chosen place: the units it is, contains or lies in (dashboards/place.py)."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db

from dashboards.frame import add_all, frame
from dashboards.hierarchy import hierarchy_variables, query_variable
from dashboards.panels import Look, Q, bars, graph, matrix, row, single
from dashboards.place import unit_in_place
from dashboards.text import Lang, T
from dashboards.words import indicators, named

UID = "ictinfra-ranking"
LEVEL = 'level=~"$level"'


def ranked(name: str, pick: str = LEVEL) -> str:
    """One of the latest ranking's families, of the units of the chosen place."""
    return unit_in_place(f"max without (instance, job) ({name}{{{pick}}})")


TOTAL = ranked("ictinfra_ranking_total_score")
COVERAGE = ranked("ictinfra_ranking_coverage_ratio")
SCORE = ranked("ictinfra_ranking_score", f'{LEVEL}, indicator=~"$indicator"')
LEVELS = {
    "province": T("Tỉnh/Thành phố", "Province"),
    "district": T("Quận/Huyện", "District"),
    "commune": T("Xã/Phường", "Commune"),
    "office": T("Cơ quan", "Office"),
}
POINTS = T("suffix: điểm", "suffix: pts")
UNIT = T("{{unit}} ({{level}})", "{{unit}} ({{level}})")


def variables(lang: Lang) -> list[db.QueryVariable]:
    return [
        *hierarchy_variables(lang),
        query_variable(
            "level",
            T("Cấp xếp hạng", "Ranking level")(lang),
            "label_values(ictinfra_ranking_total_score, level)",
        ),
        query_variable(
            "indicator",
            T("Chỉ số", "Indicator")(lang),
            "label_values(ictinfra_ranking_score, indicator)",
        ),
    ]


def level_panels(lang: Lang, look: Look) -> list[object]:
    return [
        row(T("Theo cấp", "By level"), lang),
        single(
            T("Lần xếp hạng gần nhất", "Latest ranking"),
            T(
                "Khi kỳ xếp hạng mới nhất được tính (ictinfra-collector rank).",
                "When the latest stored ranking was computed (ictinfra-collector rank).",
            ),
            [
                Q(
                    "max by (period) (ictinfra_ranking_snapshot_timestamp_seconds) * 1000",
                    T("Kỳ {{period}}", "Period {{period}}"),
                    instant=True,
                )
            ],
            Look("dateTimeFromNow", width=6, height=8),
            lang,
        ),
        named(
            bars(
                T("Điểm trung bình theo cấp", "Mean total score by level"),
                T(
                    "Trung bình tổng điểm của các đơn vị được chấm ở mỗi cấp.",
                    "Mean total of the scored units at each level.",
                ),
                [Q(f"avg by (level) ({TOTAL})", T("{{level}}", "{{level}}"), instant=True)],
                Look(look.unit, width=9, height=8, low=0, decimals=1),
                lang,
            ),
            LEVELS,
            lang,
        ),
        named(
            bars(
                T("Độ phủ dữ liệu theo cấp", "Data coverage by level"),
                T(
                    "Tỉ lệ bước thời gian có báo cáo; dưới 70 % đơn vị không được xếp hạng.",
                    "Share of the period's steps with a report; below 70 % a unit is not ranked.",
                ),
                [Q(f"avg by (level) ({COVERAGE})", T("{{level}}", "{{level}}"), instant=True)],
                Look(
                    "percentunit", ((None, "red"), (0.7, "green")), width=9, height=8, low=0, high=1
                ),
                lang,
            ),
            LEVELS,
            lang,
        ),
    ]


def unit_panels(lang: Lang, look: Look) -> list[object]:
    return [
        row(T("Theo đơn vị", "By unit"), lang),
        bars(
            T("Tổng điểm theo đơn vị", "Total score by unit"),
            T(
                "Đơn vị thiếu dữ liệu (độ phủ dưới ngưỡng) không có tổng điểm.",
                "A unit with insufficient data (coverage under the floor) has no total.",
            ),
            [Q(f"sort_desc({TOTAL})", UNIT, instant=True)],
            Look(look.unit, width=12, height=10, low=0, decimals=1),
            lang,
        ),
        bars(
            T("Độ phủ dữ liệu theo đơn vị", "Data coverage by unit"),
            T(
                "Tỉ lệ bước thời gian của kỳ có tác tử báo cáo.",
                "Share of the period's steps the unit's agents reported in.",
            ),
            [Q(f"sort({COVERAGE})", UNIT, instant=True)],
            Look(
                "percentunit", ((None, "red"), (0.7, "green")), width=12, height=10, low=0, high=1
            ),
            lang,
        ),
        matrix(
            T("Điểm từng chỉ số, theo đơn vị", "Each indicator's score, by unit"),
            T(
                "Một dòng mỗi đơn vị, một cột mỗi chỉ số (điểm trên điểm tối đa của phương pháp).",
                "A row per unit, a column per indicator (points out of the methodology's maximum).",
            ),
            Q(SCORE, instant=True),
            Look(look.unit, width=24, height=10, decimals=1),
            lang,
            rows="unit",
            columns="indicator",
            names=indicators(),
        ),
    ]


def time_panels(lang: Lang, look: Look) -> list[object]:
    return [
        row(T("Theo thời gian", "Over time"), lang),
        graph(
            T("Tổng điểm theo thời gian", "Total score over time"),
            T(
                "Giá trị của lần xếp hạng mới nhất tại mỗi thời điểm.",
                "The latest stored ranking's value at each moment.",
            ),
            [Q(TOTAL, UNIT)],
            look,
            lang,
        ),
        graph(
            T("Điểm chỉ số theo thời gian", "Indicator scores over time"),
            T("Chọn chỉ số bằng biến Chỉ số.", "Pick indicators with the Indicator variable."),
            [Q(SCORE, T("{{unit}} · {{indicator}}", "{{unit}} · {{indicator}}"))],
            look,
            lang,
        ),
        graph(
            T("Độ phủ dữ liệu theo thời gian", "Data coverage over time"),
            T(
                "Ngưỡng 70 %: dưới đó đơn vị không được xếp hạng.",
                "The 70 % floor: below it a unit is not ranked.",
            ),
            [Q(COVERAGE, UNIT)],
            Look("percentunit", ((None, "red"), (0.7, "green")), width=24, low=0, high=1),
            lang,
        ),
    ]


def build(lang: Lang) -> db.Dashboard:
    dashboard = frame(
        UID,
        lang,
        T("ictinfra · Chỉ số xếp hạng hạ tầng", "ictinfra · Ranking indicators"),
        T(
            "Chỉ số hạ tầng kỹ thuật của kỳ xếp hạng mới nhất: theo cấp, theo đơn vị, theo thời "
            "gian.",
            "The technical-infrastructure indicators of the latest ranking: by level, by unit, "
            "over time.",
        ),
        variables(lang),
    )
    look = Look(POINTS(lang), width=12, height=8, low=0, decimals=1)
    return add_all(
        dashboard, [*level_panels(lang, look), *unit_panels(lang, look), *time_panels(lang, look)]
    )
