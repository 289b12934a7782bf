"""tests/push: no agent process outlives its test, even a failed one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.push.process import LineProcess


@pytest.fixture(autouse=True)
def _kill_leftover_processes() -> Iterator[None]:
    yield
    while LineProcess.started:
        LineProcess.started.pop().kill()
