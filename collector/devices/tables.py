"""The classifier's and the age finder's data files (collector/devices/data/), read once."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml


@functools.cache
def load(name: str) -> Any:
    text = resources.files("collector.devices").joinpath("data", name).read_text("utf-8")
    return yaml.safe_load(text)


def classes() -> dict[str, Any]:
    return dict(load("classes.yaml"))
