"""`ictinfra-agent run`: the service loop (schedules, /metrics, signals)."""

from __future__ import annotations

import asyncio
import logging

from agent.collectors import build_registry
from agent.config import load_config
from agent.logs import setup_logging
from agent.registry import Collector, Outcome, run_collector

log = logging.getLogger(__name__)


async def _schedule(collector: Collector, outcomes: dict[str, Outcome]) -> None:
    while True:
        outcomes[collector.name] = await run_collector(collector, collector.interval)
        await asyncio.sleep(collector.interval)


async def _serve(path: str) -> None:
    config = load_config(path)
    setup_logging(config.log.level, config.log.format)
    outcomes: dict[str, Outcome] = {}
    tasks = [asyncio.create_task(_schedule(c, outcomes)) for c in build_registry(config)]
    log.info("agent started with %d collectors", len(tasks))
    await asyncio.gather(*tasks)


def run_service(path: str) -> int:
    asyncio.run(_serve(path))
    return 0
