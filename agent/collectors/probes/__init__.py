"""Link probes: gateway, WAN, Internet and services (see docs/probes.md).

Public API (`__all__`): what other collectors (bandwidth's throughput test and uplink) may use;
the rest is this package's own.
"""

from agent.collectors.probes.dns import resolve
from agent.collectors.probes.http import (
    HttpTarget,
    open_timed,
    parse_status_line,
    request_bytes,
    tls_context,
)
from agent.collectors.probes.route import default_route, parse_neighbour_mac

__all__ = [
    "HttpTarget",
    "default_route",
    "open_timed",
    "parse_neighbour_mac",
    "parse_status_line",
    "request_bytes",
    "resolve",
    "tls_context",
]
