"""`?offset=&limit=` of the read API's long lists: a page of at most `MAX_PAGE` items.

Every answer says where the next page starts (`page.next_offset`, null on the last page), so a
ranking job reads a whole list by asking again from there. Pages of one list are cut from the
same kept answer (collector/readcache.py) while the data does not change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from collector.ingest import Rejection

T = TypeVar("T")

MAX_PAGE = 1000
"""Items in one page (devices, units): ~2 MB of JSON for devices, encoded in a few tens of ms.
Should become config (`limits.max_page_items`)."""

PARAMS = ("offset", "limit")
MAX_DIGITS = 9


@dataclass(frozen=True, slots=True)
class Page:
    offset: int = 0
    limit: int = MAX_PAGE

    def cut(self, items: Sequence[T]) -> list[T]:
        return list(items[self.offset : self.offset + self.limit])

    def describe(self, *lengths: int) -> dict[str, Any]:
        """The answer's `page`: the next offset while any of the lists goes on past this page."""
        end = self.offset + self.limit
        more = any(length > end for length in lengths)
        return {"offset": self.offset, "limit": self.limit, "next_offset": end if more else None}


def _number(params: Mapping[str, str], name: str, low: int, high: int, default: int) -> int:
    text = params.get(name)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS):
        raise Rejection("bad_request", f"{name} must be a whole number from {low} to {high}", 400)
    value = int(text)
    if not low <= value <= high:
        raise Rejection("bad_request", f"{name} must be a whole number from {low} to {high}", 400)
    return value


def page_of(params: Mapping[str, str]) -> Page:
    """The page asked for; Rejection 400 naming the bad parameter."""
    return Page(
        offset=_number(params, "offset", 0, 10**MAX_DIGITS - 1, 0),
        limit=_number(params, "limit", 1, MAX_PAGE, MAX_PAGE),
    )
