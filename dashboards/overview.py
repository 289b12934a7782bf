"""National / province overview: which sites report and which are silent (and for how long),
LAN availability, bandwidth, SNMP devices down, obsolete equipment by class, indicator scores by
unit (the obsolete and ranking dashboards have the detail)."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.models import dashboard as dm

from dashboards import obsolete, ranking
from dashboards.frame import add_all, frame, uid_for
from dashboards.hierarchy import PLACE, PRESENCE, hierarchy_variables
from dashboards.panels import (
    ANY_BAD,
    AVAILABILITY,
    SILENCE,
    Look,
    Q,
    bars,
    graph,
    grid,
    matrix,
    row,
    single,
)
from dashboards.silence import SILENT_AFTER, silence
from dashboards.site import UID as SITE_UID
from dashboards.staff import PER_STAFF, per_unit, per_unit_of
from dashboards.text import Lang, T
from dashboards.words import CLASSES, indicators
from dashboards.worst import N
from dashboards.worst import table as worst_table

UID = "ictinfra-overview"
SITES = f'{PLACE}, site=~"$site"'
PROVINCE = T("{{province}}", "{{province}}")
SITE = T("{{site}}", "{{site}}")


def presence_panels(lang: Lang) -> list[object]:
    minutes = SILENT_AFTER // 60
    return [
        row(T("Điểm báo cáo", "Sites reporting"), lang),
        single(
            T("Đang báo cáo", "Reporting"),
            T(
                f"Điểm có dữ liệu trong {minutes} phút qua.",
                f"Sites heard from in the last {minutes} minutes.",
            ),
            [Q(f"count({silence()} <= {SILENT_AFTER}) or vector(0)", instant=True)],
            Look(steps=((None, "green"),), width=4, height=6),
            lang,
        ),
        single(
            T("Im lặng", "Silent"),
            T(
                f"Điểm không gửi gì hơn {minutes} phút.",
                f"Sites silent for over {minutes} minutes.",
            ),
            [Q(f"count({silence()} > {SILENT_AFTER}) or vector(0)", instant=True)],
            Look(steps=ANY_BAD, width=4, height=6),
            lang,
        ),
        bars(
            T("Số điểm theo tỉnh", "Sites per province"),
            T("Điểm có tác tử đang gửi dữ liệu.", "Sites with an agent pushing data."),
            [
                Q(
                    f"count by (province) (max by (province, site) ({PRESENCE}{{{SITES}}}))",
                    PROVINCE,
                    instant=True,
                )
            ],
            Look("short", width=8, height=6, decimals=0),
            lang,
        ),
        bars(
            T("Thiết bị SNMP mất kết nối", "SNMP devices down"),
            T(
                "Thiết bị không trả lời SNMP ở lần hỏi gần nhất, theo tỉnh.",
                "Devices that did not answer the last SNMP poll, by province.",
            ),
            [
                Q(
                    f"count by (province) (ictinfra_snmp_up{{{SITES}}} == 0) or "
                    f"count by (province) (ictinfra_snmp_up{{{SITES}}}) * 0",
                    PROVINCE,
                    instant=True,
                )
            ],
            Look(steps=ANY_BAD, width=8, height=6, low=0, decimals=0),
            lang,
        ),
        grid(
            T("Thời gian từ lần báo cáo cuối", "Time since the last report"),
            T(
                "Mỗi điểm: xanh < 15 phút, cam < 1 giờ, đỏ từ 1 giờ.",
                "Each site: green < 15 min, orange < 1 h, red from 1 h.",
            ),
            [Q(silence(), instant=True)],
            Look("dtdurations", SILENCE, width=24, height=10),
            lang,
        ),
    ]


def link_panels(lang: Lang) -> list[object]:
    return [
        row(T("LAN và băng thông", "LAN and bandwidth"), lang),
        bars(
            T("Cổng mặc định sẵn sàng, theo tỉnh", "Gateway availability, by province"),
            T(
                "Trung bình các điểm: tỉ lệ đợt đo cổng mặc định có trả lời (24 h).",
                "Mean over sites: share of gateway probe bursts with a reply (24 h).",
            ),
            [
                Q(
                    f"avg by (province) (ictinfra_lan_gateway_reachable_ratio{{{SITES}}})",
                    PROVINCE,
                    instant=True,
                )
            ],
            Look("percentunit", AVAILABILITY, width=12, low=0, high=1, decimals=2),
            lang,
        ),
        bars(
            T("Điểm có cổng mặc định kém nhất", "Sites with the least available gateway"),
            T("10 điểm có tỉ lệ thấp nhất.", "The 10 sites with the lowest share."),
            [
                Q(
                    f"bottomk(10, ictinfra_lan_gateway_reachable_ratio{{{SITES}}})",
                    SITE,
                    instant=True,
                )
            ],
            Look("percentunit", AVAILABILITY, width=12, low=0, high=1, decimals=2),
            lang,
        ),
        bars(
            T("Băng thông tải về đo được", "Measured download bandwidth"),
            T(
                "Lần đo tốc độ gần nhất của mỗi điểm, bit/giây.",
                "Each site's last speed test, bits per second.",
            ),
            [
                Q(
                    f"ictinfra_bandwidth_test_download_bytes_per_second{{{SITES}}} * 8",
                    SITE,
                    instant=True,
                )
            ],
            Look("bps", ((None, "red"), (10e6, "orange"), (50e6, "green")), width=12, low=0),
            lang,
        ),
        graph(
            T("Lưu lượng máy chủ các điểm", "Site servers' traffic"),
            T(
                "Tổng bit/giây nhận và gửi trên card mạng của máy chủ, theo tỉnh.",
                "Bits per second received and sent by the site servers' NICs, by province.",
            ),
            [
                Q(
                    f"sum by (province) (ictinfra_interface_receive_bytes_per_second{{{SITES}}})"
                    " * 8",
                    T("{{province}} nhận", "{{province}} in"),
                ),
                Q(
                    f"sum by (province) (ictinfra_interface_transmit_bytes_per_second{{{SITES}}})"
                    " * 8",
                    T("{{province}} gửi", "{{province}} out"),
                ),
            ],
            Look("bps", width=12, low=0),
            lang,
        ),
        *staff_panels(lang),
    ]


def staff_panels(lang: Lang) -> list[object]:
    how = T(
        "năng lực Internet (lần đo tốc độ gần nhất, không có thì tốc độ đường truyền khai báo) "
        "của các điểm thuộc đơn vị chia cho số CBCCVC của đơn vị và các đơn vị trực thuộc trong "
        "sổ đơn vị, bit/giây mỗi người (chỉ số bandwidth_per_staff, số liệu hiện tại).",
        "the Internet capacity (last speed test, else the configured uplink's speed) of the "
        "unit's sites over the civil servants of the unit and those below it in the unit "
        "register, bits per second each (the bandwidth_per_staff indicator, live).",
    )
    return [
        bars(
            T(
                "Băng thông Internet/CBCCVC, theo tỉnh",
                "Internet bandwidth per civil servant, by province",
            ),
            T(f"Mỗi tỉnh: {how.vi}", f"Each province: {how.en}"),
            [Q(f"sort({per_unit_of('province')})", T("{{unit}}", "{{unit}}"), instant=True)],
            Look("bps", PER_STAFF, width=12, low=0),
            lang,
        ),
        bars(
            T(
                "Đơn vị có băng thông/CBCCVC thấp nhất",
                "Units with the least bandwidth per civil servant",
            ),
            T(
                f"{N} đơn vị thấp nhất của nơi đã chọn (mọi cấp): {how.vi}",
                f"The chosen place's {N} lowest units (any level): {how.en}",
            ),
            [Q(f"sort(bottomk({N}, {per_unit()}))", ranking.UNIT, instant=True)],
            Look("bps", PER_STAFF, width=12, low=0),
            lang,
        ),
    ]


def equipment_panels(lang: Lang) -> list[object]:
    every = "ictinfra_device_obsolete_soon_timestamp_seconds"
    return [
        row(T("Thiết bị lạc hậu và chỉ số xếp hạng", "Obsolete equipment and ranking"), lang),
        obsolete.counted(
            T("Thiết bị lạc hậu theo loại", "Obsolete equipment by class"),
            T(
                "Số thiết bị lạc hậu hôm nay, theo loại (chi tiết: bảng Thiết bị lạc hậu).",
                "Devices obsolete today, by class (details: the Obsolete equipment board).",
            ),
            "ictinfra_device_obsolete",
            by="class",
            names=CLASSES,
            lang=lang,
            height=10,
        ),
        single(
            T("Sẽ lạc hậu trong 12 tháng", "Obsolete within 12 months"),
            T("Thiết bị còn trong niên hạn hôm nay.", "Devices still in service life today."),
            [Q(obsolete.devices(every), instant=True)],
            Look(steps=((None, "green"), (1, "orange")), width=4, height=10, decimals=0),
            lang,
        ),
        matrix(
            T("Điểm chỉ số theo đơn vị", "Indicator scores by unit"),
            T(
                "Lần xếp hạng mới nhất: một dòng mỗi đơn vị, một cột mỗi chỉ số (chi tiết: bảng "
                "Chỉ số xếp hạng).",
                "The latest ranking: a row per unit, a column per indicator (details: the "
                "Ranking indicators board).",
            ),
            Q(ranking.ranked("ictinfra_ranking_score", ""), instant=True),
            Look(ranking.POINTS(lang), width=12, height=10, decimals=1),
            lang,
            rows="unit",
            columns="indicator",
            names=indicators(),
        ),
        row(T("Điểm kém nhất", "Worst sites"), lang),
        worst_table(lang),
    ]


def build(lang: Lang) -> db.Dashboard:
    dashboard = frame(
        UID,
        lang,
        T("ictinfra · Tổng quan", "ictinfra · Overview"),
        T(
            "Cả nước hoặc một tỉnh: điểm báo cáo và im lặng, LAN, băng thông (cả trên mỗi "
            "CBCCVC), thiết bị lạc hậu, chỉ số xếp hạng, các điểm kém nhất.",
            "The country or one province: sites reporting and silent, LAN, bandwidth (also per "
            "civil servant), obsolete equipment, ranking indicators, the worst sites.",
        ),
        hierarchy_variables(lang),
    )
    dashboard.link(
        db.DashboardLink(T("Chi tiết điểm", "Site detail")(lang))
        .type(dm.DashboardLinkType.LINK)
        .url(f"/d/{uid_for(SITE_UID, lang)}")
        .include_vars(True)
        .keep_time(True)
    )
    return add_all(dashboard, [*presence_panels(lang), *link_panels(lang), *equipment_panels(lang)])
