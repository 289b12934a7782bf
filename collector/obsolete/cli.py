"""`ictinfra-collector obsolete`: obsolete devices (and the soon-obsolete list), JSON or CSV."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path


def add_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    config_option: Callable[[argparse.ArgumentParser], None],
) -> None:
    cmd = sub.add_parser(
        "obsolete", help="devices past their service life, with reasons (and those soon past it)"
    )
    config_option(cmd)
    cmd.add_argument("--format", choices=("json", "csv"), default="json")
    cmd.add_argument("--out", help="write to this file instead of stdout")
    cmd.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of `text`")
    cmd.add_argument(
        "--within-months",
        type=_months,
        default=None,
        help="the soon-obsolete window (default: the rules' soon_months, 12)",
    )
    cmd.add_argument("--site", help="only this unit and the units below it")
    cmd.add_argument("--at", type=dt.date.fromisoformat, help="judge on this day (default: today)")


def _months(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) <= 120:
        raise argparse.ArgumentTypeError("a number of months from 1 to 120")
    return int(text)


def run(args: argparse.Namespace) -> int:
    from collector.config import load_config
    from collector.obsolete.report import format_csv
    from collector.obsolete.service import book_for, obsolete_report
    from collector.store import open_store

    config = load_config(args.config)
    store = open_store(config.database_url)
    try:
        sites = None
        if args.site:
            if store.registry.unit(args.site) is None:
                print(f"error: no unit with code {args.site!r}", file=sys.stderr)
                return 1
            sites = store.registry.descendants(args.site)
        book = book_for(config.obsolete, store)
        data = obsolete_report(
            store,
            book,
            at=args.at or dt.date.today(),
            months=args.within_months,
            sites=sites,
            lang=args.lang,
        )
    finally:
        store.close()
    text = (
        format_csv(data)
        if args.format == "csv"
        else json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    )
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
