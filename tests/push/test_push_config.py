"""The `push:` section: the example in deploy/agent.example.yaml is valid; bad values are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.config import load_config
from agent.errors import ConfigError
from tests.peers.common import REPO


def example_push_block() -> str:
    lines = (REPO / "deploy" / "agent.example.yaml").read_text().splitlines()
    start = lines.index("# push:")
    block = [lines[start]]
    block += [line for line in lines[start + 1 :] if line.startswith("#   ")]
    return "\n".join(line[2:] for line in block) + "\n"


def test_the_commented_example_is_valid_when_uncommented(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text("host:\n  enabled: false\n" + example_push_block())
    push = load_config(path).push
    assert push is not None
    assert push.queue_max_bytes == 512 * 2**20 and push.interval == 15.0
    assert push.max_sample_age == 3 * 86400 and push.ca_file
    assert push.max_request_samples == 40_000


def test_bad_push_values_are_named_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text(
        "push:\n  url: https://c\n  token_file: /t\n  queue_max_bytes: lots\n"
        "  max_request_samples: 0\n  retry: forever\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    problems = "\n".join(info.value.problems)
    assert "line 4: push.queue_max_bytes" in problems
    assert "line 5: push.max_request_samples" in problems
    assert "line 6: push.retry: unknown key" in problems
