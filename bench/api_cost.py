"""What each read endpoint of the collector costs at national size: CPU per request and bytes.

Fills a real store (SQLite, or PostgreSQL started here as tests/peers/postgres.py does) through
the collector's own code: the registry from a sites CSV (`import_units`), one inventory per site
through the ingest path (`parse_inventory` + `InventoryStore.record`, as `POST /api/v1/inventory`
does), a ranking run (`ranking.run.compute` with every PromQL answer made up here, the devices
read from the store) stored as a snapshot, a reader token and a web account. Then it starts a real
`ictinfra-collector serve` on that store and, per endpoint, times the collector process's
CPU (utime + stime from /proc, all threads) for the first request (cold) and the next ones
(warm), with the response's size. After the warm round it records one more inventory and asks
again: what a request costs right after new data (and that the new data is in the answer).

    .venv/bin/python bench/api_cost.py [--communes 3321] [--provinces 34] [--devices 19]
        [--lan 40] [--store sqlite|postgres|both] [--warm 3] [--out FILE.json] [--only TEXT]
    .venv/bin/python bench/api_cost.py --table [BEFORE.json] AFTER.json   # the Markdown table

A national unit `VN` sits above the provinces, so a ministry's reader sees every site.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from collector.config import CollectorConfig  # noqa: E402
from collector.intake import parse_inventory  # noqa: E402
from collector.ranking.methodology import load_methodology  # noqa: E402
from collector.ranking.period import parse_period  # noqa: E402
from collector.ranking.prom import Sample  # noqa: E402
from collector.ranking.run import compute  # noqa: E402
from collector.ranking.snapshots import RankingSnapshots  # noqa: E402
from collector.readers import issue_reader_token  # noqa: E402
from collector.sites_csv import parse_sites_csv  # noqa: E402
from collector.store import Store, open_store  # noqa: E402
from collector.web.accounts import Accounts  # noqa: E402
from tests.peers.collector import spawn_serve  # noqa: E402
from tests.peers.common import free_port, stop, wait_until  # noqa: E402
from tests.peers.postgres import running_postgres  # noqa: E402

PERIOD = "2026-11-30"
PASSWORD = "mật-khẩu-đủ-dài-bench"
TICK = os.sysconf("SC_CLK_TCK")
SNMP_KINDS = [  # (kind, vendor, sysDescr, model, year made): old and current equipment
    ("switch", "ciscoSystems", "Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), "
     "Version 12.2(55)SE5, RELEASE SOFTWARE (fc1)", "WS-C2960-24TT-L", 2010),
    ("switch", "ciscoSystems", "Cisco IOS Software, C3560 Software, Version 15.0(2)SE11",
     "WS-C3560G-24TS", 2009),
    ("router", "mikrotik", "RouterOS RB951Ui-2HnD 6.45.9", "RB951Ui-2HnD", 2018),
    ("firewall", "fortinet", "FortiGate-60E v6.0.4,build0231,190107 (GA)", "FGT60E", 2019),
    ("switch", "hp", "HP J9773A 2530-24G-PoEP Switch, revision YA.16.10.0003", "J9773A", 2016),
    ("ups", "apc", "APC Web/SNMP Management Card (MB:v4.1.0 PF:v6.4.6)", "SMT1500", 2014),
    ("access_point", "ubiquiti", "UAP-AC-Lite 4.0.80", "UAP-AC-Lite", 2021),
]  # fmt: skip
LAN_VENDORS = ["Brother Industries", "Dell Inc.", "HP Inc.", "Lenovo", "ASUSTek", "Canon"]


# --- the store --------------------------------------------------------------------------


def sites_csv(provinces: int, communes: int) -> str:
    rows = ["code,name,level,parent_code,staff,offices", "VN,Việt Nam,country,,100000,100"]
    rows += [f"P{p:02d},Tỉnh {p},province,VN,2000,20" for p in range(provinces)]
    rows += [f"C{c:05d},Xã {c},commune,P{c % provinces:02d},30,1" for c in range(communes)]
    return "\n".join(rows) + "\n"


def site_codes(provinces: int, communes: int) -> list[str]:
    return [f"P{p:02d}" for p in range(provinces)] + [f"C{c:05d}" for c in range(communes)]


def inventory(index: int, code: str, devices: int, lan: int, at: float) -> dict[str, Any]:
    """What one site's agent sends: its host, `devices` SNMP targets, `lan` LAN hosts."""
    tag = f"{index >> 8 & 255:02x}:{index & 255:02x}"
    targets = []
    for d in range(devices):
        kind, vendor, descr, model, year = SNMP_KINDS[(index + d) % len(SNMP_KINDS)]
        targets.append({
            "device": f"{kind}-{d}", "address": f"10.{index // 250}.{index % 250}.{200 + d}:161",
            "reachable": True, "vendor": vendor, "kind": kind, "sys_descr": descr,
            "max_port_speed_bits_per_second": 10**9, "port_count": 24,
            "entities": [{"index": 1, "entity_class": "chassis", "model": model,
                          "serial": f"SN{index:05d}{d:03d}",
                          "mfg_date": f"{year - (index % 3)}-03-01"}],
        })  # fmt: skip
    hosts = [
        {"ip": f"10.{index // 250}.{index % 250}.{h + 1}", "mac": f"00:80:77:{tag}:{h:02x}",
         "vendor": LAN_VENDORS[h % len(LAN_VENDORS)], "first_seen": at, "last_seen": at,
         "present": True, "open_ports": [9100] if h % 5 == 0 else [135, 445]}
        for h in range(lan)
    ]  # fmt: skip
    host = {
        "hostname": f"srv-{code}", "os": {"system": "Linux", "id": "debian", "version": "9",
               "name": "Debian GNU/Linux 9 (stretch)"},
        "dmi": {"chassis_type": "Tower", "bios_date": f"{2012 + index % 10}-01-02",
                "sys_vendor": "Dell Inc.", "product_name": "PowerEdge T110 II",
                "product_serial": f"DMI{index:06d}"},
        "nics": [{"name": "eth0", "mac": f"aa:bb:{tag}:00:01"}],
    }  # fmt: skip
    return {"agent": {"version": "0.1.0", "hostname": f"srv-{code}"}, "collected_at": at,
            "host": host, "devices": targets, "lan_hosts": hosts}  # fmt: skip


