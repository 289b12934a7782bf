"""Keys that name something defined elsewhere in the agent's config: each must resolve.

Checked when the config is loaded, so `check-config`, `once` and `run` refuse the same files
with the same line-numbered problems, instead of a collector failing when it is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent.config.loader import Location

if TYPE_CHECKING:
    from agent.config import AgentConfig


def reference_problems(config: AgentConfig) -> list[tuple[Location, str]]:
    return [*_snmp_names(config), *_speedtest(config)]


def _snmp_names(config: AgentConfig) -> list[tuple[Location, str]]:
    names = {target.name for target in config.snmp.targets}
    known = ", ".join(sorted(names)) or "none"
    problems: list[tuple[Location, str]] = []
    uplink = config.bandwidth.uplink
    if uplink is not None and uplink.device not in names:
        where: Location = ("bandwidth", "uplink", "device")
        problems.append((where, f"no snmp target named {uplink.device!r} (targets: {known})"))
    for index, switch in enumerate(config.bandwidth.lan_facts.switches):
        if switch not in names:
            where = ("bandwidth", "lan_facts", "switches", index)
            problems.append((where, f"no snmp target named {switch!r} (targets: {known})"))
    return problems


def _speedtest(config: AgentConfig) -> list[tuple[Location, str]]:
    """The test asks the collector, with the site token: both default to the `push:` section."""
    test = config.bandwidth.speedtest
    if not (config.bandwidth.enabled and test.enabled) or config.push is not None:
        return []
    where: Location = ("bandwidth", "speedtest", "enabled")
    missing = [key for key in ("url", "token_file") if getattr(test, key) is None]
    return [(where, f"needs `{key}` or a `push:` section") for key in missing]
