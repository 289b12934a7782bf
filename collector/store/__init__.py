"""The collector's store: the site registry and inventory history, on SQLite or PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from collector.config import DatabasePool
from collector.store.db import (
    DEFAULT_POOL,
    StoreMissingError,
    StoreNewerError,
    check_store,
    make_engine,
    ping,
    upgrade,
)
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


def open_store(
    database_url: str,
    *,
    init: bool = False,
    migrate: bool = True,
    pool: DatabasePool = DEFAULT_POOL,
) -> Store:
    """Connect to an existing store and bring its schema up to date.

    A database that does not exist, or holds no collector schema, raises StoreMissingError
    unless `init` (create it and run every migration): an empty registry made by accident would
    answer every agent 401 with nothing saying why. `migrate=False`: connect only, check nothing.
    """
    engine = make_engine(database_url, create=init, pool=pool)
    try:
        if migrate and not init:
            check_store(engine)
        if migrate:
            upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return Store(engine, Registry(engine), InventoryStore(engine))


__all__ = [
    "SiteIdentity",
    "Store",
    "StoreMissingError",
    "StoreNewerError",
    "open_store",
]