def record(store: Store, config: CollectorConfig, code: str, document: dict[str, Any]) -> None:
    """As POST /api/v1/inventory: parse and check the body, then store it."""
    text, snapshot = parse_inventory(json.dumps(document).encode(), config.limits, time.time())
    store.inventory.record(code, snapshot, text)


class MadeUpPrometheus:
    """Answers the methodology's PromQL for every site: all steps reported, links up, CPU and
    memory never hot, 100 Mbit/s tested, a 1 Gbit/s uplink, two managed switches."""

    def __init__(self, sites: list[str], steps: int) -> None:
        self.sites, self.steps, self.queries = sites, steps, 0

    def samples(self, _selector: str, _at: float, _seconds: float) -> list[tuple[float, float]]:
        return []  # no recorded clock: every query is read raw over one segment

    def instant(self, query: str, _at: float) -> list[Sample]:
        self.queries += 1
        value = self._value(query)
        kinds = ("internet", "wan", "gateway") if "probe_up" in query else ("",)
        return [
            Sample({"site": s, "instance": f"srv-{s}", "kind": k, "device": ""}, value)
            for s in self.sites
            for k in kinds
        ]

    def _value(self, query: str) -> float:
        if re.search(r">= bool", query):
            return 0.0
        for needle, value in (("bandwidth_test", 12.5e6), ("uplink_speed", 125e6),
                              ("lan_uplink", 125e6), ("managed_switches", 2.0),
                              ("fast_ethernet_only", 0.0)):  # fmt: skip
            if needle in query:
                return value
        return float(self.steps)

    def close(self) -> None:
        pass


