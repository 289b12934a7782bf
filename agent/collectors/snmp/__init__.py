"""The SNMP collector: system, IF-MIB, ENTITY-MIB, HOST-RESOURCES and Printer-MIB.

Modules, one job each: `client` (sessions behind a narrow interface, shared transports/engines),
`ber` + `lean` (the lean v1/v2c codec and its UDP transport), `pysnmp_sessions` (pysnmp 7 for
v3, or for v1/v2c with `codec: pysnmp`), `walk` (column walks, GETBULK fallbacks), `decode`
(pure value decoders), `system`, `ifmib`, `entity`, `hostres`, `printer` (pure `parse_*`
functions over walked tables), `vendor` (IANA enterprise numbers, device kind), `poller` (one
device, many devices: `poll_targets`), `selfmetrics`, `collector` (the registry's Collector).
See docs/snmp.md.
"""
