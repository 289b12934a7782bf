"""`deploy/demo/run.sh` (`python -m deploy.demo`): a simulated province on this machine.

    deploy/demo/run.sh            # start (or restart) it, let it run, print the lists, say where
    deploy/demo/run.sh stop       # stop every process and remove every namespace it made
    deploy/demo/run.sh --steps 3  # rank three 1-minute steps instead of two

Prometheus, the collector (SQLite), snmpsim serving recorded devices, and one agent per commune
(five), each its own process; with root, a namespace LAN per commune. Then a real ranking over
the minutes the agents ran, and the obsolete-equipment list. State, logs and exports are under
`$ICTINFRA_DEMO_DIR` (default `.demo/` in the checkout).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from deploy.demo import lan, province, report, stack
from deploy.demo.clock import demo_methodology, period_text, wait_for_sites, wait_for_steps
from deploy.demo.state import State, demo_dir, strays, terminate


def stop(state: State) -> None:
    terminate(sorted({*state.pids.values(), *strays(state.root)}), state.root)
    state.pids.clear()
    state.save()
    lan.remove(state)


def start(state: State) -> dict[str, str]:
    say(f"state, logs and exports: {state.root}")
    prometheus = stack.start_prometheus(state)
    say(f"Prometheus on {prometheus}")
    stack.prepare_collector(state, prometheus)
    collector = stack.start_collector(state)
    say(
        f"collector on {collector}: {len(province.COMMUNES)} communes and "
        f"{len(province.ASSETS)} register rows imported"
    )
    snmp = stack.start_snmpsim(state)
    say(f"snmpsim on {snmp} serving {len(province.recordings())} recorded devices")
    why_not = lan.unavailable()
    say(f"namespace LANs: {'none, ' + why_not if why_not else 'one per commune'}")
    for index, commune in enumerate(province.COMMUNES, 1):
        segment = {"enabled": False} if why_not else lan.make_lan(state, index)
        stack.start_agent(state, commune, snmp, collector, segment)
    say(f"{len(province.COMMUNES)} agents started, one per commune")
    return {"prometheus": prometheus, "collector": collector}


def run(state: State, steps: int) -> int:
    if state.pids or state.namespaces:
        say("a previous demo is running here: stopping it first (its data is kept)")
        stop(state)
    began = time.monotonic()
    urls = start(state)
    say("waiting for every commune's first samples and inventory")
    wait_for_sites(state, urls["prometheus"])
    first = time.time()
    say(f"all {len(province.COMMUNES)} communes report; letting the agents run for {steps} "
        "whole one-minute steps")  # fmt: skip
    wait_for_steps(first, steps)
    period = period_text(first, time.time())
    methodology = demo_methodology(state.root)
    say(
        f"ranking {period}: {steps} one-minute steps (demo methodology: the default with a "
        "1-minute step, so a few real minutes make a full period)"
    )
    ranking = json.loads(
        stack.collector_cli(
            state, "rank", "--period", period, "--format", "json", "--methodology", str(methodology)
        )
    )
    xlsx = state.root / "ranking.xlsx"
    stack.collector_cli(
        state,
        "rank",
        "--period",
        period,
        "--format",
        "xlsx",
        "--out",
        str(xlsx),
        "--methodology",
        str(methodology),
    )
    obsolete = json.loads(
        stack.collector_cli(state, "obsolete", "--format", "json", "--lang", "en")
    )
    for name, document in (("ranking", ranking), ("obsolete", obsolete)):
        (state.root / f"{name}.json").write_text(json.dumps(document, ensure_ascii=False, indent=1))
    print(report.obsolete_summary(obsolete))
    print(report.ranking_summary(ranking))
    print(report.where(state, urls, xlsx, time.monotonic() - began))
    return 0


def say(text: str) -> None:
    print(f"demo: {text}", file=sys.stderr, flush=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="deploy/demo/run.sh",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", nargs="?", choices=("run", "stop"), default="run")
    parser.add_argument("--steps", type=int, default=2, help="one-minute steps to rank (1-10)")
    args = parser.parse_args(argv)
    state = State.load(demo_dir())
    if args.action == "stop":
        stop(state)
        say(f"stopped; no demo process or namespace left ({state.root} kept: delete it to reset)")
        return 0
    try:
        return run(state, max(1, min(args.steps, 10)))
    except (stack.DemoError, TimeoutError) as exc:
        print(
            f"demo: error: {exc}\n  logs: {state.root / 'logs'}; deploy/demo/run.sh stop cleans up",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
