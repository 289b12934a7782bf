"""ictinfra-agent: measures a district or commune site and reports it to the collector."""

__version__ = "0.1.0"
