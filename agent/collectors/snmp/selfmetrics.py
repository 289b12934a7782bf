"""Per-device self-metrics: up, poll duration, varbinds, timeouts and errors by kind."""

from __future__ import annotations

from collections.abc import Iterable

from agent.collectors.snmp.poller import DeviceResult, DeviceState
from agent.model import MetricFamily

ERROR_KINDS = ("timeout", "auth", "error", "error_status", "deadline", "internal")


def device_self_metrics(
    results: Iterable[DeviceResult], states: dict[str, DeviceState]
) -> list[MetricFamily]:
    up = MetricFamily(
        "ictinfra_snmp_up", "1 if the device's last poll succeeded.", "gauge", ("device",)
    )
    duration = MetricFamily(
        "ictinfra_snmp_poll_duration_seconds",
        "How long the device's last poll took.",
        "gauge",
        ("device",),
    )
    varbinds = MetricFamily(
        "ictinfra_snmp_varbinds",
        "Variable bindings returned in the device's last poll.",
        "gauge",
        ("device",),
    )
    requests = MetricFamily(
        "ictinfra_snmp_requests",
        "SNMP requests sent in the device's last poll.",
        "gauge",
        ("device",),
    )
    timeouts = MetricFamily(
        "ictinfra_snmp_timeouts_total",
        "SNMP requests to the device that got no answer.",
        "counter",
        ("device",),
    )
    errors = MetricFamily(
        "ictinfra_snmp_errors_total",
        "Failed SNMP requests or polls, by kind (timeout, auth, error_status, deadline, ...).",
        "counter",
        ("device", "kind"),
    )
    fallbacks = MetricFamily(
        "ictinfra_snmp_bulk_fallbacks_total",
        "Times the device mishandled GETBULK and a smaller request (or GETNEXT) was used.",
        "counter",
        ("device",),
    )
    malformed = MetricFamily(
        "ictinfra_snmp_malformed_replies_total",
        "Datagrams from the device the SNMP codec refused as malformed (dropped, not answers).",
        "counter",
        ("device",),
    )
    repetitions = MetricFamily(
        "ictinfra_snmp_max_repetitions",
        "GETBULK max-repetitions now used (0: GETNEXT).",
        "gauge",
        ("device",),
    )
    for result in results:
        state = states[result.name]
        labels = (result.name,)
        up.add(labels, int(result.up))
        duration.add(labels, round(result.duration, 6))
        varbinds.add(labels, result.stats.varbinds)
        requests.add(labels, result.stats.requests)
        timeouts.add(labels, state.timeouts_total)
        for kind in ERROR_KINDS:
            errors.add((result.name, kind), state.errors_total.get(kind, 0))
        fallbacks.add(labels, state.fallbacks_total)
        malformed.add(labels, state.malformed_total)
        policy = state.policy
        repetitions.add(labels, policy.max_repetitions if policy.use_bulk else 0)
    return [up, duration, varbinds, requests, timeouts, errors, fallbacks, malformed, repetitions]
