"""An unknown key in any strict config names the closest key allowed at that place."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agent.config import load_config as load_agent_config
from agent.errors import ConfigError
from collector.config import load_config as load_collector_config

AGENT = """\
lgo:
  level: info
snmp:
  targets:
    - name: a
      address: 127.0.0.1
      comunity: public
web:
  zzz: 1
"""
COLLECTOR = """\
prometheus_ulr: http://127.0.0.1:9090
forward:
  - url: http://127.0.0.1:9/w
    bearer_tokn: x
limits:
  max_body_byte: 1MiB
"""


@pytest.mark.parametrize(
    ("load", "text", "expected"),
    [
        (
            load_agent_config,
            AGENT,
            [
                "line 1: lgo: unknown key; did you mean `log`?",
                "line 7: snmp.targets[0].comunity: unknown key; did you mean `community`?",
                "line 9: web.zzz: unknown key",
            ],
        ),
        (
            load_collector_config,
            COLLECTOR,
            [
                "line 1: prometheus_ulr: unknown key; did you mean `prometheus_url`?",
                "line 4: forward[0].bearer_tokn: unknown key; did you mean `bearer_token`?",
                "line 6: limits.max_body_byte: unknown key; did you mean `max_body_bytes`?",
            ],
        ),
    ],
    ids=["agent", "collector"],
)
def test_an_unknown_key_names_the_closest_known_one(
    tmp_path: Path, load: Callable[[Path], Any], text: str, expected: list[str]
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert caught.value.problems == expected
