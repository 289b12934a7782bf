"""CPU cost of the collector's ingest checks alone: `collector.ingest.accept` in this process.

The same pre-encoded body (agent-like series: 1 sample each, 6 labels, a spoofed `site`) is
decoded, checked, relabelled and re-encoded `--rounds` times; the best round's CPU time is
reported per series. `--repo` measures another checkout (e.g. main, for a before/after figure):

    python3 bench/collector_accept.py [--series 2000] [--rounds 30] [--repo /work/main]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any


def _body(encode: Any, series: int, now_ms: int) -> bytes:
    return bytes(
        encode(
            [
                (
                    {
                        "__name__": "ifHCInOctets",
                        "device": f"sw{index // 48}",
                        "ifIndex": str(index % 48),
                        "ifName": f"Gi0/{index % 48}",
                        "job": "ictinfra",
                        "site": "spoofed",
                    },
                    [(now_ms, float(index))],
                )
                for index in range(series)
            ]
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1])
    args = parser.parse_args()
    sys.path.insert(0, str(args.repo))

    from agent.wire.remote_write import encode_write_request
    from collector.config import Limits
    from collector.ingest import accept
    from collector.store import SiteIdentity

    identity = SiteIdentity(
        code="00001",
        labels=(("district", "001"), ("province", "01"), ("site", "00001")),
        reserved=frozenset({"site", "province", "district", "commune"}),
    )
    now_ms = int(time.time() * 1000)
    body = _body(encode_write_request, args.series, now_ms)
    limits = Limits()
    best = float("inf")
    for _ in range(args.rounds):
        started = time.process_time()
        accepted = accept(body, identity, limits, now_ms)
        best = min(best, time.process_time() - started)
    assert accepted.series == args.series
    print(
        f"{args.repo}: {args.series} series, best of {args.rounds}: "
        f"{best * 1e3:.1f} ms CPU, {best / args.series * 1e6:.2f} us per series"
    )


if __name__ == "__main__":
    main()
