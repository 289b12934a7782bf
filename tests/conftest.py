"""Session-wide fixtures. Peer fixtures live in tests/peers/ and are listed here once."""

pytest_plugins: list[str] = [
    "tests.peers.node_exporter",
    "tests.peers.prometheus",
    "tests.peers.victoriametrics",
    "tests.peers.postgres",
    "tests.peers.snmpsim",
    "tests.peers.udp_relay",
    "tests.peers.snmpd",
]
