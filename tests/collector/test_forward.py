"""How receivers' answers become the collector's answer to its sender."""

from __future__ import annotations

import pytest

from collector.forward import ForwardResult, verdict


@pytest.mark.parametrize(
    ("answers", "status"),
    [
        ([(204, "")], 204),
        ([(204, ""), (200, "")], 204),
        ([(None, "ConnectError")], 503),
        ([(503, "busy")], 503),
        ([(500, "internal")], 503),
        ([(500, "too old sample")], 400),  # Prometheus 2.42 beyond its out-of-order window
        ([(400, "out of order sample")], 400),
        ([(500, "native histograms are disabled")], 400),  # Prometheus 2.42 without the flag
        ([(500, 'label name "a" is not unique: invalid sample')], 400),
        ([(409, "conflict")], 400),  # Thanos Receive
        ([(429, "slow down")], 503),
        ([(401, "unauthorized")], 503),  # our forward credentials: not the sender's fault
        ([(404, "not found")], 503),
        ([(204, ""), (None, "down")], 503),  # one receiver down: retry (both get it again)
        ([(400, "bad"), (None, "down")], 503),  # retry wins: the down one must get the data
        ([(400, "bad"), (204, "")], 400),
    ],
)
def test_verdict(answers: list[tuple[int | None, str]], status: int) -> None:
    results = [ForwardResult(f"r{i}", code, text) for i, (code, text) in enumerate(answers)]
    outcome = verdict(results)
    assert outcome.status == status
    for result in results:
        if not result.ok and (outcome.status == 400 or not result.permanent):
            assert result.receiver in outcome.message
