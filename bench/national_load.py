"""The national load, simulated: N sites pushing into collector replicas on PostgreSQL, forwarding
to VictoriaMetrics, all on loopback.

Each site is registered in the collector's registry (one province per 100 communes) with its own
token and pushes what an agent pushes: SERIES series (host metrics with node_exporter's names and
labels, the rest IF-MIB interface columns with snmp_exporter's, `job`/`instance` as the agent's
push sets them), one sample per series every INTERVAL seconds, each site at its own phase. A
share of the sites (`--backlog`) also replays a backlog after an outage, as the agent's sender
does: one request in flight, BACKLOG_SAMPLES samples per series per request (the agent's 8 MiB /
40,000-sample requests), oldest first, as fast as the centre answers.

Per step (N sites, a warm-up interval, then DURATION seconds measured) it prints the parameters
and: samples/s accepted (live and backlog apart); CPU-seconds, from /proc, of every collector
replica, of VictoriaMetrics, of PostgreSQL (postmaster and backends) and of HAProxy, hence
samples/s per collector core and per TSDB core; PostgreSQL statements and transactions per
request (pg_stat_statements, pg_stat_database); p50/p99 write latency as the sender sees it;
answers by status. The load average is printed beside, as the machine is shared: compare
CPU-seconds, not wall time.

    python3 bench/national_load.py [--sites 20,40,80] [--duration 60] [--replicas 1]
        [--backlog 0.1] [--fastpath on|off|both] [--series 2000] [--interval 15]

With --replicas > 1 the collectors sit behind HAProxy (tests/peers/haproxy.py's config).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import csv
import io
import json
import os
import random
import re
import struct
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agent.collectors.snmp.mibs.ifmib import LABELS, METRIC_COLUMNS  # noqa: E402
from agent.wire.remote_write import WRITE_HEADERS, build_write_request, compress  # noqa: E402
from collector.store.db import make_engine  # noqa: E402
from collector.store.registry import Registry  # noqa: E402
from tests.peers.collector import CollectorProcess, start_collector  # noqa: E402
from tests.peers.haproxy import BACKEND, HAProxy, start_haproxy  # noqa: E402
from tests.peers.postgres import PostgresServer, running_postgres  # noqa: E402
from tests.peers.victoriametrics import DEDUP_FLAG, VictoriaMetricsServer  # noqa: E402

STEP_MS = 15_000
HOST_PLACEHOLDER = "srv-XXXXXX"  # the `instance` label: "srv-" + the site's code, put in place
CPU_MODES = ("idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user")
MEMORY = ("MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapTotal", "SwapFree")
MOUNTS = (("/dev/sda1", "ext4", "/"), ("/dev/sda2", "ext4", "/home"), ("tmpfs", "tmpfs", "/run"))
FS_METRICS = ("size_bytes", "free_bytes", "avail_bytes", "files", "files_free", "readonly")
NIC_METRICS = ("receive_bytes_total", "transmit_bytes_total", "receive_packets_total",
               "transmit_packets_total", "receive_errs_total", "transmit_errs_total")  # fmt: skip


# --- what one site sends -----------------------------------------------------------------


def _host_series() -> list[tuple[dict[str, str], bool]]:
    """node_exporter-named host series, (labels without job/instance, is_counter)."""
    out: list[tuple[dict[str, str], bool]] = []
    for cpu in range(4):
        for mode in CPU_MODES:
            out.append(
                ({"__name__": "node_cpu_seconds_total", "cpu": str(cpu), "mode": mode}, True)
            )
    out += [({"__name__": f"node_memory_{m}_bytes"}, False) for m in MEMORY]
    for device, fstype, mount in MOUNTS:
        for metric in FS_METRICS:
            labels = {"__name__": f"node_filesystem_{metric}", "device": device,
                      "fstype": fstype, "mountpoint": mount}  # fmt: skip
            out.append((labels, False))
    for nic in ("eth0", "eth1"):
        out += [({"__name__": f"node_network_{m}", "device": nic}, True) for m in NIC_METRICS]
    for name in ("node_load1", "node_load5", "node_load15", "node_boot_time_seconds"):
        out.append(({"__name__": name}, False))
    for target in ("gateway", "province", "internet"):
        for metric in ("up", "rtt_seconds", "loss_ratio"):
            labels = {"__name__": f"ictinfra_probe_{metric}", "probe": target, "kind": "icmp"}
            out.append((labels, False))
    return out


def _interface_series(count: int) -> list[tuple[dict[str, str], bool]]:
    """The agent's IF-MIB families of switch ports (snmp_exporter's names and labels, `device`)."""
    out: list[tuple[dict[str, str], bool]] = []
    for port in range(-(-count // (len(METRIC_COLUMNS) + 1))):
        device, index = f"sw-{port // 24 + 1}", port % 24 + 1
        values = (device, f"office room {index}", f"GigabitEthernet1/0/{index}", str(index),
                  f"Gi1/0/{index}")  # fmt: skip
        base = dict(zip(LABELS, values, strict=True))
        out.append(({"__name__": "ifIndex", **base}, False))
        for column in METRIC_COLUMNS:
            if column.kind == "enum_info":
                out.append(({"__name__": "ifType_info", **base, "ifType": "ethernetCsmacd"}, False))
            elif column.kind == "mac":
                mac = f"00:1a:2b:3c:{port // 256:02x}:{port % 256:02x}"
                out.append(({"__name__": column.name, **base, column.name: mac}, False))
            else:
                out.append(({"__name__": column.name, **base}, column.kind == "counter"))
    return out[:count]


def site_series(count: int) -> list[tuple[dict[str, str], bool]]:
    """`count` series as one agent sends them (host + SNMP), labels with job and instance."""
    host = _host_series()
    series = host + _interface_series(count - len(host))
    agent = {"job": "ictinfra-agent", "instance": HOST_PLACEHOLDER}
    return [({**labels, **agent}, counter) for labels, counter in series[:count]]


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


@dataclass
class Template:
    """One encoded WriteRequest (the agent's own encoder) and where each sample's value and
    timestamp sit in it, so that a request is a byte copy, in-place writes and snappy."""

    raw: bytes
    per_series: int
    counters: list[bool]
    values: list[int] = field(default_factory=list)  # offsets, series-major
    stamps: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, series: Sequence[tuple[dict[str, str], bool]], per_series: int) -> Template:
        t0 = 1 << 41  # ms timestamps from 2**35 (1971) to 2**42 (2109): 6-byte varints, as this
        sentinel = [[float(1 + i * per_series + k) + 0.5 for k in range(per_series)]
                    for i in range(len(series))]  # fmt: skip
        message = build_write_request(
            (labels, [(t0 + k * STEP_MS, sentinel[i][k]) for k in range(per_series)])
            for i, (labels, _) in enumerate(series)
        )
        raw = message.SerializeToString()
        template = cls(raw, per_series, [counter for _, counter in series])
        position = 0
        for i in range(len(series)):
            for k in range(per_series):
                position = raw.index(b"\x09" + struct.pack("<d", sentinel[i][k]) + b"\x10",
                                     position) + 1  # fmt: skip
                template.values.append(position)
                template.stamps.append(position + 9)
        return template

    def for_site(self, code: str) -> bytes:
        host = f"srv-{code}"
        if len(host) != len(HOST_PLACEHOLDER):  # a length change would break every offset
            raise ValueError(f"site code {code!r}: 6 characters expected")
        return self.raw.replace(HOST_PLACEHOLDER.encode(), host.encode())

    def body(self, site_raw: bytes, first_ms: int, cycle: int) -> bytes:
        """Samples at first_ms, first_ms + 15 s, ...: counters grow, gauges wander a little."""
        buf = bytearray(site_raw)
        stamps = [_varint(first_ms + k * STEP_MS) for k in range(self.per_series)]
        pack = struct.Struct("<d").pack_into
        n = 0
        for i, counter in enumerate(self.counters):
            for k in range(self.per_series):
                step = cycle * self.per_series + k
                value = step * (i % 97 + 1) * 1500.0 if counter else float(i % 13 + step % 3)
                pack(buf, self.values[n], value)
                offset = self.stamps[n]
                buf[offset : offset + 6] = stamps[k]
                n += 1
        return compress(bytes(buf))


# --- the peers ---------------------------------------------------------------------------


def proc_cpu(pids: Sequence[int]) -> float:
    """CPU-seconds (user + system) of these processes, their live descendants and their reaped
    children, from /proc/PID/stat."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, list[int]]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                stats[int(entry.name)] = (int(fields[1]), [int(f) for f in fields[11:15]])
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    total, todo, seen = 0, list(pids), set()
    while todo:
        pid = todo.pop()
        if pid in seen or pid not in stats:
            continue
        seen.add(pid)
        total += sum(stats[pid][1])  # utime, stime, cutime, cstime
        todo += children.get(pid, [])
    return total / tick


@dataclass
class PgCounts:
    """pg_stat_statements' calls by statement text and total execution time (ms), and
    pg_stat_database's sessions (connections opened)."""

    calls: Counter[str] = field(default_factory=Counter)
    exec_ms: float = 0.0
    sessions: int = 0

    @property
    def xacts(self) -> int:
        """Transactions: psycopg opens each with a BEGIN statement. (pg_stat_database's
        xact_commit lags: a busy backend reports it to the statistics a second or more late.)"""
        return self.calls["BEGIN"]

    def __sub__(self, other: PgCounts) -> PgCounts:
        return PgCounts(self.calls - other.calls, self.exec_ms - other.exec_ms,
                        self.sessions - other.sessions)  # fmt: skip


@dataclass
class Centre:
    postgres: PostgresServer
    database: str
    vm: VictoriaMetricsServer
    collectors: list[CollectorProcess]
    write_url: str
    database_url: str
    balancer: HAProxy | None = None  # when there are replicas

    def cpu(self) -> dict[str, float]:
        out = {f"collector {n}": proc_cpu([c.process.pid]) for n, c in enumerate(self.collectors)}
        assert self.vm.process is not None and self.postgres.process is not None
        out["victoriametrics"] = proc_cpu([self.vm.process.pid])
        out["postgresql"] = proc_cpu([self.postgres.process.pid])
        if self.balancer is not None:
            out["haproxy"] = proc_cpu([self.balancer.process.pid])
        return out

    def pg_counts(self) -> PgCounts:
        """Calls so far of each statement, their execution time, and transactions, in the
        collector's database."""
        url = f"postgresql://ictinfra@127.0.0.1:{self.postgres.port}/postgres"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT pg_stat_clear_snapshot()")
            rows = conn.execute(
                "SELECT s.query, s.calls, s.total_exec_time FROM pg_stat_statements s "
                "JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = %s", (self.database,)
            ).fetchall()  # fmt: skip
            sessions = conn.execute(
                "SELECT sessions FROM pg_stat_database WHERE datname = %s", (self.database,)
            ).fetchone()
        counts = PgCounts(sessions=int(sessions[0]) if sessions else 0)
        for query, count, exec_ms in rows:
            text = " ".join(str(query).split())[:90]
            counts.calls[text] += int(count)
            counts.exec_ms += float(exec_ms)
        return counts

    def backends(self) -> int:
        """Connections to the collector's database now (each replica's pool, held or idle)."""
        url = f"postgresql://ictinfra@127.0.0.1:{self.postgres.port}/postgres"
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (self.database,)
            ).fetchone()
        return int(row[0]) if row else 0

    def complaints(self) -> Counter[str]:
        """The collectors' WARNING and ERROR lines so far, by message (site codes, clients and
        numbers blanked so that alike lines count together)."""
        found: Counter[str] = Counter()
        for running in self.collectors:
            for line in running.log.read_text(errors="replace").splitlines():
                with contextlib.suppress(ValueError, AttributeError):
                    entry = json.loads(line)
                    if entry.get("level") in ("warning", "error"):
                        found[re.sub(r"[0-9]+", "N", str(entry.get("msg")))[:100]] += 1
        return found

    def balancer_stats(self) -> Counter[str]:
        """HAProxy's counters so far: backends marked DOWN by their health check, and answers
        by class (its own 503s when no backend is up included)."""
        found: Counter[str] = Counter()
        if self.balancer is None:
            return found
        answer = httpx.get(f"http://127.0.0.1:{self.balancer.stats_port}/stats;csv", timeout=10)
        for row in csv.DictReader(io.StringIO(answer.text.removeprefix("# "))):
            if row["pxname"] == BACKEND and row["svname"] not in ("FRONTEND", "BACKEND"):
                found["health check marked a replica DOWN"] += int(row["chkdown"] or 0)
            if row["pxname"] == "ingest" and row["svname"] == "FRONTEND":
                for name in ("hrsp_2xx", "hrsp_4xx", "hrsp_5xx"):
                    found[f"frontend {name}"] += int(row[name] or 0)
            if row["pxname"] == BACKEND and row["svname"] == "BACKEND":
                found["retried on another replica (redispatch)"] += int(row["wredis"] or 0)
                found["backend 5xx"] += int(row["hrsp_5xx"] or 0)
        return found

    def vm_rows(self) -> int:
        """Rows VictoriaMetrics has added to its storage (its own counter)."""
        self.vm.flush()
        for line in self.vm.client.get("/metrics").text.splitlines():
            if line.startswith("vm_rows_added_to_storage_total"):
                return int(float(line.split()[-1]))
        return 0


