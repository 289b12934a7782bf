"""The agent's one SNMP layer: the `snmp` collector, and what other collectors use to speak SNMP.

The public API is `__all__` below: other collector packages (bandwidth, lan_facts, the LAN
sweep) import only these names, from `agent.collectors.snmp` itself, never a submodule
(tests/agent/test_import_graph.py checks it). Everything here is light: pysnmp is imported only
by `pysnmp_sessions`, when a session needs it (v3, or `codec: pysnmp`).

Modules, one job each:
- transport: `session` (the Session interface and its Response), `ber` + `lean` (the lean
  v1/v2c codec and its shared UDP socket), `pysnmp_sessions` (pysnmp 7: v3, `codec: pysnmp`),
  `client` (one session per target, shared sockets/engines);
- walking: `walk` (column walks, GETBULK fallbacks), `walker` (`Walker`: subtrees -> rows, for
  other collectors), `discovery` (which hosts answer sysObjectID, for the LAN sweep);
- MIBs: `mib` (the registry) and one module per MIB in `mibs/` (system, ifmib, entity, hostres,
  printer), `bridge` (BRIDGE/Q-BRIDGE FDB rows), `rows` (row helpers), `decode` (value
  decoders), `vendor` (IANA enterprise numbers, device kind);
- the collector: `poller` (one device, many devices: `poll_targets`), `selfmetrics`,
  `collector` (the registry's Collector).
See docs/snmp.md.
"""

from agent.collectors.snmp.bridge import FDB_SUBTREES, FdbEntry, parse_base_ports, parse_fdb
from agent.collectors.snmp.client import Codec, SnmpClient
from agent.collectors.snmp.discovery import discover_sys_object_ids
from agent.collectors.snmp.mibs.ifmib import INTERFACE_COLUMNS, Interface, parse_interfaces
from agent.collectors.snmp.mibs.system import SYS_UPTIME, UPTIME_SUBTREE, sys_uptime_seconds
from agent.collectors.snmp.rows import Row, RowValue
from agent.collectors.snmp.walker import ClientWalker, Walker

__all__ = [
    "FDB_SUBTREES",
    "INTERFACE_COLUMNS",
    "SYS_UPTIME",
    "UPTIME_SUBTREE",
    "ClientWalker",
    "Codec",
    "FdbEntry",
    "Interface",
    "Row",
    "RowValue",
    "SnmpClient",
    "Walker",
    "discover_sys_object_ids",
    "parse_base_ports",
    "parse_fdb",
    "parse_interfaces",
    "sys_uptime_seconds",
]
