"""The collector's store: the site registry and inventory history, on SQLite or PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from collector.store.db import make_engine, ping, upgrade
from collector.store.inventory import InventoryStore
from collector.store.registry import Registry, SiteIdentity


@dataclass
class Store:
    engine: Engine
    registry: Registry
    inventory: InventoryStore

    def ping(self) -> None:
        ping(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def open_store(database_url: str, migrate: bool = True) -> Store:
    """Connect, and (by default) bring the schema up to date first."""
    engine = make_engine(database_url)
    if migrate:
        upgrade(engine)
    return Store(engine, Registry(engine), InventoryStore(engine))


__all__ = ["SiteIdentity", "Store", "open_store"]
