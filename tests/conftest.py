"""Session-wide fixtures. Peer fixtures live in tests/peers/ and are listed here once."""

pytest_plugins: list[str] = [
    "tests.peers.netns",
    "tests.peers.node_exporter",
    "tests.peers.snmpsim",
    "tests.peers.udp_relay",
    "tests.peers.snmpd",
]
