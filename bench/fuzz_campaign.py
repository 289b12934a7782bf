"""A long fuzz campaign: millions of structure-aware mutated inputs against a real collector.

A real `ictinfra-collector serve` (forwarding to a fresh Prometheus 2.42) takes mutated
remote_write bodies and inventory snapshots (tests/fuzz/mutators.py) from three hostile sites
at once, while a well-behaved site keeps writing a valid sample every `--good-interval`
seconds; a second process feeds mutated SNMP responses to the agent's lean decoder
(`LeanTransport.datagram_received`, what a UDP source reaches). Reported: inputs per kind,
answers by status, crashes (the collector exiting, a traceback in its log, a decoder escape),
5xx that are not a receiver's outage, the collector's RSS (start, peak), and every good write.

    python3 bench/fuzz_campaign.py [--writes 22500] [--inventories 7500] [--datagrams 970000]
        [--concurrency 6] [--seed 7] [--out bench/results/fuzz_campaign]

Figures and the bound on RSS: docs/hostile-input.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agent.wire.remote_write import WRITE_HEADERS, encode_write_request  # noqa: E402
from tests.fuzz.mutators import mutate_inventory, mutate_snmp, mutate_write, now_ms  # noqa: E402
from tests.peers.collector import CollectorProcess, start_collector  # noqa: E402
from tests.peers.prometheus import start_prometheus  # noqa: E402

SITES = REPO / "tests" / "collector" / "cases" / "sites_good" / "pre2025.csv"
HOSTILE_SITES = ("00001", "06655", "001")
GOOD_SITE = "00004"
OUTAGE = ("ConnectError", "ConnectTimeout", "ReadTimeout", "PoolTimeout", "RemoteProtocolError")


@dataclass
class Tally:
    inputs: Counter[str] = field(default_factory=Counter)
    statuses: dict[str, Counter[str]] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)  # 5xx not a receiver's outage
    outages: int = 0
    transport_errors: Counter[str] = field(default_factory=Counter)

    def count(self, kind: str, status: int, text: str) -> None:
        self.statuses.setdefault(kind, Counter())[str(status)] += 1
        if status < 500:
            return
        if status == 503 and "receiver unavailable" in text and any(n in text for n in OUTAGE):
            self.outages += 1
        elif len(self.server_errors) < 50:
            self.server_errors.append(f"{kind} {status}: {text[:300]}")
        else:
            self.server_errors.append("...")


@dataclass
class Good:
    sent: int = 0
    served: int = 0
    failures: list[str] = field(default_factory=list)
    slowest: float = 0.0
    latencies: list[float] = field(default_factory=list)


@dataclass
class Run:
    client: httpx.AsyncClient
    url: str
    tally: Tally = field(default_factory=Tally)
    done: asyncio.Event = field(default_factory=asyncio.Event)


async def _hostile(run: Run, tokens: list[str], plan: list[str], rng: random.Random) -> None:
    while plan:
        kind = plan.pop()
        auth = {"Authorization": f"Bearer {rng.choice(tokens)}"}
        if kind == "inventory":
            path, body, headers = "/api/v1/inventory", mutate_inventory(rng, time.time()), auth
        else:
            case = mutate_write(rng, now_ms())
            path, body, headers = "/api/v1/write", case.body, {**case.headers, **auth}
        run.tally.inputs[kind] += 1
        try:
            answer = await run.client.post(run.url + path, content=body, headers=headers)
        except httpx.HTTPError as exc:
            run.tally.transport_errors[type(exc).__name__] += 1
            continue
        run.tally.count(kind, answer.status_code, answer.text)


def _good_write(client: httpx.Client, url: str, headers: dict[str, str], n: int) -> str:
    """One valid write; "" when it got 204, else what went wrong."""
    body = encode_write_request(
        [({"__name__": "ictinfra_fuzz_good", "device": "sw1"}, [(now_ms(), float(n))])]
    )
    try:
        answer = client.post(url + "/api/v1/write", content=body, headers=headers)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    return "" if answer.status_code == 204 else f"{answer.status_code}: {answer.text[:200]}"


def good_site(url: str, token: str, interval: float, stop: Any, results: Any) -> None:
    """In its own process (so the fuzzer's own CPU never delays it): a valid write every
    `interval` seconds until `stop` is set; puts a Good on `results`."""
    good, headers = Good(), {**WRITE_HEADERS, "Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=60) as client:
        while not stop.is_set():
            good.sent += 1
            started = time.monotonic()
            failure = _good_write(client, url, headers, good.sent)
            elapsed = time.monotonic() - started
            good.latencies.append(elapsed)
            good.slowest = max(good.slowest, elapsed)
            if failure:
                good.failures.append(failure)
            else:
                good.served += 1
            time.sleep(interval)
    results.put(good)


async def _sample_memory(collector: CollectorProcess, peak: list[int], run: Run) -> None:
    ticks = 0
    while not run.done.is_set():
        peak[0] = max(peak[0], collector.memory().get("VmRSS", 0))
        ticks += 1
        if ticks % 60 == 0:  # progress, every 30 s
            sent = sum(run.tally.inputs.values())
            print(f"{sent} HTTP inputs, RSS peak {peak[0] >> 20} MiB", file=sys.stderr, flush=True)
        await asyncio.sleep(0.5)


async def _campaign(collector: CollectorProcess, args: argparse.Namespace) -> dict[str, Any]:
    tokens = [collector.token(site) for site in HOSTILE_SITES]
    good_token = collector.token(GOOD_SITE)
    rng = random.Random(args.seed)
    plan = ["write"] * args.writes + ["inventory"] * args.inventories
    rng.shuffle(plan)
    peak = [0]
    limits = httpx.Limits(max_connections=args.concurrency + 2)
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(60.0)) as client:
        run = Run(client, collector.url)
        context = multiprocessing.get_context("spawn")
        stop, results = context.Event(), context.Queue()
        writer = context.Process(
            target=good_site, args=(collector.url, good_token, args.good_interval, stop, results)
        )
        writer.start()
        memory_task = asyncio.create_task(_sample_memory(collector, peak, run))
        workers = [
            _hostile(run, tokens, plan, random.Random(args.seed * 1000 + n))
            for n in range(args.concurrency)
        ]
        began = time.monotonic()
        await asyncio.gather(*workers)
        http_seconds = time.monotonic() - began
        run.done.set()
        stop.set()
        await memory_task
        good: Good = results.get(timeout=120)
        writer.join(30)
    tally = run.tally
    latencies = sorted(good.latencies)
    return {
        "http": {
            "inputs": dict(tally.inputs), "outages": tally.outages,
            "statuses": {kind: dict(counts) for kind, counts in tally.statuses.items()},
            "server_errors_not_outage": len(tally.server_errors),
            "server_error_examples": tally.server_errors[:20],
            "transport_errors": dict(tally.transport_errors),
        },
        "good_site": {
            "sent": good.sent, "served_204": good.served, "failures": good.failures[:20],
            "slowest_s": round(good.slowest, 3),
            "p99_s": round(latencies[int(len(latencies) * 0.99)] if latencies else 0.0, 3),
        },
        "collector_rss_peak_bytes": peak[0],
        "http_seconds": round(http_seconds),
    }  # fmt: skip


def snmp_campaign(seed: int, count: int) -> dict[str, Any]:
    """In a child process: `count` mutated datagrams into the lean decoder's entry point."""
    from agent.collectors.snmp.lean import LeanTransport

    rng, transport = random.Random(seed), LeanTransport()
    crashes: Counter[str] = Counter()
    slowest, started = 0.0, time.process_time()
    for _ in range(count):
        datagram = mutate_snmp(rng)
        begun = time.perf_counter()
        try:
            transport.datagram_received(datagram, ("127.0.0.1", 161))
        except Exception as exc:  # any escape is a crash: report it by type and message
            crashes[f"{type(exc).__name__}: {str(exc)[:120]}"] += 1
        slowest = max(slowest, time.perf_counter() - begun)
    return {
        "datagrams": count,
        "crashes": dict(crashes.most_common(20)),
        "crash_count": sum(crashes.values()),
        "slowest_datagram_s": round(slowest, 4),
        "cpu_s": round(time.process_time() - started, 1),
    }


def _tracebacks(log: Path) -> list[str]:
    lines = log.read_text(errors="replace").splitlines()
    return [line[:400] for line in lines if "Traceback" in line or '"level": "error"' in line]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=22_500)
    parser.add_argument("--inventories", type=int, default=7_500)
    parser.add_argument("--datagrams", type=int, default=970_000)
    parser.add_argument("--concurrency", type=int, default=6)
    parser.add_argument("--good-interval", type=float, default=0.25)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "fuzz_campaign"))
    args = parser.parse_args()
    started = time.time()
    with (
        tempfile.TemporaryDirectory(prefix="ictinfra-fuzz-") as tmp,
        ProcessPoolExecutor(1) as pool,
    ):
        snmp = pool.submit(snmp_campaign, args.seed, args.datagrams)
        prometheus = start_prometheus(Path(tmp) / "prometheus")
        collector = start_collector(Path(tmp) / "collector", [{"url": prometheus.write_url}], SITES)
        try:
            rss_start = collector.memory()["VmRSS"]
            result = asyncio.run(_campaign(collector, args))
            alive = collector.process.poll() is None
            result["collector_rss_hwm_bytes"] = collector.memory().get("VmHWM", 0) if alive else 0
        finally:
            collector.stop()
            prometheus.close()
        result |= {
            "collector_alive_at_end": alive, "collector_rss_start_bytes": rss_start,
            "collector_log_errors": _tracebacks(collector.log)[:20], "snmp": snmp.result(),
            "seed": args.seed, "seconds": round(time.time() - started),
        }  # fmt: skip
    result["total_inputs"] = args.writes + args.inventories + args.datagrams
    Path(args.out + ".json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
