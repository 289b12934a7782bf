"""The SNMP collector: system, IF-MIB, ENTITY-MIB, HOST-RESOURCES and Printer-MIB over pysnmp 7.

Modules, one job each: `client` (pysnmp sessions, one shared dispatcher/engine), `walk` (column
walks with GETBULK and fallbacks), `decode` (pure value decoders), `system`, `ifmib`, `entity`,
`hostres`, `printer` (pure `parse_*` functions over walked tables), `vendor` (IANA enterprise
numbers), `poller` (one device, many devices), `collector` (the registry's Collector).
"""
