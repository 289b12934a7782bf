"""Fixtures that start real peers once per test session (Prometheus, snmpsim, snmpd, ...)."""
