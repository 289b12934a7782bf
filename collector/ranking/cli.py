"""`ictinfra-collector rank --period P --format json|csv|xlsx [--out FILE] [--methodology FILE]`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

EXIT_NO_DATA = 1
EXIT_USAGE = 2
EXIT_PEER = 4


def add_rank_parser(sub: argparse._SubParsersAction, config_option: Callable[..., None]) -> None:  # type: ignore[type-arg]
    rank = sub.add_parser("rank", help="rank every unit over a period (stored as a snapshot)")
    config_option(rank)
    rank.add_argument(
        "--period", required=True, help="2026, 2026-Q3, 2026-09, 2026-09-14, FROM..TO"
    )
    rank.add_argument("--format", choices=("json", "csv", "xlsx"), default="json")
    rank.add_argument("--out", help="write to this file instead of stdout")
    rank.add_argument("--methodology", help="methodology YAML (default: ictinfra-default-2026)")


@contextmanager
def _progress(total: int) -> Iterator[Callable[[str], None]]:
    """A bar on stderr when it is a terminal; silent otherwise (cron, pipes, tests)."""
    from tqdm import tqdm

    with tqdm(total=total, disable=not sys.stderr.isatty(), unit="step", leave=False) as bar:

        def advance(step: str) -> None:
            bar.set_description(step)
            bar.update(1)

        yield advance


def rank_command(args: argparse.Namespace) -> int:
    from agent.errors import PeerError
    from collector.config import load_config
    from collector.ranking.methodology import load_methodology
    from collector.ranking.output import to_csv, to_json, to_xlsx
    from collector.ranking.period import PeriodError
    from collector.ranking.run import NoDataError, run_ranking, step_count
    from collector.store import open_store

    config = load_config(args.config)
    methodology = load_methodology(args.methodology)  # bad rules: exit 2 before any query
    store = open_store(config.database_url)
    try:
        with _progress(step_count(methodology)) as progress:
            snapshot = run_ranking(store, config, args.period, args.methodology, progress)
    except PeriodError as exc:
        print(f"--period: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except NoDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NO_DATA
    except PeerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PEER
    finally:
        store.close()
    body = {"json": lambda: to_json(snapshot).encode("utf-8"), "csv": lambda: to_csv(snapshot),
            "xlsx": lambda: to_xlsx(snapshot)}[args.format]()  # fmt: skip
    if args.out:
        Path(args.out).write_bytes(body)
        print(f"{args.out}: ranking of {args.period} (snapshot {snapshot.id})", file=sys.stderr)
    elif args.format == "xlsx" and sys.stdout.isatty():
        print("xlsx is binary: pass --out FILE", file=sys.stderr)
        return EXIT_USAGE
    else:
        sys.stdout.buffer.write(body)
    return 0
