"""Internet bandwidth per civil servant, as the ranking's `bandwidth_per_staff` measures it
(RANKING.md): an office's Internet capacity is its last speed test's download rate, or without
one its configured uplink's speed; a unit's capacity and civil servants are its own site's plus
everything below it, civil servants being the register's `staff` (`ictinfra_unit_civil_servants`,
labelled by every level at or above each unit). The dashboards show the live figure in bit/s per
civil servant; the ranking takes the period's median in Mbit/s and scores it against the best."""

from __future__ import annotations

from dashboards.hierarchy import LEVELS
from dashboards.panels import Steps
from dashboards.place import unit_in_place

PER_STAFF: Steps = ((None, "red"), (1e6, "orange"), (2e6, "green"))  # bit/s per civil servant
_OFFICE = "site, instance, province, district, commune"
CAPACITY = (  # bit/s per office (agent), labelled `unit` = its site
    f'label_replace((max by ({_OFFICE}) (ictinfra_bandwidth_test_download_bytes_per_second) or '
    f'max by ({_OFFICE}) (ictinfra_uplink_speed_bytes_per_second)) * 8, "unit", "$1", "site", '
    '"(.+)")'
)  # fmt: skip
STAFF = "max without (instance, job) (ictinfra_unit_civil_servants)"
REGISTERED = "group by (unit, level) (ictinfra_unit_civil_servants)"


def _into_units(expr: str) -> str:
    """`expr` (labelled `unit`: its own) summed into its unit and every unit above it, from the
    level labels; a level a series lacks leaves it as it is, which `or` keeps once."""
    names = [name for name, _, _ in LEVELS if name != "site"]
    copies = [expr, *(f'label_replace({expr}, "unit", "$1", "{name}", "(.+)")' for name in names)]
    return f"sum by (unit) ({' or '.join(copies)})"


def per_unit() -> str:
    """Each unit of the chosen place (dashboards/place.py), with its `level`: the capacity of its
    offices and those below over its and their civil servants (0 without any capacity)."""
    staff = _into_units(STAFF)
    ratio = f"(({_into_units(CAPACITY)}) or {staff} * 0) / ({staff} > 0)"
    return f"{unit_in_place(ratio)} * on (unit) group_left (level) {REGISTERED}"


def per_unit_of(level: str) -> str:
    return f'{per_unit()} and on (unit) ictinfra_unit_civil_servants{{level="{level}"}}'
