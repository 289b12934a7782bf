"""An agent-like process: the real push path (config loading, PushService, durable queue, sender)
fed synthetic collections at compressed intervals. Used where the test needs control over the
samples' timestamps (an hour of collection in seconds) and an exact expected count.

    python -m tests.push.agent_like --config FILE --run ID --series N --cycles N \
        --start-ms MS --step-ms MS [--pace SECONDS] [--exit-when-drained] [--send-after-queued]

Prints `queued I` after each cycle is committed to the queue, `all queued`, then `drained` when
the queue is empty. Sample values are the cycle number, so sums can be checked too.
"""

from __future__ import annotations

import argparse
import asyncio
import logging

from agent.config import load_config
from agent.logs import setup_logging
from agent.model import MetricFamily
from agent.push.service import PushService


def collection(run: str, series: int, cycle: int) -> list[MetricFamily]:
    family = MetricFamily("push_test_value", "synthetic", "gauge", ("run", "idx"))
    for i in range(series):
        family.add((run, str(i)), cycle)
    return [family]


async def main(args: argparse.Namespace) -> None:
    config = load_config(args.config)
    assert config.push is not None
    push = PushService.from_config(config.push, extra_labels={"job": "push-test"})
    sender = None if args.send_after_queued else asyncio.create_task(push.run())
    for cycle in range(args.first_cycle, args.first_cycle + args.cycles):
        timestamp_ms = args.start_ms + cycle * args.step_ms
        await push.accept(collection(args.run, args.series, cycle), timestamp_ms)
        print(f"queued {cycle}", flush=True)
        await asyncio.sleep(args.pace)
    print("all queued", flush=True)
    sender = sender or asyncio.create_task(push.run())
    while push.queue.stats().batches:
        await asyncio.sleep(0.05)
    print("drained", flush=True)
    if not args.exit_when_drained:
        await asyncio.Event().wait()
    sender.cancel()
    await push.close()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--run", required=True)
    parser.add_argument("--series", type=int, default=10)
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument("--first-cycle", type=int, default=0)
    parser.add_argument("--start-ms", type=int, required=True)
    parser.add_argument("--step-ms", type=int, default=15_000)
    parser.add_argument("--pace", type=float, default=0.0)
    parser.add_argument("--exit-when-drained", action="store_true")
    parser.add_argument("--send-after-queued", action="store_true")
    return parser.parse_args()


if __name__ == "__main__":
    setup_logging("warning", "text")
    logging.getLogger("agent.push").setLevel(logging.WARNING)
    asyncio.run(main(parse_args()))
