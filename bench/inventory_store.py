"""How long one big inventory holds SQLite's write lock, against the whole of its processing.

Parses and validates a `--devices` snapshot as the collector does (`collector.intake`), then
records it three times on a fresh SQLite store: every device new, every device seen again, and
half of them gone. The write lock is held from the transaction's first write to its commit, so
"lock held" is timed from BEGIN to COMMIT; "record" is the whole `InventoryStore.record`.

    python3 bench/inventory_store.py [--devices 40000] [--repo /work/main]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from collector.config import Limits  # noqa: E402
from collector.intake import parse_inventory  # noqa: E402
from collector.sites_csv import parse_sites_csv  # noqa: E402
from collector.store import open_store  # noqa: E402
from tests.collector.inventories import huge_inventory  # noqa: E402

SITES = REPO / "tests" / "collector" / "cases" / "sites_good" / "pre2025.csv"


def _time_transactions(engine: Any, held: list[float]) -> None:
    """Append each write transaction's time, begin to commit (SQLAlchemy's engine events)."""
    began: list[float] = []
    event.listen(engine, "begin", lambda _conn: began.append(time.perf_counter()))
    event.listen(engine, "commit", lambda _conn: held.append(time.perf_counter() - began.pop()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=40_000)
    args = parser.parse_args()
    body = huge_inventory(args.devices)
    limits = Limits(max_inventory_devices=args.devices)
    started = time.perf_counter()
    text, snapshot = parse_inventory(body, limits, time.time())
    print(f"{len(body) / 2**20:.1f} MiB, {args.devices} devices: parse and validate "
          f"{time.perf_counter() - started:.2f} s")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/c.db", init=True)
        store.registry.import_units(parse_sites_csv(SITES.read_text(encoding="utf-8")), "sites")
        held: list[float] = []
        _time_transactions(store.engine, held)
        for label, devices in (("all new", None), ("all seen again", None), ("half gone", 2)):
            shown = dataclasses.replace(snapshot, collected_at=time.time())
            if devices:
                shown.devices = shown.devices[: len(shown.devices) // devices]
            began = time.perf_counter()
            summary = store.inventory.record("00001", shown, text if label == "all new" else "")
            total = time.perf_counter() - began
            print(f"{label:15} record {total:.2f} s, write lock held {held[-1]:.2f} s "
                  f"(appeared {summary.appeared}, vanished {summary.vanished})")  # fmt: skip
        store.close()


if __name__ == "__main__":
    main()
