"""Obsolete equipment: what is obsolete today with each reason and its evidence, counts by class
and by reason, and what turns obsolete within the soon window (12 months by default), from the
collector's `ictinfra_device_obsolete*` series (docs/obsolete.md), placed in the hierarchy."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.models import dashboard as dm

from dashboards.frame import add_all, frame
from dashboards.hierarchy import hierarchy_variables, query_variable
from dashboards.panels import ANY_BAD, Look, Q, bars, grid, row, single, value_names
from dashboards.place import placed
from dashboards.text import Lang, T
from dashboards.words import CLASSES, EVIDENCE, RULES, named

UID = "ictinfra-obsolete"
PICK = 'site=~"$site", device=~"$device", class=~"$class"'
# one series per reason whatever the number of collector replicas scraped
NOW = f"max without (instance, job) (ictinfra_device_obsolete{{{PICK}}})"
SINCE = f"max without (instance, job) (ictinfra_device_obsolete_since_timestamp_seconds{{{PICK}}})"
SOON = f"max without (instance, job) (ictinfra_device_obsolete_soon_timestamp_seconds{{{PICK}}})"
EITHER = "ictinfra_device_obsolete|ictinfra_device_obsolete_soon_timestamp_seconds"
DAY = T("time:DD/MM/YYYY", "time:YYYY-MM-DD")
COLUMNS = {
    "province": T("Tỉnh", "Province"),
    "district": T("Huyện", "District"),
    "commune": T("Xã", "Commune"),
    "site": T("Điểm", "Site"),
    "device": T("Thiết bị", "Device"),
    "class": T("Loại", "Class"),
    "reason": T("Lý do", "Reason"),
    "evidence": T("Bằng chứng", "Evidence"),
    "verified": T("Số liệu", "Figure"),
}


def devices(expr: str, by: str = "") -> str:
    """How many devices (not reasons) `expr` covers, in the chosen place, by `by`."""
    group = f"group by (site, device{', ' + by if by else ''}) ({placed(expr)})"
    return f"count by ({by}) ({group})" if by else f"count({group}) or vector(0)"


def variables(lang: Lang) -> list[db.QueryVariable]:
    either = f'{{__name__=~"{EITHER}", site=~"$site"}}'
    return [
        *hierarchy_variables(lang),
        query_variable(
            "class", T("Loại thiết bị", "Device class")(lang), f"label_values({either}, class)"
        ),
        query_variable("device", T("Thiết bị", "Device")(lang), f"label_values({either}, device)"),
    ]


def summary_panels(lang: Lang) -> list[object]:
    return [
        row(T("Tổng hợp", "Summary"), lang),
        single(
            T("Thiết bị lạc hậu", "Obsolete devices"),
            T(
                "Thiết bị có ít nhất một lý do lạc hậu hôm nay.",
                "Devices with at least one reason to be obsolete today.",
            ),
            [Q(devices(NOW), instant=True)],
            Look(steps=ANY_BAD, width=6, height=6, decimals=0),
            lang,
        ),
        single(
            T("Sẽ lạc hậu trong 12 tháng", "Obsolete within 12 months"),
            T(
                "Còn trong niên hạn hôm nay, lạc hậu trong 12 tháng tới (lập kế hoạch ngân sách).",
                "In service life today, obsolete within the next 12 months (for the budget).",
            ),
            [Q(devices(SOON), instant=True)],
            Look(steps=((None, "green"), (1, "orange")), width=6, height=6, decimals=0),
            lang,
        ),
        single(
            T("Lần đánh giá gần nhất", "Last evaluation"),
            T(
                "Collector tính lại danh sách mỗi obsolete.metrics_interval (mặc định 10 phút).",
                "The collector recomputes the list every obsolete.metrics_interval (10 min).",
            ),
            [
                Q(
                    "max(ictinfra_collector_obsolete_evaluation_timestamp_seconds) * 1000",
                    instant=True,
                )
            ],
            Look("dateTimeFromNow", width=6, height=6),
            lang,
        ),
        bars(
            T("Thiết bị lạc hậu theo tỉnh", "Obsolete devices by province"),
            T("Số thiết bị lạc hậu hôm nay.", "Devices obsolete today."),
            [Q(devices(NOW, "province"), T("{{province}}", "{{province}}"), instant=True)],
            Look("short", width=6, height=6, low=0, decimals=0),
            lang,
        ),
    ]


def counted(title: T, about: T, expr: str, *, by: str, names: dict[str, T], lang: Lang,
            width: int = 8, height: int = 8) -> object:  # fmt: skip
    """Bars: how many devices of `expr` per value of label `by`, the values in words."""
    legend = T(f"{{{{{by}}}}}", f"{{{{{by}}}}}")
    look = Look("short", width=width, height=height, low=0, decimals=0)
    panel = bars(title, about, [Q(devices(expr, by), legend, instant=True)], look, lang)
    return named(panel, names, lang)


COUNTS = (  # title, description, series, label, its values in words
    (T("Lạc hậu theo loại thiết bị", "Obsolete by device class"),
     T("Số thiết bị lạc hậu hôm nay, theo loại.", "Devices obsolete today, by class."),
     NOW, "class", CLASSES),
    (T("Lạc hậu theo lý do", "Obsolete by reason"),
     T("Một thiết bị có thể có nhiều lý do.", "A device may have several reasons."),
     NOW, "reason", RULES),
    (T("Sẽ lạc hậu trong 12 tháng, theo loại", "Obsolete within 12 months, by class"),
     T("Thiết bị còn trong niên hạn hôm nay.", "Devices still in service life today."),
     SOON, "class", CLASSES),
)  # fmt: skip


def count_panels(lang: Lang) -> list[object]:
    return [
        row(T("Theo loại và lý do", "By class and reason"), lang),
        *(
            counted(title, about, expr, by=by, names=names, lang=lang)
            for title, about, expr, by, names in COUNTS
        ),
    ]


def _words(lang: Lang) -> tuple[dm.ValueMapping, ...]:
    return tuple(value_names({**CLASSES, **RULES, **EVIDENCE}, lang))


def list_panels(lang: Lang) -> list[object]:
    hidden = ("Time", "__name__", "job", "instance")
    since = {**COLUMNS, "Value": T("Lạc hậu từ", "Obsolete since")}
    soon = {**COLUMNS, "Value": T("Lạc hậu từ ngày", "Obsolete on")}
    return [
        row(T("Danh sách", "Lists"), lang),
        grid(
            T("Thiết bị lạc hậu: lý do và bằng chứng", "Obsolete devices: reasons and evidence"),
            T(
                "Mỗi dòng một lý do: quy tắc, bằng chứng (ngày mua, ngày sản xuất, dữ liệu hết hỗ "
                "trợ, thông số thiết bị báo cáo), số liệu đã kiểm chứng chưa, ngày bắt đầu. Diễn "
                "giải đầy đủ: trang web của collector hoặc `ictinfra-collector obsolete`.",
                "One row per reason: the rule, its evidence (purchase or manufacturing date, the "
                "end-of-life data, the specs the device reported), whether the figure is verified, "
                "the day it began. In full words: the collector's web page or "
                "`ictinfra-collector obsolete`.",
            ),
            [Q(placed(SINCE), instant=True)],
            Look(DAY(lang), width=24, height=10, mappings=_words(lang)),
            lang,
            hidden=hidden,
            names=since,
        ),
        grid(
            T("Sẽ lạc hậu trong 12 tháng", "Turning obsolete within 12 months"),
            T(
                "Thiết bị còn trong niên hạn hôm nay, với ngày sẽ lạc hậu và lý do.",
                "Devices in service life today, with the day they turn obsolete and why.",
            ),
            [Q(f"sort({placed(SOON)})", instant=True)],
            Look(DAY(lang), width=24, height=10, mappings=_words(lang)),
            lang,
            hidden=hidden,
            names=soon,
        ),
    ]


def build(lang: Lang) -> db.Dashboard:
    dashboard = frame(
        UID,
        lang,
        T("ictinfra · Thiết bị lạc hậu", "ictinfra · Obsolete equipment"),
        T(
            "Thiết bị lạc hậu với lý do và bằng chứng, theo loại, và thiết bị sẽ lạc hậu trong "
            "12 tháng.",
            "Obsolete equipment with reasons and evidence, by class, and what turns obsolete "
            "within 12 months.",
        ),
        variables(lang),
    )
    return add_all(dashboard, [*summary_panels(lang), *count_panels(lang), *list_panels(lang)])
