"""The host collector: the agent's own machine, with node_exporter's metric names.

One module per data source (cpu, memory, filesystems, network, boot, dmi, os_release, disks),
each with pure `parse_*` functions over recorded text and a reader taking its root as an argument;
`collector.HostCollector` combines them, `portable` is the psutil fallback off Linux.

Public API (`__all__`): the /proc/net/dev parser, which the bandwidth collector shares.
"""

from agent.collectors.host.network import parse_net_dev

__all__ = ["parse_net_dev"]
