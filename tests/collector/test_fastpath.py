"""The fast paths (the C, and its pure-Python twin collector/fastpath_py.py) give exactly the
protobuf path's answers: the same bytes forwarded, the same refusal (reason, status, message), on
every test payload and on seeded mutations of them; and the two fast paths take the same
requests."""

from __future__ import annotations

import os
import random
import struct
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from agent.wire.remote_write import compress, encode_write_request
from collector import fastpath, fastpath_py
from collector.config import Limits
from collector.ingest import Rejection, accept
from collector.store import SiteIdentity
from tests.collector import test_ingest
from tests.collector.test_ingest import NOW, SITE, mutate

#: CI must have built it (gcc, python3-dev: deploy/setup.sh); elsewhere a missing build skips.
BUILT_OR_SKIP = pytest.mark.skipif(
    not fastpath.available() and os.environ.get("CI") != "true", reason="_fastpath not built"
)
pytestmark = BUILT_OR_SKIP


def test_the_c_extension_is_built() -> None:
    assert fastpath.available(), (
        "collector._fastpath is not built: gcc, python3-dev, pip install -e ."
    )


Outcome = tuple[str, Any, Any, Any]


def _outcome(body: bytes, limits: Limits, site: SiteIdentity = SITE) -> Outcome:
    try:
        accepted = accept(body, site, limits, NOW)
    except Rejection as refused:
        return ("refused", refused.reason, refused.status, refused.message)
    return ("accepted", accepted.body, accepted.series, accepted.samples)


def _with(module: Any, answer: Callable[[], Any]) -> Any:
    saved, fastpath._module = fastpath._module, module
    try:
        return answer()
    finally:
        fastpath._module = saved


def _both(body: bytes, limits: Limits, site: SiteIdentity = SITE) -> tuple[Outcome, Outcome]:
    """(the C's answer, the protobuf path's); the Python fast path's must be the C's."""
    fast = _outcome(body, limits, site)
    python = _with(fastpath_py, lambda: _outcome(body, limits, site))
    assert python == fast, ("the Python fast path differs from the C", body[:80])
    return fast, _with(None, lambda: _outcome(body, limits, site))


def _raw_is_fast(raw: bytes, limits: Limits) -> bool:
    """The C takes it; asserted to agree with the Python fast path, bytes and counts."""
    window = (NOW - int(limits.max_sample_age * 1000), NOW + int(limits.max_future_skew * 1000))
    fast = fastpath.relabel(raw, SITE, limits, *window)
    assert _with(fastpath_py, lambda: fastpath.relabel(raw, SITE, limits, *window)) == fast
    return fast is not None


# --- a protobuf writer that can also write what a canonical encoder never would ---------------


def _varint(value: int, padded: bool = False) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    if padded:  # the same number, one byte longer
        out += bytes([value | 0x80, 0])
    else:
        out.append(value)
    return bytes(out)


def _field(number: int, payload: bytes, rng: random.Random) -> bytes:
    if rng.random() < 0.01:  # cut inside, the length still right: the parse must stop there
        payload = payload[: rng.randrange(len(payload) + 1)]
    return _varint(number << 3 | 2) + _varint(len(payload), rng.random() < 0.02) + payload


NAMES = ["__name__", "a", "device", "ifIndex", "job", "site", "province", "district", "commune",
         "zeta", "Z", "_x", "9bad", "bad-name", "", "a" * 300, "đơn_vị", "__name__"]  # fmt: skip
VALUES = ["up", "ifHCInOctets", "x", "", "9up", "a:b", "v" * 2100, "đơn vị", "\u00e9" * 1030,
          "bad\nname", "sw1"]  # fmt: skip
