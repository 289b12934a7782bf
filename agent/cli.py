"""`ictinfra-agent`: run, once, check-config, discover."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from agent.errors import ConfigError

# discover: two passes of 0.3 s; an answer up to ~0.5 s late to the first still counts.
DISCOVER_TIMEOUT = 0.6
DISCOVER_RETRIES = 1

if TYPE_CHECKING:
    from agent.registry import CollectorRegistry, Outcome

EXIT_CONFIG = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ictinfra-agent", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the agent as a service")
    run.add_argument("--config", required=True)
    once = sub.add_parser("once", help="one full collection cycle to stdout, no push")
    once.add_argument("--config", required=True)
    once.add_argument("--format", choices=("prometheus", "json"), default="prometheus")
    check = sub.add_parser("check-config", help="validate a config file (exit 2 if invalid)")
    check.add_argument("file")
    discover = sub.add_parser("discover", help="ARP sweep, one host a line")
    discover.add_argument("--interface", required=True)
    discover.add_argument("--cidr")
    discover.add_argument(
        "--timeout",
        type=float,
        default=DISCOVER_TIMEOUT,
        help="seconds to listen for replies, shared by the passes",
    )
    discover.add_argument(
        "--retries",
        type=int,
        default=DISCOVER_RETRIES,
        help="passes after the first, each asking the still silent addresses",
    )
    return parser


def _print_config_error(exc: ConfigError) -> int:
    print(f"{exc.source}: invalid config", file=sys.stderr)
    for problem in exc.problems:
        print(f"  {problem}", file=sys.stderr)
    return EXIT_CONFIG


def cmd_check_config(path: str) -> int:
    from agent.config import load_config

    config = load_config(path)
    print(f"{path}: ok ({len(config.snmp.targets)} SNMP targets)")
    return 0


def cmd_once(path: str, fmt: str) -> int:
    from agent.collectors import build_registry
    from agent.config import load_config
    from agent.config.types import secret_values
    from agent.cycle import build_inventory, families_of
    from agent.exposition import render
    from agent.logs import setup_logging
    from agent.selfmetrics import build_info
    from agent.wire.inventory import to_json

    config = load_config(path)
    setup_logging(config.log.level, config.log.format, secret_values(config))
    outcomes = asyncio.run(_once(build_registry(config)))
    if fmt == "json":
        inventory = build_inventory(outcomes)
        sys.stdout.write(to_json(inventory, indent=2) + "\n")
    else:
        sys.stdout.write(render([*families_of(outcomes), build_info()]))
    return 0


async def _once(registry: CollectorRegistry) -> dict[str, Outcome]:
    from agent.cycle import run_all

    try:
        return await run_all(registry, timeout=300.0)
    finally:
        for collector in registry:
            close = getattr(collector, "close", None)  # collectors holding sockets (SNMP)
            if callable(close):
                close()


def cmd_run(path: str) -> int:
    from agent.service import run_service

    return run_service(path)


def cmd_discover(interface: str, cidr: str | None, timeout: float, retries: int) -> int:
    from agent.discover import main as discover_main

    return discover_main(interface, cidr, timeout, retries)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "check-config":
            return cmd_check_config(args.file)
        if args.command == "once":
            return cmd_once(args.config, args.format)
        if args.command == "run":
            return cmd_run(args.config)
        return cmd_discover(args.interface, args.cidr, args.timeout, args.retries)
    except ConfigError as exc:
        return _print_config_error(exc)
    except KeyboardInterrupt:
        return 130
