"""Fuzz the collector's C fast path built with AddressSanitizer and UBSan.

Builds collector/_fastpath.c with `-fsanitize=address,undefined` into a temporary directory,
re-runs itself with libasan preloaded (the interpreter is not built with it), and feeds the
sanitized build seeded random bytes, structure-aware requests and their mutations (the
generators of tests/collector/test_fastpath.py), checking that each answer equals the normal
build's and the pure-Python fast path's (collector/fastpath_py.py). Each input is handed over
in a buffer malloc'd to its exact length (PYTHONMALLOC=malloc), so a read one byte past it hits
ASan's red zone. Any out-of-bounds read or write, or undefined behaviour, aborts with a report.

    python3 bench/fuzz_fastpath.py [--cases 100000] [--seed 1]
"""

from __future__ import annotations

import argparse
import ctypes
import importlib.util
import os
import random
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "collector" / "_fastpath.c"
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]


def _build(out: Path) -> Path:
    target = out / ("_fastpath" + sysconfig.get_config_var("EXT_SUFFIX"))
    include = sysconfig.get_paths()["include"]
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-O1", "-g", *SANITIZE, f"-I{include}", str(SOURCE),
         "-o", str(target)],
        check=True,
    )  # fmt: skip
    return target


def _preload() -> str:
    libs = ("libasan.so", "libubsan.so")
    found = [subprocess.check_output(["gcc", f"-print-file-name={lib}"], text=True).strip()
             for lib in libs]  # fmt: skip
    return " ".join(found)


def _load(path: Path) -> object:
    spec = importlib.util.spec_from_file_location("_fastpath", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _wrap(number: int, payload: bytes) -> bytes:
    from tests.collector.test_fastpath import _varint

    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _cuts(rng: random.Random, make: dict[str, Any]) -> Iterator[bytes]:
    """A valid series whose last label, or last sample, is cut at every length (every length
    prefix set to match), ending the buffer: a field read one byte too far leaves it."""
    labels = [("__name__", "up"), ("job", "j"), ("site", "B"), ("zone", "đơn vị")]
    encoded = [_wrap(1, make["label"](rng, name, value)) for name, value in labels]
    sample = make["sample"](rng)
    for cut in range(len(sample) + 1):
        series = b"".join(encoded) + _wrap(2, sample[:cut])
        yield _wrap(1, series)
    last = encoded[-1][2:]  # the last label's payload (a one-byte tag and length)
    for cut in range(len(last) + 1):
        yield _wrap(1, b"".join(encoded[:-1]) + _wrap(1, last[:cut]))


def _cases(rng: random.Random, count: int, **make: Any) -> Iterator[bytes]:
    """Random bytes, structured requests, mutations of both, then cuts at the buffer's end."""
    bases = make["bases_of"]()
    for number in range(count):
        kind = number % 4
        if kind == 0:
            yield bytes(rng.randrange(256) for _ in range(rng.randint(0, 96)))
        elif kind == 1:
            yield make["structured"](rng)
        else:
            yield make["mutate"](rng, make["structured"](rng) if kind == 2 else rng.choice(bases))
    for _ in range(max(1, count // 100)):
        yield from _cuts(rng, make)


def _fuzz(sanitized: object, cases: int, seed: int) -> None:
    sys.path.insert(0, str(REPO))
    from agent.wire.remote_write import decompress
    from collector import _fastpath, fastpath, fastpath_py
    from tests.collector.test_fastpath import (
        NOW,
        SITE,
        _agent_body,
        _label,
        _sample,
        _structured,
        mutate,
    )
    from tests.collector.test_ingest import _rich_request

    rng = random.Random(seed)
    cases = list(
        _cases(
            rng,
            cases,
            bases_of=lambda: [decompress(_agent_body(3)), _rich_request()],
            structured=_structured,
            label=_label,
            sample=_sample,
            mutate=mutate,
        )
    )
    site = fastpath._site_labels(SITE.labels)
    assert site is not None
    reserved = tuple(name.encode() for name in SITE.reserved)
    accepted = 0
    started = time.monotonic()
    for raw in cases:
        limits = (
            rng.choice([1, 3, 50000]),
            rng.choice([1, 5, 10**6]),
            rng.choice([4, 40]),
            rng.choice([3, 256]),
            rng.choice([2, 2048]),
            NOW - 3 * 86400_000,
            NOW + 600_000,
        )
        exact = (ctypes.c_char * len(raw)).from_buffer_copy(raw)  # malloc'd to its last byte
        answer = sanitized.relabel(exact, reserved, site, *limits)  # type: ignore[attr-defined]
        assert answer == _fastpath.relabel(raw, reserved, site, *limits), raw.hex()
        assert answer == fastpath_py.relabel(raw, reserved, site, *limits), ("python", raw.hex())
        accepted += answer is not None
    print(f"{len(cases)} cases, {accepted} accepted by the fast path, no sanitizer report, "
          f"{time.monotonic() - started:.1f} s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--built", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.built:
        _fuzz(_load(args.built), args.cases, args.seed)
        return
    with tempfile.TemporaryDirectory(prefix="ictinfra-fuzz-") as tmp:
        built = _build(Path(tmp))
        env = dict(os.environ, LD_PRELOAD=_preload(), ASAN_OPTIONS="detect_leaks=0",
                   PYTHONMALLOC="malloc")  # fmt: skip
        command = [sys.executable, __file__, "--cases", str(args.cases), "--seed", str(args.seed),
                   "--built", str(built)]  # fmt: skip
        raise SystemExit(subprocess.run(command, env=env, check=False).returncode)


if __name__ == "__main__":
    main()
