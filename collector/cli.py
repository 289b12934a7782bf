"""`ictinfra-collector`: serve, sites import, sites token, rank, obsolete."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

CONFIG_ENV = "ICTINFRA_COLLECTOR_CONFIG"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ictinfra-collector", description=__doc__)
    parser.add_argument("--config", default=os.environ.get(CONFIG_ENV))
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the ingest and query API")
    serve.add_argument("--config", default=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not args.config:
        print(f"no config: pass --config FILE or set ${CONFIG_ENV}", file=sys.stderr)
        return 2
    print("ictinfra-collector: not built yet", file=sys.stderr)
    return 1
