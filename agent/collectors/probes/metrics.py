"""Probe results as metric families (names in docs/probes.md)."""

from __future__ import annotations

from collections import defaultdict

from agent.collectors.probes.icmp import IcmpMode
from agent.collectors.probes.runner import ProbeResult
from agent.config.probes import ProbesConfig
from agent.model import Collection, Samples

LABELS = ("target", "kind")


class ProbeFamilies:
    """Builds each run's families; keeps the packet counters across runs."""

    def __init__(self) -> None:
        self._sent: defaultdict[tuple[str, str], int] = defaultdict(int)
        self._received: defaultdict[tuple[str, str], int] = defaultdict(int)

    def build(
        self,
        results: list[ProbeResult],
        mode: IcmpMode,
        gateway_found: bool | None,
        gateway_ratio: float | None,
        config: ProbesConfig,
    ) -> Collection:
        out = Collection()
        self._per_target(out, results)
        icmp = out.family(
            "ictinfra_probe_icmp_info",
            "How the agent may send ICMP echo: dgram (ping socket), raw, or unavailable (TCP).",
            labels=("mode",),
        )
        icmp.add((mode.value,), 1)
        if gateway_found is not None:
            out.family(
                "ictinfra_probe_gateway_found",
                "Whether a default gateway was configured or found in the routing table.",
            ).add((), int(gateway_found))
        if gateway_ratio is not None:
            out.family(
                "ictinfra_lan_gateway_reachable_ratio",
                "Share of gateway probe bursts with at least one reply over "
                "probes.availability_window.",
            ).add((), round(gateway_ratio, 6))
            out.family(
                "ictinfra_lan_gateway_reachable_window_seconds",
                "The window ictinfra_lan_gateway_reachable_ratio is computed over.",
            ).add((), config.availability_window)
        return out

    def _per_target(self, out: Collection, results: list[ProbeResult]) -> None:
        def family(name: str, text: str, counter: bool = False) -> Samples:
            return out.family(name, text, "counter" if counter else "gauge", LABELS).samples

        info = out.family(
            "ictinfra_probe_target_info",
            "What each probe target is: its address and the method used.",
            labels=(*LABELS, "address", "method"),
        )
        up = family("ictinfra_probe_up", "Whether the target answered the last burst (1) or not.")
        rtt = family("ictinfra_probe_rtt_seconds", "Mean round-trip time of the last burst.")
        rtt_min = family("ictinfra_probe_rtt_min_seconds", "Shortest round trip of the last burst.")
        rtt_max = family("ictinfra_probe_rtt_max_seconds", "Longest round trip of the last burst.")
        loss = family("ictinfra_probe_loss_ratio", "Share of the last burst's packets lost (0-1).")
        jitter = family(
            "ictinfra_probe_jitter_seconds",
            "Mean absolute difference of consecutive round trips in the last burst (RFC 3550).",
        )
        dns = family("ictinfra_probe_dns_seconds", "Time to resolve the target's name.")
        dns_ok = family("ictinfra_probe_dns_success", "Whether the target's name resolved.")
        duration = family("ictinfra_probe_duration_seconds", "How long the last burst took.")
        sent = family("ictinfra_probe_packets_sent_total", "Probe packets sent.", counter=True)
        received = family(
            "ictinfra_probe_packets_received_total", "Probe replies received.", counter=True
        )
        status = family("ictinfra_probe_http_status_code", "Status of the last HTTP answer.")
        response = family(
            "ictinfra_probe_http_response_seconds",
            "Mean time from connect to the HTTP status line in the last burst.",
        )
        for result in results:
            plan, stats = result.plan, result.stats
            key = (plan.name, plan.kind)
            info.add((*key, plan.address_label, plan.method), 1)
            self._sent[key] += stats.sent
            self._received[key] += stats.received
            up.append((key, int(result.up)))
            loss.append((key, round(stats.loss_ratio, 6)))
            duration.append((key, round(result.duration, 6)))
            sent.append((key, self._sent[key]))
            received.append((key, self._received[key]))
            for samples, value in (
                (rtt, stats.rtt_avg), (rtt_min, stats.rtt_min), (rtt_max, stats.rtt_max),
                (jitter, stats.jitter), (dns, result.dns_seconds),
                (response, result.http_response_seconds),
            ):  # fmt: skip
                if value is not None:
                    samples.append((key, round(value, 6)))
            if result.dns_ok is not None:
                dns_ok.append((key, int(result.dns_ok)))
            if result.http_status is not None:
                status.append((key, result.http_status))