def _sites_csv(path: Path, sites: int) -> list[str]:
    codes = [f"c{n:05d}" for n in range(1, sites + 1)]
    lines = ["code,name,level,parent_code,staff,offices"]
    lines += [f"p{p:02d},Province {p},province,,100,10" for p in range(1 + (sites - 1) // 100)]
    lines += [f"{c},Commune {c},commune,p{n // 100:02d},12,1" for n, c in enumerate(codes)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return codes


@contextlib.contextmanager
def centre(root: Path, sites: int, replicas: int, fast: bool) -> Iterator[tuple[Centre, list[str]]]:
    """PostgreSQL (with pg_stat_statements), VictoriaMetrics, `replicas` collectors (behind
    HAProxy when more than one), the registry holding `sites` communes: (centre, site codes)."""
    stack = contextlib.ExitStack()
    with stack:
        pg = stack.enter_context(running_postgres("shared_preload_libraries=pg_stat_statements"))
        url = pg.database_url("national")
        with psycopg.connect(url.replace("/national", "/postgres"), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        (root / "vm").mkdir()
        vm = VictoriaMetricsServer(root / "vm", [DEDUP_FLAG])  # as behind replicas it must be
        vm.start()
        stack.callback(vm.close)
        codes = _sites_csv(root / "sites.csv", sites)
        collectors = []
        with _fastpath_env(fast):
            for n in range(replicas):
                forward = [{"url": vm.write_url, "name": "vm"}]
                running = start_collector(root / f"collector{n}", forward, root / "sites.csv",
                                          database_url=url)  # fmt: skip
                stack.callback(running.stop)
                collectors.append(running)
        write_url, balancer = f"{collectors[0].url}/api/v1/write", None
        if replicas > 1:
            balancer = stack.enter_context(_balancer(root, collectors))
            write_url = f"{balancer.url}/api/v1/write"
        yield Centre(pg, "national", vm, collectors, write_url, url, balancer), codes


@contextlib.contextmanager
def _fastpath_env(fast: bool) -> Iterator[None]:
    saved = os.environ.get("ICTINFRA_INGEST_FASTPATH")
    os.environ["ICTINFRA_INGEST_FASTPATH"] = "1" if fast else "0"
    try:
        yield
    finally:
        os.environ.pop("ICTINFRA_INGEST_FASTPATH")
        if saved is not None:
            os.environ["ICTINFRA_INGEST_FASTPATH"] = saved


@contextlib.contextmanager
def _balancer(root: Path, collectors: list[CollectorProcess]) -> Iterator[HAProxy]:
    backends = []
    for running in collectors:
        host, _, port = running.url.removeprefix("http://").rpartition(":")
        backends.append((host, int(port)))
    proxy = start_haproxy(backends, root / "haproxy")
    try:
        proxy.wait_up(len(backends))
        yield proxy
    finally:
        proxy.stop()


def issue_tokens(database_url: str, codes: Sequence[str]) -> dict[str, str]:
    engine = make_engine(database_url)
    try:
        registry = Registry(engine)
        return {code: registry.issue_token(code) for code in codes}
    finally:
        engine.dispose()


# --- the load ----------------------------------------------------------------------------


@dataclass
class Tally:
    samples: int = 0
    requests: int = 0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)

    def add(self, status: str, seconds: float, samples: int) -> None:
        self.requests += 1
        self.statuses[status] += 1
        bisect.insort(self.latencies, seconds)
        if status == "204":
            self.samples += samples

    def quantile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        return self.latencies[min(len(self.latencies) - 1, int(q * len(self.latencies)))]


@dataclass
class Step:
    url: str
    tokens: dict[str, str]
    live: Template
    backlog: Template
    interval: float
    window: tuple[float, float]  # monotonic: sites send until its end
    answers: list[tuple[float, str, str, float, int]] = field(default_factory=list)

    async def post(self, client: httpx.AsyncClient, kind: str, code: str, body: bytes,
                   samples: int) -> str:  # fmt: skip
        headers = {**WRITE_HEADERS, "Authorization": f"Bearer {self.tokens[code]}"}
        started = time.monotonic()
        try:
            answer = await client.post(self.url, content=body, headers=headers)
            status = str(answer.status_code)
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        done = time.monotonic()
        self.answers.append((done, kind, status, done - started, samples))
        return status

    def tallies(self, start: float, end: float) -> dict[str, Tally]:
        """Answers that came back between `start` and `end`, as the CPU was read then."""
        out = {"live": Tally(), "backlog": Tally()}
        for done, kind, status, seconds, samples in self.answers:
            if start <= done < end:
                out[kind].add(status, seconds, samples)
        return out

    async def live_site(self, client: httpx.AsyncClient, code: str, phase: float) -> None:
        raw = self.live.for_site(code)
        samples = len(self.live.counters)
        await asyncio.sleep(phase)
        cycle = 0
        while time.monotonic() < self.window[1]:
            due = time.monotonic() + self.interval
            now_ms = int(time.time() * 1000)
            cycle += 1
            # one request in flight, as the agent's sender; a refused one is not resent (the
            # agent's queue would): the bench counts what was accepted on first try
            await self.post(client, "live", code, self.live.body(raw, now_ms, cycle), samples)
            await asyncio.sleep(max(0.0, due - time.monotonic()))

    async def backlog_site(self, client: httpx.AsyncClient, code: str, hours: float) -> None:
        raw = self.backlog.for_site(code)
        per = self.backlog.per_series
        samples = len(self.backlog.counters) * per
        first = int(time.time() * 1000 - hours * 3_600_000)
        cycle = 0
        while time.monotonic() < self.window[1] and first < time.time() * 1000 - per * STEP_MS:
            body = self.backlog.body(raw, first, cycle)
            status = await self.post(client, "backlog", code, body, samples)
            if status in ("204", "400", "413"):  # sent, or refused for good: the agent drops it
                first, cycle = first + per * STEP_MS, cycle + 1
            else:
                await asyncio.sleep(1)  # the agent retries with backoff; 1 s is its first step


async def run_load(step: Step, codes: Sequence[str], backlog_sites: int, hours: float,
                   keep_alive: bool = True) -> None:  # fmt: skip
    """Each site on its own kept-alive connection, as the agent's sender (HAProxy then sends
    a site's pushes to one replica), or (`keep_alive` False) a new connection per request, which
    HAProxy's round robin spreads over the replicas. (Sites push in the same order every
    interval: with 2 replicas and an even number of sites, strict round robin still sends each
    site to one replica; an odd number alternates every site between them.)"""
    most = len(codes) + backlog_sites + 10
    limits = httpx.Limits(max_connections=most, max_keepalive_connections=most if keep_alive else 0)
    rng = random.Random(1)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        tasks = [step.live_site(client, c, rng.uniform(0, step.interval)) for c in codes]
        tasks += [step.backlog_site(client, c, hours) for c in codes[:backlog_sites]]
        await asyncio.gather(*tasks)


# --- one step, reported ------------------------------------------------------------------


@dataclass
class Reading:
    cpu: dict[str, float]
    pg: PgCounts
    vm_rows: int
    own_cpu: float
    at: float
    complaints: Counter[str]
    balancer: Counter[str]

    @classmethod
    def take(cls, where: Centre) -> Reading:
        at, times = time.monotonic(), os.times()
        cpu = where.cpu()
        return cls(cpu, where.pg_counts(), where.vm_rows(), times.user + times.system, at,
                   where.complaints(), where.balancer_stats())  # fmt: skip


@dataclass
class Idle:
    """What the centre costs with no site sending (HAProxy's health checks, the collectors'
    timers), per second: subtracted from a step's PostgreSQL figures to give a write's own."""

    seconds: float
    cpu: dict[str, float]
    pg: PgCounts

    @classmethod
    def measure(cls, where: Centre, seconds: float) -> Idle:
        before = Reading.take(where)
        time.sleep(seconds)
        after = Reading.take(where)
        span = after.at - before.at
        cpu = {name: (after.cpu[name] - before.cpu[name]) / span for name in before.cpu}
        return cls(span, cpu, after.pg - before.pg)


def run_step(where: Centre, step_args: dict[str, Any], args: argparse.Namespace,
             idle: Idle | None = None) -> dict[str, Any]:  # fmt: skip
    """Sites send for one warm-up interval plus the measured duration; the figures cover the
    measured window only (CPU read at its edges, requests counted by their start)."""
    start = time.monotonic() + args.interval
    step = Step(window=(start, start + args.duration), **step_args)
    codes = list(step.tokens)
    backlog_sites = min(len(codes), round(len(codes) * args.backlog))
    readings: list[Reading] = []
    loads: list[float] = []
    backends: list[int] = []

    async def sample_load() -> None:
        while time.monotonic() < step.window[1]:
            if time.monotonic() >= step.window[0]:
                loads.append(os.getloadavg()[0])
                backends.append(await asyncio.to_thread(where.backends))
            await asyncio.sleep(5)

    async def measured() -> None:
        kept = not args.connection_per_request
        load = asyncio.create_task(run_load(step, codes, backlog_sites, args.backlog_hours, kept))
        sampler = asyncio.create_task(sample_load())
        for edge in step.window:
            await asyncio.sleep(max(0.0, edge - time.monotonic()))
            readings.append(await asyncio.to_thread(Reading.take, where))
        await load
        await sampler

    asyncio.run(measured())
    time.sleep(2)  # let the last answers' statements land in the statistics
    figures = _figures(step, readings, Reading.take(where), backlog_sites, args)
    figures["loads"] = loads or [os.getloadavg()[0]]
    figures["backends"] = max(backends, default=0)
    if idle is not None:
        figures.update(_net_of_idle(figures, idle))
    return figures


def _figures(step: Step, edges: list[Reading], after: Reading, backlog_sites: int,
             args: argparse.Namespace) -> dict[str, Any]:  # fmt: skip
    before, end = edges
    seconds = end.at - before.at
    cpu = {name: end.cpu[name] - before.cpu[name] for name in before.cpu}
    collector_cpu = sum(v for k, v in cpu.items() if k.startswith("collector"))
    tallies = step.tallies(before.at, end.at)
    live, backlog = tallies["live"], tallies["backlog"]
    accepted = live.samples + backlog.samples
    requests = live.requests + backlog.requests
    pg = after.pg - before.pg
    return {
        "sites": len(step.tokens), "backlog_sites": backlog_sites, "seconds": seconds,
        "load": os.getloadavg(), "accepted_per_s": accepted / seconds,
        "live_per_s": live.samples / seconds, "backlog_per_s": backlog.samples / seconds,
        "requests": requests, "cpu": cpu, "collector_cpu": collector_cpu,
        "per_collector_core": accepted / collector_cpu if collector_cpu else 0.0,
        "per_tsdb_core": accepted / cpu["victoriametrics"] if cpu["victoriametrics"] else 0.0,
        "statements_per_request": pg.calls.total() / max(1, requests),
        "statements": pg.calls, "pg_exec_ms": pg.exec_ms,
        "xacts_per_request": pg.xacts / max(1, requests), "sessions": pg.sessions,
        "vm_rows": end.vm_rows - before.vm_rows, "accepted": accepted,
        "generator_cpu": end.own_cpu - before.own_cpu,
        "live": live, "backlog": backlog,
        "complaints": after.complaints - before.complaints,
        "balancer": after.balancer - before.balancer,
    }  # fmt: skip


def _net_of_idle(f: dict[str, Any], idle: Idle) -> dict[str, Any]:
    """A write's own PostgreSQL cost: the step's less what the idle centre cost in as long
    (statements in the step's window; their execution time and PostgreSQL's CPU)."""
    span, requests = f["seconds"] / idle.seconds, max(1, f["requests"])
    own = f["statements"].total() - idle.pg.calls.total() * span
    return {
        "own_statements_per_request": own / requests,
        "own_xacts_per_request": f["xacts_per_request"] - idle.pg.xacts * span / requests,
        "own_pg_cpu_ms": (f["cpu"]["postgresql"] - idle.cpu["postgresql"] * f["seconds"])
        * 1000
        / requests,
        "own_pg_exec_ms": (f["pg_exec_ms"] - idle.pg.exec_ms * span) / requests,
    }


def print_idle(idle: Idle) -> None:
    cpu = ", ".join(f"{name} {seconds * 60:.2f}" for name, seconds in idle.cpu.items())
    per_s, xacts = idle.pg.calls.total() / idle.seconds, idle.pg.xacts / idle.seconds
    print(f"  idle ({idle.seconds:.0f} s, no site sending): CPU s per minute: {cpu}; PostgreSQL "
          f"{per_s:.2f} statements/s, {xacts:.2f} transactions/s")  # fmt: skip
    for query, calls in idle.pg.calls.most_common(6):
        print(f"    {calls / idle.seconds:6.2f} per s: {query}")


def print_figures(f: dict[str, Any]) -> None:
    load = "/".join(f"{x:.2f}" for x in f["load"])
    print(
        f"  {f['sites']} sites ({f['backlog_sites']} replaying), {f['seconds']:.0f} s, "
        f"load {load} (1-min load in the window {min(f['loads']):.2f}-{max(f['loads']):.2f}): "
        f"accepted {f['accepted_per_s']:,.0f} samples/s (live "
        f"{f['live_per_s']:,.0f}, backlog {f['backlog_per_s']:,.0f}), {f['requests']} requests; "
        f"VictoriaMetrics added {f['vm_rows']:,} rows for {f['accepted']:,} accepted"
    )
    cpu = ", ".join(f"{name} {seconds:.2f}" for name, seconds in f["cpu"].items())
    print(f"  CPU s: {cpu}; generator {f['generator_cpu']:.2f}")
    requests = max(1, f["requests"])
    print(
        f"  per collector core {f['per_collector_core']:,.0f} samples/s, per TSDB core "
        f"{f['per_tsdb_core']:,.0f} samples/s; PostgreSQL {f['statements_per_request']:.2f} "
        f"statements and {f['xacts_per_request']:.2f} transactions per request, "
        f"{f['cpu']['postgresql'] * 1000 / requests:.2f} ms CPU and "
        f"{f['pg_exec_ms'] / requests:.3f} ms executing per request"
    )
    if "own_statements_per_request" in f:
        print(
            f"  a write's own, less the idle centre's: {f['own_statements_per_request']:.2f} "
            f"statements, {f['own_xacts_per_request']:.2f} transactions, PostgreSQL "
            f"{f['own_pg_cpu_ms']:.2f} ms CPU, {f['own_pg_exec_ms']:.3f} ms executing"
        )
    print(f"  PostgreSQL connections: at most {f['backends']} open (sampled every 5 s), "
          f"{f['sessions']} opened in the window")  # fmt: skip
    for query, calls in f["statements"].most_common(12):
        print(f"    {calls / requests:6.2f} per request: {query}")
    for what, count in (f["balancer"] + f["complaints"]).most_common(8):
        print(f"    {count:6d} x {what}")
    for kind in ("live", "backlog"):
        tally: Tally = f[kind]
        if tally.requests:
            statuses = ", ".join(f"{s}: {n}" for s, n in sorted(tally.statuses.items()))
            print(f"  {kind:8} p50 {tally.quantile(0.5) * 1000:7.1f} ms  p99 "
                  f"{tally.quantile(0.99) * 1000:7.1f} ms  answers {statuses}")  # fmt: skip


def run(args: argparse.Namespace, fast: bool) -> list[dict[str, Any]]:
    steps = [int(n) for n in args.sites.split(",")]
    print(f"\nfast path {'on' if fast else 'off'}: sites {steps}, {args.series} series per site "
          f"every {args.interval:g} s, backlog share {args.backlog:g} ({args.backlog_samples} "
          f"samples per series per request, {args.backlog_hours:g} h each), {args.replicas} "
          f"collector replica(s){' behind HAProxy' if args.replicas > 1 else ''}, PostgreSQL, "
          f"VictoriaMetrics; {args.duration:g} s measured per step after a {args.interval:g} s "
          f"warm-up; {os.cpu_count()} CPUs")  # fmt: skip
    series = site_series(args.series)
    templates = Template.build(series, 1), Template.build(series, args.backlog_samples)
    results = []
    with (
        tempfile.TemporaryDirectory(prefix="ictinfra-national-") as tmp,
        centre(Path(tmp), max(steps), args.replicas, fast) as (where, codes),
    ):
        tokens = issue_tokens(where.database_url, codes)
        idle = Idle.measure(where, args.idle) if args.idle > 0 else None
        if idle is not None:
            print_idle(idle)
        for sites in steps:
            chosen = {code: tokens[code] for code in codes[:sites]}
            step_args = {"url": where.write_url, "tokens": chosen, "live": templates[0],
                         "backlog": templates[1], "interval": args.interval}  # fmt: skip
            results.append(run_step(where, step_args, args, idle))
            print_figures(results[-1])
    return results


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", default="20,40,80", help="comma-separated ramp of N")
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--interval", type=float, default=15.0)
    parser.add_argument("--duration", type=float, default=60.0, help="measured s per step")
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--backlog", type=float, default=0.1, help="share of sites replaying")
    parser.add_argument("--backlog-samples", type=int, default=20)
    parser.add_argument("--backlog-hours", type=float, default=24.0)
    parser.add_argument("--fastpath", choices=("on", "off", "both"), default="on")
    parser.add_argument(
        "--connection-per-request",
        action="store_true",
        help="a new connection per request (default: one kept alive per site); with 2 "
        "replicas use an odd --sites, or round robin keeps each site on one replica",
    )
    parser.add_argument("--idle", type=float, default=20.0,
                        help="s of no load measured first (0: none), subtracted from a "
                        "step's PostgreSQL figures")  # fmt: skip
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    modes = {"on": [True], "off": [False], "both": [True, False]}[args.fastpath]
    failed = False
    for fast in modes:
        for figures in run(args, fast):
            failed |= figures["accepted"] == 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