BAD_UTF8 = [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82"]


def _label(rng: random.Random, name: str, value: str) -> bytes:
    out = b""
    encoded = value.encode()
    if rng.random() < 0.01:
        encoded = rng.choice(BAD_UTF8)
    if name or rng.random() < 0.02:
        out += _field(1, name.encode(), rng)
    if encoded or rng.random() < 0.02:
        out += _field(2, encoded, rng)
    if rng.random() < 0.01:
        out = out[::-1] if rng.random() < 0.5 else out + out
    return out


def _sample(rng: random.Random) -> bytes:
    value = rng.choice([1.0, 0.0, -0.0, float("nan"), 1e308, -5.5])
    timestamp = NOW + rng.choice([0, -1, 1, -3 * 86400_000, -3 * 86400_000 - 1, 600_000,
                                  600_001, -NOW, -NOW - 5, rng.randint(-10**9, 10**9)])  # fmt: skip
    parts = []
    if struct.pack("<d", value) != bytes(8) or rng.random() < 0.3:
        parts.append(b"\x09" + struct.pack("<d", value))
    if timestamp or rng.random() < 0.3:
        parts.append(b"\x10" + _varint(timestamp, rng.random() < 0.02))
    if rng.random() < 0.02:
        parts.reverse()
    return b"".join(parts)


def _series(rng: random.Random) -> bytes:
    names = rng.sample(NAMES, rng.randint(0, 7))
    if rng.random() < 0.9:
        names.append("__name__")
    if rng.random() < 0.8:
        names = sorted(set(names))
    fields = []
    for name in names:
        value = rng.choice(VALUES[:4] if name == "__name__" else VALUES)
        fields.append(_field(1, _label(rng, name, value), rng))
    samples = [_sample(rng) for _ in range(rng.choice([0, 1, 1, 1, 2, 5]))]
    if samples and rng.random() < 0.05:  # the series' last bytes: a sample cut short
        samples[-1] = samples[-1][: rng.randrange(len(samples[-1]) + 1)]
    fields += [_field(2, sample, rng) for sample in samples]
    if rng.random() < 0.02:
        rng.shuffle(fields)
    if rng.random() < 0.01:
        fields.append(_field(rng.choice([3, 4, 9]), b"", rng))
    return b"".join(fields)


def _structured(rng: random.Random) -> bytes:
    """A random request of the shapes an agent sends, and their near misses."""
    return b"".join(_field(1, _series(rng), rng) for _ in range(rng.randint(0, 6)))


# --- the corpus --------------------------------------------------------------------------------


def _parametrized(test: Callable[..., None]) -> list[tuple[Any, ...]]:
    [mark] = [m for m in test.pytestmark if m.name == "parametrize"]  # type: ignore[attr-defined]
    return list(mark.args[1])


def _test_payloads() -> Iterator[tuple[bytes, Limits]]:
    """Every request the ingest tests send, and agent-like bodies."""
    for body, limits, *_ in _parametrized(test_ingest.test_limits):
        yield body, limits
    for request, *_ in _parametrized(test_ingest.test_every_kind_of_data_is_checked):
        yield compress(request.SerializeToString()), Limits()
    yield compress(test_ingest._rich_request()), Limits()
    yield test_ingest._body({"__name__": "up", "site": "B", "province": "PB", "job": "j"}), Limits()
    yield test_ingest._body({"__name__": "up", "a": "1", "e": "2", "q": "3", "z": "4"}), Limits()
    yield _agent_body(200), Limits()
    yield _agent_body(50), Limits(max_series_per_request=49)
    yield _agent_body(50), Limits(max_samples_per_request=49)
    yield _agent_body(50), Limits(max_labels_per_series=7)
    yield _agent_body(50), Limits(max_labels_per_series=8)


def _agent_body(series: int) -> bytes:
    return encode_write_request(
        (
            {"__name__": "ifHCInOctets", "device": f"sw{i // 48}", "ifIndex": str(i % 48),
             "ifName": f"Gi0/{i % 48}", "job": "ictinfra", "site": "spoofed"},
            [(NOW - i, float(i))],
        )
        for i in range(series)
    )  # fmt: skip


def test_the_fast_path_serves_an_agents_push() -> None:
    from agent.wire.remote_write import decompress

    assert _raw_is_fast(decompress(_agent_body(200)), Limits())
    fast, slow = _both(_agent_body(200), Limits())
    assert fast == slow and fast[0] == "accepted"


def test_every_test_payload_gets_the_same_answer() -> None:
    payloads = list(_test_payloads())
    assert len(payloads) > 25
    for body, limits in payloads:
        fast, slow = _both(body, limits)
        assert fast == slow, body[:80]


#: Mostly the defaults; tight ones put every limit's edge within the generator's reach.
LIMITS = [Limits()] * 6 + [
    Limits(max_label_name_length=8, max_label_value_length=4, max_labels_per_series=5),
    Limits(max_series_per_request=3, max_samples_per_request=4),
    Limits(max_label_value_length=1030, max_sample_age=1.0, max_future_skew=0.001),
]


@pytest.mark.parametrize("seed", range(4))
def test_structured_mutations_get_the_same_answer(seed: int) -> None:
    rng = random.Random(seed)
    kinds: dict[str, int] = {}
    fast_accepts = 0
    for number in range(1500):
        raw = _structured(rng)
        if number % 3 == 0:
            raw = mutate(rng, raw)
        limits = rng.choice(LIMITS)
        fast, slow = _both(compress(raw), limits)
        assert fast == slow, (raw.hex(), limits)
        kinds[str(slow[1]) if slow[0] == "refused" else "accepted"] = 1 + kinds.get(
            str(slow[1]) if slow[0] == "refused" else "accepted", 0
        )
        fast_accepts += slow[0] == "accepted" and _raw_is_fast(raw, Limits())
    assert fast_accepts > 100 and len(kinds) > 8, (fast_accepts, kinds)


def test_blind_mutations_of_agent_and_rich_bodies_get_the_same_answer() -> None:
    from agent.wire.remote_write import decompress

    rng = random.Random(11)
    bases = [decompress(_agent_body(3)), test_ingest._rich_request()]
    for _ in range(2000):
        raw = mutate(rng, rng.choice(bases))
        fast, slow = _both(compress(raw), Limits())
        assert fast == slow, raw.hex()


def test_the_hardening_fuzz_corpus_gets_the_same_answer() -> None:
    """tests/fuzz/mutators.py's remote_write cases (the hardening issue's corpus)."""
    from tests.fuzz.mutators import mutate_write

    rng = random.Random(9)
    accepted = 0
    for _ in range(600):  # each case takes ~10 ms to build (some repeat a series 200 times)
        body = mutate_write(rng, NOW).body
        fast, slow = _both(body, Limits())
        assert fast == slow, body.hex()
        accepted += slow[0] == "accepted"
    assert accepted > 20, accepted


def _wrapped(number: int, payload: bytes, padded: bool = False) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload), padded) + payload


