"""CPU cost of the collector's ingest checks alone: `collector.ingest.accept` in this process.

The same pre-encoded body (agent-like series: 1 sample each, or `--samples`, 6 labels, a spoofed
`site`) is decoded, checked, relabelled and re-encoded `--rounds` times; the best round's CPU time
is reported per series. `--path` picks the fast path (`c`, `python`: collector/fastpath_py.py) or
none (`protobuf`: the path that decides refusals); by default, what the collector would load.
`--repo` measures another checkout (e.g. main, for a before/after figure):

    python3 bench/collector_accept.py [--series 2000] [--samples 1] [--rounds 30]
        [--path c|python|protobuf] [--cold] [--repo /work/main]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any


def _body(encode: Any, series: int, now_ms: int, samples: int) -> bytes:
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
                    [(now_ms - 15_000 * n, float(index + n)) for n in range(samples)],
                )
                for index in range(series)
            ]
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=1, help="per series")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--path", choices=("c", "python", "protobuf"))
    parser.add_argument("--cold", action="store_true", help="python: every label block new")
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1])
    args = parser.parse_args()
    sys.path.insert(0, str(args.repo))

    from agent.wire.remote_write import encode_write_request
    from collector.config import Limits
    from collector.ingest import accept
    from collector.store import SiteIdentity

    if args.path:
        from collector import fastpath, fastpath_py

        if args.path == "c":
            assert fastpath.available(), "collector._fastpath is not built"
        else:
            fastpath._module = fastpath_py if args.path == "python" else None
        if args.cold:
            fastpath_py.CACHE_LIMIT = 0  # each block is forgotten before the next is kept
    identity = SiteIdentity(
        code="00001",
        labels=(("district", "001"), ("province", "01"), ("site", "00001")),
        reserved=frozenset({"site", "province", "district", "commune"}),
    )
    now_ms = int(time.time() * 1000)
    body = _body(encode_write_request, args.series, now_ms, args.samples)
    limits = Limits()
    best = float("inf")
    for _ in range(args.rounds):
        started = time.process_time()
        accepted = accept(body, identity, limits, now_ms)
        best = min(best, time.process_time() - started)
    assert accepted.series == args.series
    print(
        f"{args.repo} ({args.path or 'default'} path): {args.series} series x {args.samples} "
        f"samples, best of {args.rounds}: "
        f"{best * 1e3:.1f} ms CPU, {best / args.series * 1e6:.2f} us per series"
    )


if __name__ == "__main__":
    main()
