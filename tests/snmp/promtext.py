"""Read Prometheus text exposition exactly (ints stay ints; prometheus_client's parser gives
floats, which would hide a Counter64 above 2^53 that came out wrong)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SAMPLE = re.compile(r"^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})? (\S+)$")
_LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: int | float


def _number(text: str) -> int | float:
    return int(text) if re.fullmatch(r"-?\d+", text) else float(text)


def parse_samples(text: str) -> list[Sample]:
    samples = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        name, labels, value = match.groups()
        pairs = {
            k: v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
            for k, v in _LABEL.findall(labels or "")
        }
        samples.append(Sample(name, pairs, _number(value)))
    return samples


def by_device(samples: list[Sample], name: str, device: str, key: str) -> dict[str, int | float]:
    return {
        s.labels[key]: s.value
        for s in samples
        if s.name == name and s.labels.get("device") == device
    }


def value_of(samples: list[Sample], name: str, **labels: str) -> int | float | None:
    for sample in samples:
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
            return sample.value
    return None
