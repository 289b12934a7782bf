"""The collector's self-metrics on /metrics (its own registry, so each app has its own)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

FORWARD_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "ictinfra_collector_http_requests",
            "HTTP requests answered, by endpoint and status code.",
            ["endpoint", "code"],
            registry=r,
        )
        self.samples = Counter(
            "ictinfra_collector_samples_received",
            "Samples accepted and forwarded to every receiver, by site.",
            ["site"],
            registry=r,
        )
        self.series = Counter(
            "ictinfra_collector_series_received",
            "Series accepted and forwarded to every receiver, by site.",
            ["site"],
            registry=r,
        )
        self.rejections = Counter(
            "ictinfra_collector_rejections",
            "Requests refused, by reason (unauthorized, malformed, body_too_large, "
            "too_many_series, sample_too_old, receiver_rejected, receiver_unavailable, ...).",
            ["endpoint", "reason"],
            registry=r,
        )
        self.forward_duration = Histogram(
            "ictinfra_collector_forward_duration_seconds",
            "Time to forward one request to one receiver, by receiver.",
            ["receiver"],
            buckets=FORWARD_BUCKETS,
            registry=r,
        )
        self.forward_errors = Counter(
            "ictinfra_collector_forward_errors",
            "Forwards that failed, by receiver and kind (network, http_4xx, http_5xx).",
            ["receiver", "kind"],
            registry=r,
        )
        self.last_seen = Gauge(
            "ictinfra_collector_site_last_seen_timestamp_seconds",
            "When each site's last accepted write or inventory arrived (Unix time).",
            ["site"],
            registry=r,
        )
        self.inventory_events = Counter(
            "ictinfra_collector_inventory_device_events",
            "Device history events recorded from inventory snapshots, by event.",
            ["event"],
            registry=r,
        )
        self.read_answers = Counter(
            "ictinfra_collector_read_answers",
            "Answers of the read API, web pages and exports, by kind and by whether they were"
            " kept from an earlier request (data unchanged) or computed.",
            ["kind", "result"],
            registry=r,
        )
        self.speedtests = Counter(
            "ictinfra_collector_speedtests",
            "Speed tests granted (200 answered), by site.",
            ["site"],
            registry=r,
        )
        self.speedtest_bytes = Counter(
            "ictinfra_collector_speedtest_bytes_sent",
            "Speed test body bytes handed to the connection, by site (an aborted test counts "
            "what was sent).",
            ["site"],
            registry=r,
        )
