"""One module per MIB: its OIDs, pure `parse_*` functions over walked tables, and `MIB`, the
declaration the poller reads through agent.collectors.snmp.mib.registry(). Add a MIB by adding
a module here (see docs/snmp.md, "Adding a MIB")."""
