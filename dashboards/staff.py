"""Internet bandwidth per civil servant, as the ranking's `bandwidth_per_staff` measures it
(RANKING.md): an office's Internet capacity is its last speed test's download rate, or without
one its configured uplink's speed; a unit's is the sum over its offices; civil servants are the
register's `staff` (`ictinfra_unit_civil_servants`, labelled by every level at or above each
unit, so a province's sum holds its own office's and everything below it). The dashboards show
the live figure in bit/s; the ranking takes the period's median in Mbit/s."""

from __future__ import annotations

from dashboards.hierarchy import PLACE, SITE
from dashboards.panels import Steps

SITE_PLACE = "site, province, district, commune"
_OFFICE = f"{SITE_PLACE}, instance"
CAPACITY = (  # bit/s per office (agent)
    f"(max by ({_OFFICE}) (ictinfra_bandwidth_test_download_bytes_per_second{{{SITE}}})"
    f" or max by ({_OFFICE}) (ictinfra_uplink_speed_bytes_per_second{{{SITE}}})) * 8"
)
PER_STAFF: Steps = ((None, "red"), (1e6, "orange"), (2e6, "green"))  # bit/s per civil servant
STAFF = f"max without (instance, job) (ictinfra_unit_civil_servants{{{PLACE}}})"


def per_site() -> str:
    """Each chosen site's capacity over its own civil servants (a site is a registered unit)."""
    own = f'label_replace({STAFF} > 0, "site", "$1", "unit", "(.+)")'
    return f"sum by ({SITE_PLACE}) ({CAPACITY}) / on (site) group_left () {own}"


def per(level: str) -> str:
    """Per unit of `level` (a label every series has: province): the capacity of the chosen
    place's offices in it over the civil servants of the chosen place in it (0 without tests)."""
    staff = f"sum by ({level}) ({STAFF})"
    return f"(sum by ({level}) ({CAPACITY}) or {staff} * 0) / ({staff} > 0)"