def rank(store: Store, config: CollectorConfig, sites: list[str]) -> None:
    methodology = load_methodology()
    period = parse_period(PERIOD, methodology.rules.zone)
    steps = int(period.seconds // methodology.rules.step)
    reader = MadeUpPrometheus(sites, steps)
    result, inputs = compute(store, reader, methodology, period, config.obsolete)  # type: ignore[arg-type]
    RankingSnapshots(store.engine).store(result, methodology.text, inputs)


def fill(url: str, args: argparse.Namespace) -> tuple[str, float]:
    """The national store at `url`; (a national reader token, seconds taken)."""
    started = time.perf_counter()
    store = open_store(url, init=True)
    config = CollectorConfig.model_validate({"database_url": url, "forward": []})
    store.registry.import_units(parse_sites_csv(sites_csv(args.provinces, args.communes)), "bench")
    codes = site_codes(args.provinces, args.communes)
    now = time.time() - 3600
    for i, code in enumerate(codes):
        record(store, config, code, inventory(i, code, args.devices, args.lan, now))
        if i % 500 == 499:
            print(f"  {i + 1} inventories stored ({time.perf_counter() - started:.0f} s)",
                  flush=True)  # fmt: skip
    rank(store, config, codes)
    token = issue_reader_token(store, "VN")
    Accounts(store.engine).add("bo-tttt", "VN", PASSWORD)
    store.close()
    return token, time.perf_counter() - started


# --- the requests -----------------------------------------------------------------------

API = [  # (name, path, params)
    ("api obsolete (national)", "/api/v1/obsolete", {"limit": "1000"}),
    ("api obsolete (a province)", "/api/v1/obsolete", {"site": "P01"}),
    ("api obsolete (a commune)", "/api/v1/obsolete", {"site": "C00001"}),
    ("api indicators (national)", "/api/v1/indicators", {"period": PERIOD}),
    ("api devices (national)", "/api/v1/devices", {"limit": "1000"}),
    ("api devices (a province)", "/api/v1/devices", {"site": "P01"}),
]
WEB = [
    ("web / (sites)", "/", {}),
    ("web /devices", "/devices", {}),
    ("web /obsolete", "/obsolete", {}),
    ("web /obsolete (a province)", "/obsolete", {"site": "P01"}),
    ("web /ranking", "/ranking", {}),
    *[(f"web /export/{n}.{k}", f"/export/{n}.{k}", {})
      for n in ("sites", "devices", "obsolete", "ranking") for k in ("csv", "xlsx")],
]  # fmt: skip


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def timed(client: httpx.Client, pid: int, path: str, params: dict[str, str]) -> dict[str, Any]:
    cpu, wall = cpu_seconds(pid), time.perf_counter()
    answer = client.get(path, params=params)
    wall, cpu = time.perf_counter() - wall, cpu_seconds(pid) - cpu
    return {"status": answer.status_code, "bytes": len(answer.content), "cpu_s": round(cpu, 3),
            "wall_s": round(wall, 3), "body": answer.content}  # fmt: skip


def login(client: httpx.Client) -> None:
    form = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf, form[:500]
    answer = client.post("/login", data={"csrf": csrf.group(1), "username": "bo-tttt",
                                         "password": PASSWORD})  # fmt: skip
    assert answer.status_code == 303, answer.text[:500]


@contextlib.contextmanager
def serving(url: str, root: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    config = root / "collector.yml"
    config.write_text(json.dumps({
        "listen": f"127.0.0.1:{port}", "database_url": url, "forward": [],
        "prometheus_url": "http://127.0.0.1:9", "log": {"level": "warning"},
    }), encoding="utf-8")  # fmt: skip
    process = spawn_serve(config, root / "collector.log")
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        assert process.poll() is None, (root / "collector.log").read_text()[-3000:]
        try:
            return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(healthy, 120, "collector")
        yield base, process.pid
    finally:
        stop(process)


def measure(url: str, token: str, root: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with serving(url, root) as (base, pid):
        api = httpx.Client(base_url=base, timeout=600,
                           headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        web = httpx.Client(base_url=base, timeout=600, follow_redirects=False)
        login(web)
        requests = [(api, *r) for r in API] + [(web, *r) for r in WEB]
        requests = [r for r in requests if args.only in r[1]]
        for client, name, path, params in requests:
            cold = timed(client, pid, path, params)
            warm = [timed(client, pid, path, params) for _ in range(args.warm)]
            rows.append({"endpoint": name, "path": path, "params": params,
                         "status": cold["status"], "bytes": cold["bytes"],
                         "cold_cpu_s": cold["cpu_s"], "cold_wall_s": cold["wall_s"],
                         "warm_cpu_s": min(w["cpu_s"] for w in warm),
                         "warm_wall_s": min(w["wall_s"] for w in warm),
                         "same_answer": all(w["body"] == cold["body"] for w in warm
                                            if "xlsx" not in path)})  # fmt: skip
            print(f"  {name}: {cold['status']} {cold['bytes']:,} B, cold {cold['cpu_s']:.2f} s"
                  f" CPU, warm {rows[-1]['warm_cpu_s']:.2f} s", flush=True)  # fmt: skip
        if not args.only or args.only.startswith("api"):
            rows += [every_page(api, pid, name, path) for name, path, _ in (API[0], API[4])]
            rows += after_new_data(url, api, pid, args)
        rows.append({"endpoint": "collector memory at the end", "rss_mib": rss_mib(pid)})
    return rows


def rss_mib(pid: int) -> dict[str, float]:
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return {k: int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM")}


def every_page(api: httpx.Client, pid: int, name: str, path: str) -> dict[str, Any]:
    """A ranking job reading the whole list: page after page until `next_offset` is null."""
    cpu, size, pages, offset = 0.0, 0, 0, 0
    while offset is not None and pages < 10_000:
        answer = timed(api, pid, path, {"offset": str(offset)} if offset else {})
        cpu, size, pages = cpu + answer["cpu_s"], size + answer["bytes"], pages + 1
        offset = json.loads(answer["body"]).get("page", {}).get("next_offset")
    print(f"  {name}, every page: {pages} pages, {size:,} B, {cpu:.2f} s CPU", flush=True)
    return {"endpoint": f"{name}, every page", "path": path, "pages": pages, "bytes": size,
            "cold_cpu_s": round(cpu, 3)}  # fmt: skip


def after_new_data(
    url: str, api: httpx.Client, pid: int, args: argparse.Namespace
) -> list[dict[str, Any]]:
    """One site sends a new inventory (a new switch): the next answer must have it."""
    store = open_store(url)
    config = CollectorConfig.model_validate({"database_url": url, "forward": []})
    document = inventory(1, "C00001", args.devices, args.lan, time.time())
    document["devices"].append({**document["devices"][1], "device": "new-old-switch"})
    document["devices"][-1]["entities"] = [{**document["devices"][1]["entities"][0],
                                            "serial": "SN-NEW-ONE"}]  # fmt: skip
    record(store, config, "C00001", document)
    store.close()
    rows = []
    for name, path, params in API[:2] + API[4:6]:  # C00001 is in province P01
        answer = timed(api, pid, path, params)
        seen = b"new-old-switch" in answer["body"] if params else None
        rows.append({"endpoint": f"{name}, after a new inventory", "path": path,
                     "params": params, "status": answer["status"], "bytes": answer["bytes"],
                     "cold_cpu_s": answer["cpu_s"], "cold_wall_s": answer["wall_s"],
                     "new_data_seen": seen})  # fmt: skip
        print(f"  {name} after new data: {answer['cpu_s']:.2f} s CPU, new data seen: {seen}")
    return rows


def run(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="ictinfra-apicost-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        root = Path(tmp)
        if kind == "sqlite":
            url = f"sqlite:///{root / 'collector.db'}"
        else:
            url = stack.enter_context(running_postgres()).database_url("apicost")
        print(f"{kind}: filling {args.provinces} provinces + {args.communes} communes", flush=True)
        token, filled = fill(url, args)
        print(f"{kind}: filled in {filled:.0f} s", flush=True)
        return {
            "store": kind,
            "fill_s": round(filled, 1),
            "requests": measure(url, token, root, args),
        }


def table(before: dict[str, Any] | None, after: dict[str, Any]) -> str:
    """Markdown: per store and endpoint, size and CPU (cold, warm), beside the run before."""
    lines = []
    for run in after["runs"]:
        old = {}
        for other in (before or {"runs": []})["runs"]:
            if other["store"] == run["store"]:
                old = {r["endpoint"]: r for r in other["requests"]}
        lines += [f"\n{run['store']} (filled in {run['fill_s']:.0f} s):\n",
                  "| request | status | bytes | CPU cold | CPU warm | before: bytes | before: CPU "
                  "cold / warm |", "|---|---|---|---|---|---|---|"]  # fmt: skip
        for row in run["requests"]:
            if "rss_mib" in row:
                rss = row["rss_mib"]
                lines.append(f"| collector RSS at the end | | {rss['VmRSS']:.0f} MiB (peak "
                             f"{rss['VmHWM']:.0f}) | | | | |")  # fmt: skip
                continue
            was = old.get(row["endpoint"], {})
            warm = f"{row['warm_cpu_s']:.2f} s" if "warm_cpu_s" in row else ""
            was_cpu = (f"{was['cold_cpu_s']:.2f} / {was.get('warm_cpu_s', 0):.2f} s"
                       if was else "")  # fmt: skip
            note = f" ({row['pages']} pages)" if "pages" in row else ""
            was_bytes = f"{was['bytes']:,}" if was else ""
            lines.append(
                f"| {row['endpoint']}{note} | {row.get('status', '')} | {row['bytes']:,} | "
                f"{row['cold_cpu_s']:.2f} s | {warm} | {was_bytes} | {was_cpu} |"
            )
    return "\n".join(lines) + "\n"


def main() -> int:
    if sys.argv[1:2] == ["--table"]:  # --table [BEFORE.json] AFTER.json
        files = [json.loads(Path(f).read_text(encoding="utf-8")) for f in sys.argv[2:]]
        print(table(files[0] if len(files) > 1 else None, files[-1]), end="")
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=3321)
    parser.add_argument("--provinces", type=int, default=34)
    parser.add_argument("--devices", type=int, default=19, help="SNMP targets per site")
    parser.add_argument("--lan", type=int, default=40, help="LAN hosts per site")
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--warm", type=int, default=3, help="warm requests per endpoint")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--only", default="", help="the requests whose name holds this text")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.store == "both" else [args.store]
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    results = {
        "started": started,
        "load": os.getloadavg(),
        "args": {k: v for k, v in vars(args).items() if k != "out"},
        "runs": [run(k, args) for k in kinds],
    }
    if args.out:
        args.out.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
