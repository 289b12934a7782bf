"""The system's own health: agents' push queues and lag, what the collector refused and why,
forwarding to the TSDB, and agents that went silent."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db

from dashboards.frame import add_all, frame
from dashboards.hierarchy import SITE, hierarchy_variables
from dashboards.panels import ANY_BAD, SILENCE, Look, Q, Steps, graph, grid, row, single
from dashboards.place import LOOKBACK, PLACE_LABELS
from dashboards.silence import SILENT_AFTER, silence
from dashboards.text import Lang, T

UID = "ictinfra-system"
R = "[$__rate_interval]"
AGENT = T("{{site}} {{instance}}", "{{site}} {{instance}}")


AGENTS = "site, instance"
LAG: Steps = ((None, "green"), (120, "orange"), (900, "red"))  # seconds behind
BACKLOG: Steps = ((None, "green"), (600, "orange"), (3600, "red"))  # the alert: 1 h
FILL: Steps = ((None, "green"), (0.5, "orange"), (0.8, "red"))  # the alert: 80 %


def agent_panels(lang: Lang) -> list[object]:
    """From what each agent pushes about itself once per send interval (docs/push.md)."""
    return [
        row(T("Tác tử: hàng đợi và độ trễ đẩy", "Agents: push queue and lag"), lang),
        graph(
            T("Độ trễ đẩy dữ liệu", "Push lag"),
            T(
                "Tuổi của mẫu mới nhất trung tâm nhận từ mỗi tác tử (ictinfra_agent_build_info, "
                "gửi mỗi chu kỳ đẩy). Đường đứt sau 5 phút: tác tử im lặng (xem bên dưới).",
                "Age of the newest sample the centre has from each agent "
                "(ictinfra_agent_build_info, sent every send interval). Gone after 5 min: the "
                "agent is silent (see below).",
            ),
            [
                Q(
                    f"time() - max by ({AGENTS}) (timestamp(ictinfra_agent_build_info{{{SITE}}}))",
                    AGENT,
                )
            ],
            Look("s", LAG, width=12, low=0),
            lang,
        ),
        graph(
            T("Tuổi mẫu cũ nhất trong hàng đợi", "Oldest queued sample"),
            T(
                "Tác tử còn giữ mẫu cũ đến đâu (0: hàng đợi rỗng). Cảnh báo sau 1 giờ.",
                "How old the oldest sample an agent still holds is (0: empty). Alert from 1 h.",
            ),
            [
                Q(
                    f"max by ({AGENTS}) (ictinfra_push_queue_oldest_sample_age_seconds{{{SITE}}})",
                    AGENT,
                )
            ],
            Look("s", BACKLOG, width=12, low=0),
            lang,
        ),
        graph(
            T("Độ đầy hàng đợi", "Queue fill"),
            T(
                "Dung lượng hàng đợi đã dùng / push.queue_max_bytes. Đầy: bỏ mẫu cũ nhất.",
                "Queue bytes / push.queue_max_bytes. Full: the oldest samples are dropped.",
            ),
            [
                Q(
                    f"max by ({AGENTS}) (ictinfra_push_queue_bytes{{{SITE}}}"
                    f" / ictinfra_push_queue_max_bytes{{{SITE}}})",
                    AGENT,
                )
            ],
            Look("percentunit", FILL, width=8, low=0, high=1),
            lang,
        ),
        graph(
            T("Mẫu trong hàng đợi", "Samples queued"),
            T("Mẫu chờ gửi ở mỗi tác tử.", "Samples waiting to be sent at each agent."),
            [Q(f"max by ({AGENTS}) (ictinfra_push_queue_samples{{{SITE}}})", AGENT)],
            Look("short", width=8, low=0),
            lang,
        ),
        graph(
            T("Mẫu bị bỏ, theo lý do", "Samples dropped, by reason"),
            T(
                "queue_full, too_old, rejected, disk_full, queue_unwritable: mẫu mất, mỗi giây.",
                "queue_full, too_old, rejected, disk_full, queue_unwritable: samples lost per s.",
            ),
            [
                Q(
                    f"sum by ({AGENTS}, reason) "
                    f"(rate(ictinfra_push_dropped_samples_total{{{SITE}}}{R}))",
                    T("{{site}} {{instance}} {{reason}}", "{{site}} {{instance}} {{reason}}"),
                )
            ],
            Look("short", ((None, "green"), (0.001, "red")), width=8, low=0),
            lang,
        ),
        graph(
            T("Lần gửi theo kết quả", "Sends by outcome"),
            T(
                "success, retryable (sẽ gửi lại), rejected (4xx), mỗi giây.",
                "success, retryable (sent again), rejected (4xx), per second.",
            ),
            [
                Q(
                    f"sum by (site, outcome) (rate(ictinfra_push_requests_total{{{SITE}}}{R}))",
                    T("{{site}} {{outcome}}", "{{site}} {{outcome}}"),
                )
            ],
            Look("reqps", width=12, low=0),
            lang,
        ),
        graph(
            T("Mẫu đã gửi", "Samples sent"),
            T("Mẫu bộ thu đã nhận, mỗi giây.", "Samples the collector accepted, per second."),
            [
                Q(
                    f"sum by ({AGENTS}) (rate(ictinfra_push_sent_samples_total{{{SITE}}}{R}))",
                    AGENT,
                )
            ],
            Look("short", width=12, low=0),
            lang,
        ),
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


def agent_silence() -> str:
    """Seconds since each agent's last accepted send, as its latest delivered metrics say."""
    last = f"last_over_time(ictinfra_push_last_success_timestamp_seconds{{{SITE}}}[{LOOKBACK}])"
    return f"time() - max by ({AGENTS}, {PLACE_LABELS}) ({last})"


def silence_panels(lang: Lang) -> list[object]:
    minutes = SILENT_AFTER // 60
    return [
        row(T("Tác tử im lặng", "Silent agents"), lang),
        single(
            T("Điểm im lặng", "Silent sites"),
            T(
                f"Không gửi gì trong hơn {minutes} phút.",
                f"Nothing received for over {minutes} minutes.",
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
        single(
            T("Tác tử im lặng", "Silent agents"),
            T(
                f"Tác tử (máy) không đẩy được gì trong hơn {minutes} phút; một điểm có thể có "
                "nhiều tác tử.",
                f"Agents (hosts) with no accepted send for over {minutes} minutes; a site may "
                "have several.",
            ),
            [Q(f"count({agent_silence()} > {SILENT_AFTER}) or vector(0)", instant=True)],
            Look(steps=ANY_BAD, width=6, height=8),
            lang,
        ),
        grid(
            T("Lần đẩy thành công cuối, theo tác tử", "Last accepted send, by agent"),
            T(
                f"Theo số liệu tác tử gửi về lần cuối (trong {LOOKBACK}): lâu hơn một chu kỳ "
                "đẩy là tác tử đang mất liên lạc hoặc bị từ chối.",
                f"From the agent's latest delivered metrics (within {LOOKBACK}): more than a "
                "send interval means the agent is cut off or refused.",
            ),
            [Q(agent_silence(), instant=True)],
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
