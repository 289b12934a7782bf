"""CPU time per mode (/proc/stat) and CPU identity (/proc/cpuinfo, cpufreq in /sys)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from agent.collectors.host.files import read_int, read_text
from agent.model import Collection
from agent.wire.inventory import CpuInfo

log = logging.getLogger(__name__)

USER_HZ = 100  # the kernel's /proc/stat tick, fixed at 100 on every architecture Linux exports
CPU_MODES = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
GUEST_MODES = ("user", "nice")
# node_cpu_info's labels (node_exporter --collector.cpu.info) and the cpuinfo keys they come from.
CPU_INFO_LABELS = (
    ("cachesize", "cache size"),
    ("core", "core id"),
    ("cpu", "processor"),
    ("family", "cpu family"),
    ("microcode", "microcode"),
    ("model", "model"),
    ("model_name", "model name"),
    ("package", "physical id"),
    ("stepping", "stepping"),
    ("vendor", "vendor_id"),
)


@dataclass(frozen=True, slots=True)
class CpuTimes:
    cpu: str  # "0", "1", ...
    seconds: dict[str, float]
    guest: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProcStat:
    cpus: list[CpuTimes]
    boot_time: int | None


def parse_proc_stat(text: str) -> ProcStat:
    """Per-CPU lines (`cpuN user nice system idle iowait irq softirq steal guest guest_nice`)
    and `btime`; malformed lines are skipped."""
    cpus: list[CpuTimes] = []
    boot_time: int | None = None
    for line in text.splitlines():
        fields = line.split()
        if not fields:
            continue
        head = fields[0]
        if head.startswith("cpu") and head[3:].isdigit():
            times = _parse_cpu_line(head[3:], fields[1:])
            if times is not None:
                cpus.append(times)
        elif head == "btime" and len(fields) == 2 and fields[1].isdigit():
            boot_time = int(fields[1])
    return ProcStat(cpus, boot_time)


def _parse_cpu_line(cpu: str, values: list[str]) -> CpuTimes | None:
    try:
        ticks = [int(v) for v in values]
    except ValueError:
        log.warning("malformed /proc/stat line for cpu%s", cpu)
        return None
    if len(ticks) < len(CPU_MODES):
        ticks += [0] * (len(CPU_MODES) - len(ticks))
    seconds = {mode: ticks[i] / USER_HZ for i, mode in enumerate(CPU_MODES)}
    guest = {mode: t / USER_HZ for mode, t in zip(GUEST_MODES, ticks[8:10], strict=False)}
    return CpuTimes(cpu, seconds, guest)


def parse_cpuinfo(text: str) -> list[dict[str, str]]:
    """One dict per processor block (`key<TAB>: value`)."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
                current = {}
            continue
        key, sep, value = line.partition(":")
        if sep:
            current[key.strip()] = value.strip()
    if current:
        blocks.append(current)
    return [b for b in blocks if "processor" in b]


def cpu_inventory(processors: list[dict[str, str]], max_khz: int | None) -> CpuInfo:
    if not processors:
        return CpuInfo()
    first = processors[0]
    cores = {(p.get("physical id"), p.get("core id")) for p in processors if "core id" in p}
    if max_khz:
        max_mhz: float | None = max_khz / 1000
    else:
        mhz = [_float(p.get("cpu MHz")) for p in processors]
        max_mhz = max((m for m in mhz if m is not None), default=None)
    return CpuInfo(
        model=first.get("model name") or first.get("Processor") or first.get("cpu model"),
        vendor=first.get("vendor_id") or first.get("CPU implementer"),
        cores_physical=len(cores) or None,
        cores_logical=len(processors),
        max_mhz=max_mhz,
    )


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


@dataclass(slots=True)
class CpuFacts:
    """What does not change while the machine runs: read on inventory cycles only."""

    processors: list[dict[str, str]]
    inventory: CpuInfo
    max_hertz: dict[str, int]  # cpu -> cpuinfo_max_freq in Hz


def read_cpu_facts(proc_root: Path, sys_root: Path) -> CpuFacts:
    processors = parse_cpuinfo(read_text(proc_root / "cpuinfo") or "")
    max_hertz: dict[str, int] = {}
    for p in processors:
        cpu = p["processor"]
        khz = read_int(sys_root / f"devices/system/cpu/cpu{cpu}/cpufreq/cpuinfo_max_freq")
        if khz:
            max_hertz[cpu] = khz * 1000
    first_khz = next(iter(max_hertz.values()), 0) // 1000 or None
    return CpuFacts(processors, cpu_inventory(processors, first_khz), max_hertz)


def add_cpu_times(out: Collection, stat: ProcStat) -> None:
    seconds = out.family(
        "node_cpu_seconds_total",
        "Seconds the CPUs spent in each mode.",
        "counter",
        ("cpu", "mode"),
    )
    guest = out.family(
        "node_cpu_guest_seconds_total",
        "Seconds the CPUs spent in guests (VMs) for each mode.",
        "counter",
        ("cpu", "mode"),
    )
    for times in stat.cpus:
        for mode, value in times.seconds.items():
            seconds.add((times.cpu, mode), value)
        for mode, value in times.guest.items():
            guest.add((times.cpu, mode), value)


def add_cpu_facts(out: Collection, facts: CpuFacts) -> None:
    info = out.family(
        "node_cpu_info",
        "CPU information from /proc/cpuinfo.",
        "gauge",
        tuple(label for label, _ in CPU_INFO_LABELS),
    )
    for p in facts.processors:
        info.add((p.get(key, "") for _, key in CPU_INFO_LABELS), 1)
    max_freq = out.family(
        "node_cpu_frequency_max_hertz",
        "Maximum cpu thread frequency in hertz.",
        "gauge",
        ("cpu",),
    )
    for cpu, hertz in facts.max_hertz.items():
        max_freq.add((cpu,), hertz)
