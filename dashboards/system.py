"""The system's own health: agents' push queues and lag, what the collector refused and why,
forwarding to the TSDB, and agents that went silent."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db

from dashboards.frame import add_all, frame
from dashboards.hierarchy import SITE, hierarchy_variables
from dashboards.panels import ANY_BAD, SILENCE, Look, Q, graph, grid, row, single
from dashboards.silence import SILENT_AFTER, silence
from dashboards.text import Lang, T

UID = "ictinfra-system"
R = "[$__rate_interval]"
AGENT = T("{{site}} {{instance}}", "{{site}} {{instance}}")


def agent_panels(lang: Lang) -> list[object]:
    # The push queue panels (ictinfra_push_*: lag, fill, drops by reason) wait for the agent to
    # push its own self-metrics; today they are only on its local /metrics (docs/dashboards.md).
    return [
        row(T("Tác tử", "Agents"), lang),
        grid(
            T("Bộ thu thập của tác tử lỗi", "Agent collectors failing"),
            T(
                "0: lần chạy gần nhất của bộ thu thập (host, snmp, lan, probes, ...) thất bại.",
                "0: the collector's (host, snmp, lan, probes, ...) last run failed.",
            ),
            [
                Q(
                    f"min by (site, instance, collector) (ictinfra_collector_success{{{SITE}}})",
                    instant=True,
                )
            ],
            Look(steps=((None, "red"), (1, "green")), width=24),
            lang,
        ),
    ]


def collector_panels(lang: Lang) -> list[object]:
    p95 = (
        "histogram_quantile(0.95, sum by (le, receiver) "
        f"(rate(ictinfra_collector_forward_duration_seconds_bucket{R})))"
    )
    return [
        row(T("Bộ thu trung tâm (collector)", "Central collector"), lang),
        graph(
            T("Yêu cầu bị từ chối, theo lý do", "Requests refused, by reason"),
            T(
                "unauthorized, sample_too_old, too_many_series, receiver_unavailable, ...",
                "unauthorized, sample_too_old, too_many_series, receiver_unavailable, ...",
            ),
            [
                Q(
                    f"sum by (endpoint, reason) (rate(ictinfra_collector_rejections_total{R}))",
                    T("{{endpoint}} {{reason}}", "{{endpoint}} {{reason}}"),
                )
            ],
            Look("reqps", width=12, low=0),
            lang,
        ),
        graph(
            T("Mẫu nhận, theo điểm", "Samples received, by site"),
            T("Mẫu đã nhận và chuyển tiếp mỗi giây.", "Samples accepted and forwarded per second."),
            [
                Q(
                    f"sum by (site) (rate(ictinfra_collector_samples_received_total{R}))",
                    T("{{site}}", "{{site}}"),
                )
            ],
            Look("short", width=12, low=0),
            lang,
        ),
        graph(
            T("Thời gian chuyển tiếp (p95)", "Forwarding latency (p95)"),
            T(
                "Phân vị 95 của thời gian chuyển một yêu cầu tới mỗi bộ lưu.",
                "95th percentile of the time to forward one request to each receiver.",
            ),
            [Q(p95, T("{{receiver}}", "{{receiver}}"))],
            Look("s", ((None, "green"), (1, "orange"), (5, "red")), width=12, low=0),
            lang,
        ),
        graph(
            T("Lỗi chuyển tiếp", "Forwarding errors"),
            T(
                "network, http_4xx, http_5xx mỗi giây, theo bộ lưu.",
                "network, http_4xx, http_5xx per second, by receiver.",
            ),
            [
                Q(
                    f"sum by (receiver, kind) (rate(ictinfra_collector_forward_errors_total{R}))",
                    T("{{receiver}} {{kind}}", "{{receiver}} {{kind}}"),
                )
            ],
            Look("reqps", ((None, "green"), (0.001, "red")), width=12, low=0),
            lang,
        ),
    ]


def silence_panels(lang: Lang) -> list[object]:
    return [
        row(T("Tác tử im lặng", "Silent agents"), lang),
        single(
            T("Điểm im lặng", "Silent sites"),
            T(
                f"Không gửi gì trong hơn {SILENT_AFTER // 60} phút.",
                f"Nothing received for over {SILENT_AFTER // 60} minutes.",
            ),
            [Q(f"count({silence()} > {SILENT_AFTER}) or vector(0)", instant=True)],
            Look(steps=ANY_BAD, width=6, height=8),
            lang,
        ),
        grid(
            T("Lần nhận cuối, theo điểm", "Last report, by site"),
            T(
                "Thời gian từ lần ghi hoặc kiểm kê cuối cùng được nhận.",
                "Time since the last accepted write or inventory.",
            ),
            [Q(silence(), instant=True)],
            Look("dtdurations", SILENCE, width=18, height=8),
            lang,
        ),
    ]


def build(lang: Lang) -> db.Dashboard:
    dashboard = frame(
        UID,
        lang,
        T("ictinfra · Sức khỏe hệ thống", "ictinfra · System health"),
        T(
            "Hàng đợi của tác tử, từ chối và chuyển tiếp của collector, tác tử im lặng.",
            "Agents' queues, the collector's refusals and forwarding, silent agents.",
        ),
        hierarchy_variables(lang),
    )
    return add_all(dashboard, [*agent_panels(lang), *collector_panels(lang), *silence_panels(lang)])
