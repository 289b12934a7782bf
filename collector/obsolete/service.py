"""The obsolete list of some sites from the store: what the CLI, the API and the metric share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from collector.config import ObsoleteSettings
from collector.devices.model import SeenDevice
from collector.obsolete.book import RulesBook
from collector.obsolete.engine import Split, split
from collector.obsolete.report import report
from collector.store import Store


def book_for(settings: ObsoleteSettings, store: Store) -> RulesBook:
    """The rules of the collector config; ConfigError for a bad rules file (with its lines)."""

    def parent_of(code: str) -> str | None:
        unit = store.registry.unit(code)
        return unit.parent_code if unit else None

    return RulesBook(settings.rules_file, settings.overrides, parent_of)


def describe(book: RulesBook) -> dict[str, Any]:
    return {
        "version": book.default.version,
        "sources": book.default.sources,
        "overrides": book.overrides,
    }


def seen(
    store: Store, sites: Collection[str] | None, start: float | None = None
) -> list[SeenDevice]:
    from collector.devices.view import seen_devices

    return [d for d in seen_devices(store, sites=sites, start=start) if d.seen]


def judge(
    store: Store, book: RulesBook, at: dt.date, months: int, sites: Collection[str] | None
) -> Split:
    return split(seen(store, sites), book.for_site, at, months)


def obsolete_report(
    store: Store,
    book: RulesBook,
    *,
    at: dt.date,
    months: int | None = None,
    sites: Collection[str] | None = None,
    lang: str = "vi",
) -> dict[str, Any]:
    """The contract's JSON for the devices of `sites` (every site when None)."""
    window = months if months is not None else book.default.soon_months
    return report(judge(store, book, at, window, sites), describe(book), at, lang)
