"""Ingest checks on parsed requests: the site's labels win, and every limit says what it hit."""

from __future__ import annotations

import pytest

from agent.wire.remote_write import compress, decode_write_request, encode_write_request
from collector.config import Limits
from collector.ingest import Rejection, accept
from collector.store import SiteIdentity

NOW = 1_800_000_000_000
SITE = SiteIdentity(
    code="A",
    labels=(("district", "DA"), ("province", "PA"), ("site", "A")),
    reserved=frozenset({"site", "province", "district", "commune"}),
)


def _body(labels: dict[str, str], *timestamps: int) -> bytes:
    return encode_write_request([(labels, [(t, 1.0) for t in timestamps or (NOW,)])])


def test_site_labels_overwrite_what_the_sender_claims() -> None:
    body = _body({"__name__": "up", "site": "B", "province": "PB", "commune": "C", "job": "j"})
    accepted = accept(body, SITE, Limits(), NOW)
    [series] = decode_write_request(accepted.body)
    assert series.labels == (
        ("__name__", "up"), ("district", "DA"), ("job", "j"), ("province", "PA"), ("site", "A"),
    )  # fmt: skip
    assert (accepted.series, accepted.samples) == (1, 1)


@pytest.mark.parametrize(
    ("body", "limits", "reason", "status", "message"),
    [
        (b"garbage", Limits(), "malformed", 400, "not snappy"),
        (compress(b"\xff\xff"), Limits(), "malformed", 400, "not a remote_write WriteRequest"),
        (_body({"job": "x"}), Limits(), "missing_metric_name", 400, "no __name__"),
        (_body({"__name__": "up"}, NOW - 8 * 86400_000), Limits(), "sample_too_old", 400,
         "older than allowed"),
        (_body({"__name__": "up"}, 4_070_908_800_000), Limits(), "sample_in_future", 400,
         "too far in the future"),
        (_body({"__name__": "up", "x": "v" * 3000}), Limits(), "label_too_long", 400,
         "label 'x' is 3000 characters long"),
        (_body({"__name__": "up", **{f"l{i}": "v" for i in range(40)}}), Limits(),
         "too_many_labels", 400, "44 labels"),
        (encode_write_request([({"__name__": f"m{i}"}, [(NOW, 1.0)]) for i in range(3)]),
         Limits(max_series_per_request=2), "too_many_series", 413, "3 series in one request"),
        (_body({"__name__": "up", "x": "y" * 500}), Limits(max_decompressed_bytes=100),
         "body_too_large", 413, "over the limit of 100"),
    ],
    ids=["garbage", "not-protobuf", "no-name", "too-old", "year-2099", "long-label",
         "many-labels", "many-series", "decompressed-size"],
)  # fmt: skip
def test_limits(body: bytes, limits: Limits, reason: str, status: int, message: str) -> None:
    with pytest.raises(Rejection) as caught:
        accept(body, SITE, limits, NOW)
    assert (caught.value.reason, caught.value.status) == (reason, status)
    assert message in caught.value.message


def test_rejection_names_the_series() -> None:
    body = encode_write_request(
        [
            ({"__name__": "ok"}, [(NOW, 1.0)]),
            ({"__name__": "late", "ifName": "Gi0/1"}, [(NOW - 9 * 86400_000, 1.0)]),
        ]
    )
    with pytest.raises(Rejection, match=r'series late\{.*ifName="Gi0/1"'):
        accept(body, SITE, Limits(), NOW)


def test_unsorted_sender_labels_come_out_sorted() -> None:
    from agent.wire.remote_write import build_write_request

    request = build_write_request([])
    series = request.timeseries.add()
    for name in ("zeta", "__name__", "alpha", "site"):
        series.labels.add(name=name, value="v")
    series.samples.add(value=1.0, timestamp=NOW)
    accepted = accept(compress(request.SerializeToString()), SITE, Limits(), NOW)
    [out] = decode_write_request(accepted.body)
    names = [name for name, _ in out.labels]
    assert names == sorted(names) == ["__name__", "alpha", "district", "province", "site", "zeta"]
    assert out.label_dict["site"] == "A"


def test_site_labels_land_between_sender_labels() -> None:
    body = _body({"__name__": "up", "a": "1", "e": "2", "q": "3", "z": "4"})
    [out] = decode_write_request(accept(body, SITE, Limits(), NOW).body)
    assert [name for name, _ in out.labels] == [
        "__name__", "a", "district", "e", "province", "q", "site", "z",
    ]  # fmt: skip
