"""ictinfra-collector: authenticated ingest, site registry, inventory, ranking."""

__version__ = "0.1.0"
