"""agent.model.Samples: pairs kept as two columns, values exact whatever their type."""

from __future__ import annotations

from array import array

from agent.exposition import merge_families, render
from agent.model import MetricFamily, Samples

COUNTER64_MAX = 2**64 - 1


def test_ints_that_fit_stay_in_an_int64_array_and_read_back_as_pairs() -> None:
    samples = Samples([(("a",), 1), (("b",), -(2**63)), (("c",), 2**63 - 1)])
    assert isinstance(samples.values, array)
    assert list(samples) == [(("a",), 1), (("b",), -(2**63)), (("c",), 2**63 - 1)]
    assert samples[1] == (("b",), -(2**63)) and samples[1:] == list(samples)[1:]
    assert len(samples) == 3 and samples == list(samples)


def test_a_value_the_array_cannot_hold_exactly_turns_the_column_into_a_list() -> None:
    for other in (COUNTER64_MAX, 0.5, True, float("nan")):
        samples = Samples([(("a",), 7)])
        samples.append((("b",), other))
        assert isinstance(samples.values, list)
        assert samples.values[0] == 7 and type(samples.values[1]) is type(other)
    family = MetricFamily("ictinfra_x", "x", "gauge", ("k",))
    family.add(("big",), COUNTER64_MAX)
    family.add(("flag",), True)  # a bool renders as a float, as before
    assert render([family]).splitlines()[2:] == [
        f'ictinfra_x{{k="big"}} {COUNTER64_MAX}',
        'ictinfra_x{k="flag"} 1.0',
    ]


def test_merging_array_and_list_columns_keeps_order_and_values() -> None:
    ints = MetricFamily("ictinfra_y", "y", "gauge", ("k",), [(("a",), 1), (("b",), 2)])
    mixed = MetricFamily("ictinfra_y", "y", "gauge", ("k",), [(("c",), 0.25)])
    more = MetricFamily("ictinfra_y", "y", "gauge", ("k",), [(("d",), 3)])
    (merged,) = merge_families([ints, mixed, more])
    assert list(merged.samples) == [(("a",), 1), (("b",), 2), (("c",), 0.25), (("d",), 3)]
    assert isinstance(ints.samples.values, array)  # the parts are left as they were


def test_a_family_given_a_list_keeps_it_as_samples() -> None:
    family = MetricFamily("ictinfra_z", "z", samples=[((), 1)])  # type: ignore[arg-type]
    assert isinstance(family.samples, Samples) and family.samples == [((), 1)]
    assert family == MetricFamily("ictinfra_z", "z", samples=Samples([((), 1)]))
