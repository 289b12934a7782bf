"""The `bandwidth` collector: host interface rates, the switch uplink, the throughput test."""

from __future__ import annotations

import asyncio
import logging

from agent.collectors.bandwidth.interfaces import HostInterfaces, InterfaceRate
from agent.collectors.bandwidth.rates import utilization
from agent.collectors.bandwidth.speedtest import PATH, SpeedTest, SpeedTestResult, read_token
from agent.collectors.bandwidth.uplink import UplinkMonitor, UplinkSample
from agent.collectors.snmp import Walker
from agent.config import AgentConfig
from agent.errors import ConfigError, IctinfraError
from agent.model import Collection

log = logging.getLogger(__name__)


def _speedtest(config: AgentConfig) -> SpeedTest | None:
    test = config.bandwidth.speedtest
    if not test.enabled:
        return None
    push = config.push
    url = test.url or (push.url.rstrip("/") + PATH if push else None)
    if url is None:
        raise ConfigError("config", ["bandwidth.speedtest: needs `url` or a `push:` section"])
    token_file = test.token_file or (push.token_file if push else None)
    return SpeedTest(test, url, read_token(token_file))


def _uplink(config: AgentConfig, walker: Walker | None) -> UplinkMonitor | None:
    uplink = config.bandwidth.uplink
    if uplink is None:
        return None
    targets = {t.name: t for t in config.snmp.targets}
    if uplink.device not in targets:
        raise ConfigError("config", [f"bandwidth.uplink.device: no snmp target {uplink.device!r}"])
    if walker is None:
        raise ConfigError("config", ["bandwidth.uplink: no SNMP poller available"])
    return UplinkMonitor(targets[uplink.device], uplink.port, walker,
                         config.bandwidth.proc_root, config.bandwidth.uplink_refresh)  # fmt: skip


class BandwidthCollector:
    name = "bandwidth"

    def __init__(self, config: AgentConfig, walker: Walker | None = None) -> None:
        section = config.bandwidth
        self.interval = section.interval
        self.warmup = section.warmup
        self.host = HostInterfaces(
            section.proc_root, section.sys_root, section.interfaces, section.interfaces_exclude
        )
        self.uplink = _uplink(config, walker)
        self.speedtest = _speedtest(config)
        self._warm = False

    async def _host_rates(self) -> list[InterfaceRate]:
        rates = self.host.sample()
        if not self._warm and self.warmup > 0:
            await asyncio.sleep(self.warmup)
            rates = self.host.sample()
        self._warm = True
        return rates

    async def collect(self) -> Collection:
        out = Collection()
        host_rates = await self._host_rates()
        add_host(out, host_rates)
        if self.uplink is not None:
            try:
                add_uplink(out, await self.uplink.sample())
            except IctinfraError as exc:
                log.warning("uplink %s: %s", self.uplink.target.name, exc)
                add_uplink_missing(out, self.uplink.target.name)
        if self.speedtest is not None:
            try:
                add_speedtest(out, self.speedtest.poll())
            except IctinfraError as exc:
                log.warning("speed test skipped: %s", exc)
        return out


def add_host(out: Collection, rates: list[InterfaceRate]) -> None:
    rx = out.family(
        "ictinfra_interface_receive_bytes_per_second",
        "Bytes received per second over the last interval.",
        labels=("interface",),
    )
    tx = out.family(
        "ictinfra_interface_transmit_bytes_per_second",
        "Bytes sent per second over the last interval.",
        labels=("interface",),
    )
    speed = out.family(
        "ictinfra_interface_speed_bytes_per_second",
        "The NIC's negotiated speed (capacity).",
        labels=("interface",),
    )
    use = out.family("ictinfra_interface_utilization_ratio",
                     "Rate over capacity (0-1) per direction.",
                     labels=("interface", "direction"))  # fmt: skip
    for rate in rates:
        rx.add((rate.interface,), round(rate.receive, 3))
        tx.add((rate.interface,), round(rate.transmit, 3))
        if rate.speed_bps:
            speed.add((rate.interface,), rate.speed_bps / 8)
            for direction, value in (("receive", rate.receive), ("transmit", rate.transmit)):
                ratio = utilization(value, rate.speed_bps)
                if ratio is not None:
                    use.add((rate.interface, direction), round(ratio, 6))


def add_uplink_missing(out: Collection, device: str) -> None:
    out.family("ictinfra_uplink_found", "Whether the uplink port is known and polled.",
               labels=("device",)).add((device,), 0)  # fmt: skip


def add_uplink(out: Collection, sample: UplinkSample) -> None:
    interface = sample.interface
    if interface is None:
        log.info("uplink of %s unknown: %s", sample.device, sample.choice.reason)
        add_uplink_missing(out, sample.device)
        return
    out.family("ictinfra_uplink_found", "Whether the uplink port is known and polled.",
               labels=("device",)).add((sample.device,), 1)  # fmt: skip
    labels = ("device", "ifIndex", "ifName")
    key = (sample.device, str(interface.index), interface.label)
    out.family("ictinfra_uplink_info", "The switch port taken as the uplink, and why.",
               labels=(*labels, "source")).add((*key, sample.choice.source), 1)  # fmt: skip
    if interface.speed_bps:
        out.family("ictinfra_uplink_speed_bytes_per_second",
                   "The uplink's capacity (ifHighSpeed, else ifSpeed).",
                   labels=labels).add(key, interface.speed_bps / 8)  # fmt: skip
    use = out.family("ictinfra_uplink_utilization_ratio", "Uplink rate over capacity (0-1).",
                     labels=(*labels, "direction"))  # fmt: skip
    for direction, rate in (("receive", sample.receive), ("transmit", sample.transmit)):
        if rate is None:
            continue
        out.family(f"ictinfra_uplink_{direction}_bytes_per_second",
                   f"Uplink bytes per second ({direction}, from the switch's view of the port).",
                   labels=labels).add(key, round(rate, 3))  # fmt: skip
        ratio = utilization(rate, interface.speed_bps)
        if ratio is not None:
            use.add((*key, direction), round(ratio, 6))


def add_speedtest(out: Collection, last: SpeedTestResult | None) -> None:
    if last is None or last.error == "running":
        return
    out.family(
        "ictinfra_bandwidth_test_success", "Whether the last throughput test succeeded."
    ).add((), int(last.success))
    out.family(
        "ictinfra_bandwidth_test_timestamp_seconds",
        "When the last throughput test started (Unix time).",
    ).add((), last.started_at)
    rate = last.bytes_per_second
    if rate is not None:
        out.family(
            "ictinfra_bandwidth_test_download_bytes_per_second",
            "Download throughput from the collector in the last test.",
        ).add((), round(rate))
        out.family("ictinfra_bandwidth_test_bytes",
                   "Bytes transferred in the last test.").add((), last.bytes)  # fmt: skip