NAME = _wrapped(1, b"__name__") + _wrapped(2, b"up")
VALUE = b"\x09" + struct.pack("<d", 2.5)
STAMP = b"\x10" + _varint(NOW)
NON_CANONICAL = {
    "zero value written": ([NAME], [b"\x09" + bytes(8) + STAMP]),
    "sample fields reversed": ([NAME], [STAMP + VALUE]),
    "label fields reversed": ([_wrapped(2, b"up") + _wrapped(1, b"__name__")], [VALUE + STAMP]),
    "empty value written": ([NAME, _wrapped(1, b"job") + _wrapped(2, b"")], [VALUE + STAMP]),
    "padded label length": ([_wrapped(1, b"__name__", True) + _wrapped(2, b"up")], [VALUE + STAMP]),
    "padded timestamp": ([NAME], [VALUE + b"\x10" + _varint(NOW, True)]),
}


@pytest.mark.parametrize("case", ["zero value written", "sample fields reversed",
                                  "label fields reversed", "empty value written",
                                  "padded label length", "padded timestamp", "padded series",
                                  "label after sample"])  # fmt: skip
def test_a_non_canonical_encoding_takes_the_python_path(case: str) -> None:
    """Python re-encodes these canonically: copying them would forward other bytes."""
    labels, samples = NON_CANONICAL.get(case, ([NAME], [VALUE + STAMP]))
    fields = [_wrapped(1, label) for label in labels] + [_wrapped(2, s) for s in samples]
    if case == "label after sample":
        fields.append(_wrapped(1, _wrapped(1, b"job") + _wrapped(2, b"j")))
    series = b"".join(fields)
    raw = _wrapped(1, series, padded=case == "padded series")
    fast, slow = _both(compress(raw), Limits())
    assert slow[0] == "accepted" and fast == slow
    assert not _raw_is_fast(raw, Limits())


def test_random_bytes_never_crash_the_c_code() -> None:
    rng = random.Random(5)
    window = (NOW - 1000, NOW + 1000)
    for _ in range(5000):
        raw = bytes(rng.randrange(256) for _ in range(rng.randint(0, 64)))
        assert fastpath.relabel(raw, SITE, Limits(), *window) is None or raw[:1] in (b"", b"\x0a")


def test_limits_past_64_bits_mean_no_limit_in_c_too() -> None:
    huge = Limits(
        max_series_per_request=10**30,
        max_samples_per_request=10**30,
        max_labels_per_series=10**30,
        max_sample_age=1e30,
        max_future_skew=1e30,
    )
    fast, slow = _both(_agent_body(5), huge)
    assert fast == slow and fast[0] == "accepted"


def test_site_labels_out_of_order_take_the_python_path() -> None:
    site = SiteIdentity(code="A", labels=(("site", "A"), ("province", "PA")),
                        reserved=frozenset({"site", "province"}))  # fmt: skip
    fast, slow = _both(_agent_body(5), Limits(), site)
    assert fast == slow and fast[0] == "accepted"
