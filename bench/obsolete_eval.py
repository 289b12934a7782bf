"""The obsolescence rules over 100,000 devices: wall time and peak RSS.

    python3 bench/obsolete_eval.py [--devices 100000] [--sites 3000] [--seed 1]
        [--out bench/results/obsolete_eval.json]

Devices are built in memory (SeenDevice values, as collector.devices.view gives them) with the
mix of a province: PCs and laptops (Windows XP .. 11 builds, Debian/Ubuntu os-release), servers,
switches and routers whose sysDescr strings are the recorded ones (Cisco IOS 12.2, IOS XE, Junos,
ProCurve, Arista, VRP), UPSs and printers; ages from each kind of evidence, specs above and below
the floors. Timed separately: building the devices, `evaluate` (one verdict per device, reasons
holding now), and `split` + the contract JSON (obsolete, soon-obsolete, unknown lists) for the
shipped rules with one province override laid over a third of the sites. Peak RSS is the
process's ru_maxrss after `evaluate` and after everything (the report's JSON text included).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from collector.devices.model import AgeEvidence, SeenDevice, SoftwareFact, Specs
from collector.obsolete import evaluate, load_rules
from collector.obsolete.engine import split
from collector.obsolete.report import report

AT = dt.date(2026, 12, 1)
GIB = 2**30
SYS_DESCR = {
    "switch": [
        "Cisco IOS Software, C3560 Software (C3560-IPSERVICESK9-M), Version 12.2(55)SE3",
        "Cisco IOS Software [Amsterdam], Catalyst L3 Switch Software (CAT9K_IOSXE), Version 17.3.4",
        "ProCurve 516733-B21 6120XG Blade Switch, revision Z.14.31",
        "Digital China DCS-3726S",
        "Arista Networks EOS version 4.20.5F running on an Arista Networks DCS-7150S-52-CL",
        "Huawei Versatile Routing Platform Software VRP (R) software, Version 5.170 (S5720)",
    ],
    "router": [
        "Juniper Networks, Inc. mx960 internet router, kernel JUNOS 13.3R9.13",
        "RouterOS 6.49.7 (long-term) RB951G-2HnD",
        "Cisco IOS Software, 2800 Software (C2800NM-ADVIPSERVICESK9-M), Version 15.1(4)M12a",
    ],
}
WINDOWS = [
    ("Windows XP", "5.1.2600"),
    ("Windows 7", "6.1.7601"),
    ("Windows 10", "10.0.19045"),
    ("Windows 10", "10.0.19044"),
    ("Windows 11", "10.0.22631"),
    ("Windows 11", "10.0.26100"),
]
LINUX = [("debian", "10"), ("debian", "12"), ("ubuntu", "18.04"), ("ubuntu", "22.04")]
SERVERS = [("Windows 2003Server", "5.2.3790"), ("Windows 2012ServerR2", "6.3.9600"),
           ("Windows 2019Server", "10.0.17763")]  # fmt: skip
KINDS = (
    ["pc"] * 55
    + ["laptop"] * 15
    + ["server"] * 5
    + ["switch"] * 12
    + ["router"] * 3
    + ["printer"] * 7
    + ["ups"] * 3
)


def _age(rng: random.Random) -> tuple[AgeEvidence, ...]:
    day = AT - dt.timedelta(days=rng.randint(30, 18 * 365))
    source = rng.choice(["register", "entity_mfg_date", "serial_date", "bios_date", "first_seen"])
    lower = source in ("bios_date", "first_seen")
    return (AgeEvidence(source, day, f"{source} {day}", lower),)  # type: ignore[arg-type]


def _software(kind: str, rng: random.Random) -> tuple[SoftwareFact, ...]:
    if kind in SYS_DESCR:
        return (SoftwareFact("sys_descr", rng.choice(SYS_DESCR[kind])),)
    if kind == "server":
        name, version = rng.choice(SERVERS)
        return (SoftwareFact("windows", name, "windows", version),)
    if kind in ("pc", "laptop"):
        if rng.random() < 0.8:
            name, version = rng.choice(WINDOWS)
            return (SoftwareFact("windows", name, "windows", version),)
        os_id, version = rng.choice(LINUX)
        return (SoftwareFact("os_release", f"{os_id} {version}", os_id, version),)
    return ()


def _specs(kind: str, rng: random.Random) -> Specs:
    if kind in ("switch", "router"):
        return Specs(max_port_speed_bits_per_second=rng.choice([10**8, 10**9, 10**10]))
    return Specs(
        memory_bytes=rng.choice([1, 2, 4, 8, 16]) * GIB,
        cpu_cores=rng.choice([1, 2, 4, 8]),
        disk_bytes=rng.choice([80, 250, 500, 1000]) * 10**9,
    )


def build(count: int, sites: int, seed: int) -> list[SeenDevice]:
    rng = random.Random(seed)
    seen = time.time() - 86400 * 200
    devices = []
    for i in range(count):
        kind: Any = rng.choice(KINDS)
        site = f"{rng.randrange(sites):05d}"
        device = SeenDevice(
            site, "snmp", f"dev-{i}", "agent", kind, (), seen, seen,
            ages=_age(rng), software=_software(kind, rng), specs=_specs(kind, rng),
        )  # fmt: skip
        devices.append(device)
    return devices


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--sites", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    started, cpu_started = time.perf_counter(), time.process_time()
    devices = build(args.devices, args.sites, args.seed)
    built, cpu_built = time.perf_counter(), time.process_time()
    rules = load_rules(None)
    verdicts = evaluate(devices, rules, AT)
    evaluated, cpu_evaluated = time.perf_counter(), time.process_time()
    rss_evaluated = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with tempfile.TemporaryDirectory() as tmp:
        province = Path(tmp) / "province.yaml"
        province.write_text("classes:\n  switch:\n    max_age_years: 10\n", encoding="utf-8")
        overridden = load_rules(None, province=province)
        result = split(devices, lambda s: overridden if int(s) % 3 == 0 else rules, AT, 12)
        data = report(result, {"version": rules.version}, AT, "vi")
        text = json.dumps(data, ensure_ascii=False)
    reported, cpu_reported = time.perf_counter(), time.process_time()
    figures: dict[str, Any] = {
        "devices": args.devices,
        "sites": args.sites,
        "build_seconds": round(built - started, 2),
        "evaluate_seconds": round(evaluated - built, 2),
        "split_and_report_seconds": round(reported - evaluated, 2),
        "build_cpu_seconds": round(cpu_built - cpu_started, 2),
        "evaluate_cpu_seconds": round(cpu_evaluated - cpu_built, 2),
        "split_and_report_cpu_seconds": round(cpu_reported - cpu_evaluated, 2),
        "obsolete": sum(1 for v in verdicts if v.obsolete),
        "soon_obsolete": len(result.soon),
        "with_unknown": data["counts"]["with_unknown"],
        "report_json_bytes": len(text.encode()),
        "peak_rss_after_evaluate_mib": round(rss_evaluated, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu?'}",
    }
    print(json.dumps(figures, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
