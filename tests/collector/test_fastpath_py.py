"""What only the pure-Python fast path has (collector/fastpath_py.py): the cache of label blocks,
runs of samples, the guess at a block's end. Each answer is checked against the protobuf path's
(and the C's, where it is built: tests/collector/test_fastpath.py runs all three on every
payload); these tests need no C."""

from __future__ import annotations

import os
import random
import subprocess
import sys

import pytest

from agent.wire.remote_write import compress, decode_write_request, encode_write_request
from collector import fastpath, fastpath_py
from collector.config import Limits
from collector.store import SiteIdentity
from tests.collector.test_fastpath import Outcome, _outcome, _with
from tests.collector.test_ingest import NOW, SITE

OTHER = SiteIdentity(code="B", labels=(("district", "DB"), ("province", "PB"), ("site", "B")),
                     reserved=SITE.reserved)  # fmt: skip
BOTH_OR_PYTHON = [fastpath_py, *([fastpath._module] if fastpath.available() else [])]


_RESERVED = tuple(name.encode() for name in SITE.reserved)
_SITE_FIELDS = fastpath._site_labels(SITE.labels) or b""


def _numbers(limits: Limits, low: int, high: int) -> tuple[int, ...]:
    return (limits.max_series_per_request, limits.max_samples_per_request,
            limits.max_labels_per_series, limits.max_label_name_length,
            limits.max_label_value_length, low, high)  # fmt: skip


def _answers(body: bytes, limits: Limits, site: SiteIdentity = SITE) -> tuple[Outcome, Outcome]:
    """(the Python fast path's answer, the protobuf path's); the C's, if built, is the first."""
    fast = [_with(module, lambda: _outcome(body, limits, site)) for module in BOTH_OR_PYTHON]
    assert all(answer == fast[0] for answer in fast)
    return fast[0], _with(None, lambda: _outcome(body, limits, site))


def _is_fast(raw: bytes, limits: Limits = Limits()) -> bool:  # noqa: B008 - frozen
    window = (NOW - int(limits.max_sample_age * 1000), NOW + int(limits.max_future_skew * 1000))
    return _with(fastpath_py, lambda: fastpath.relabel(raw, SITE, limits, *window)) is not None


def _series(labels: dict[str, str], samples: list[tuple[int, float]]) -> bytes:
    from agent.wire.remote_write import build_write_request

    raw: bytes = build_write_request([(labels, samples)]).SerializeToString()
    return raw


def test_a_long_backlog_series_takes_the_fast_path_and_gives_the_same_bytes() -> None:
    """1,000 samples (a 3-byte series length, runs of 128 unpacked at once, then the rest), a
    zero value and an old 5-byte timestamp breaking the runs."""
    samples = [(NOW - 1000 + i, float(i + 1)) for i in range(1000)]
    samples[500] = (NOW - 500, 0.0)
    long_ago = Limits(max_sample_age=60 * 365 * 86400.0)
    samples[700] = (2**34, 3.0)
    raw = _series({"__name__": "ifHCInOctets", "ifName": "Gi0/1", "site": "x"}, samples)
    assert _is_fast(raw, long_ago) and not _is_fast(raw)  # 2**34 ms: 1970, out of the default
    for limits in (long_ago, Limits()):
        fast, slow = _answers(compress(raw), limits)
        assert fast == slow
    assert fast[0] == "refused" and fast[1] == "sample_too_old"


@pytest.mark.parametrize("edge", [0, 1, -1])
def test_a_run_of_samples_at_the_windows_edges(edge: int) -> None:
    limits = Limits()
    oldest, newest = NOW - 3 * 86400_000, NOW + 600_000
    for end in (oldest, newest):
        stamps = [NOW] * 200 + [end + edge] + [NOW] * 10
        raw = _series({"__name__": "up"}, [(t, 2.0) for t in stamps])
        fast, slow = _answers(compress(raw), limits)
        inside = oldest <= end + edge <= newest
        assert fast == slow and (fast[0] == "accepted") == inside


def test_a_label_value_that_looks_like_a_sample_is_relabelled_alike() -> None:
    """The Python path guesses a block's end at the first b"\\x12\\x10\\x09"; a value holding
    those bytes makes the guess wrong, which only costs a walk."""
    labels = {"__name__": "up", "ifAlias": "a\x12\x10\x09b", "site": "x"}
    raw = _series(labels, [(NOW, 1.0)])
    for _ in range(2):  # the second time the block is remembered
        fast, slow = _answers(compress(raw), Limits())
        assert fast == slow and fast[0] == "accepted" and _is_fast(raw)


def test_long_labels_are_checked_every_time_and_alike() -> None:
    """A 2-byte label length; a block over CACHE_BLOCK_MAX is not remembered."""
    labels = {"__name__": "up", "ifAlias": "đ" * 300}
    raw = _series(labels, [(NOW, 1.0)])
    before = fastpath_py._Remembered.count
    fast, slow = _answers(compress(raw), Limits())
    assert fast == slow and fast[0] == "accepted" and _is_fast(raw)
    assert fastpath_py._Remembered.count == before


def test_a_remembered_block_is_never_another_sites() -> None:
    """Each site's rules keep their own blocks: two sites sending the same label block (the
    same switch at the same private address) do not take turns in the cache."""
    body = compress(_series({"__name__": "up", "job": "twice", "site": "x"}, [(NOW, 1.0)]))
    before = fastpath_py._Remembered.count
    first, second = _answers(body, Limits(), SITE), _answers(body, Limits(), OTHER)
    assert _answers(body, Limits(), SITE) == first
    assert fastpath_py._Remembered.count == before + 2
    assert first[0] == first[1] and second[0] == second[1]
    [series] = decode_write_request(second[0][1])
    assert series.labels == (
        ("__name__", "up"), ("district", "DB"), ("job", "twice"), ("province", "PB"), ("site", "B"),
    )  # fmt: skip
    tight = _answers(body, Limits(max_labels_per_series=4), SITE)  # the limits are part of it
    assert tight[0] == tight[1] and tight[0][1] == "too_many_labels"


def test_the_cache_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastpath_py, "CACHE_LIMIT", 10)
    fastpath_py._Remembered.count = fastpath_py.CACHE_LIMIT  # all forgotten at the next
    body = encode_write_request(
        ({"__name__": "up", "device": f"sw{i}"}, [(NOW, float(i))]) for i in range(50)
    )
    for _ in range(2):
        fast, slow = _answers(body, Limits())
        assert fast == slow and fast[0] == "accepted"
        held = sum(len(rules.blocks) for rules in fastpath_py._rules.values())
        assert held == fastpath_py._Remembered.count <= 10


def test_random_bytes_never_raise_in_the_python_path() -> None:
    rng = random.Random(7)
    window = (NOW - 1000, NOW + 1000)
    prefixes = [b"", b"\x0a", b"\x0a\xff\xff", b"\x0a\x80\x01", _series({"__name__": "u"}, [])]
    for _ in range(5000):
        raw = rng.choice(prefixes) + bytes(rng.randrange(256) for _ in range(rng.randint(0, 48)))
        answer = fastpath_py.relabel(raw, _RESERVED, _SITE_FIELDS, *_numbers(Limits(), *window))
        assert answer is None or raw[:1] in (b"", b"\x0a")


def test_forcing_the_python_path_by_environment() -> None:
    code = "from collector import fastpath; print(fastpath._module.__name__)"
    env = {**os.environ, fastpath.ENV: "0"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "collector.fastpath_py", out.stderr
