"""One exception hierarchy for the agent (the collector derives from it too)."""


class IctinfraError(Exception):
    """Base of every error ictinfra raises on purpose."""


class ConfigError(IctinfraError):
    """A config file is unreadable or invalid. `problems` holds one line per bad key."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


class CollectError(IctinfraError):
    """A collector could not measure what it was asked to."""


class PeerError(IctinfraError):
    """A peer (SNMP device, collector, TSDB) failed or answered badly."""
