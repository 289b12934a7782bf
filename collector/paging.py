"""`?offset=&limit=&version=` of the read API's long lists: a page of at most `MAX_PAGE` items.

Every answer says where the next page starts (`page.next_offset`, null on the last page) and
the version of the data it was cut from (`page.version`), so a ranking job reads a whole list by
asking again from `next_offset` with that `version`: every page comes from the same kept answer
(collector/readcache.py). A version no longer kept gets the current data, whose `page.version`
differs from the one asked: the job starts again from offset 0.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from collector.ingest import Rejection

T = TypeVar("T")

MAX_PAGE = 1000
"""Items in one page (devices, units): ~2 MB of JSON for devices, encoded in a few tens of ms.
Should become config (`limits.max_page_items`)."""

MAX_WHOLE = 10_000
"""Items a request that asks for no page (no `limit`, no `offset`) gets in one answer: the whole
list, as the API answered before it had pages (a province's devices fit). A longer list is
refused with 413 saying how to page, never cut silently: a job that reads only `devices` would
otherwise miss the rest without knowing."""

PARAMS = ("offset", "limit", "version")
MAX_DIGITS = 9
VERSION_RE = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True, slots=True)
class Page:
    offset: int = 0
    limit: int | None = None  # None: no page asked for, the whole list (up to MAX_WHOLE)
    version: str | None = None  # of the first page's answer

    def check(self, *lengths: int) -> None:
        """Rejection 413 when no page was asked for and a list is longer than MAX_WHOLE."""
        longest = max(lengths, default=0)
        if self.limit is None and longest > MAX_WHOLE:
            raise Rejection(
                "too_large",
                f"the list has {longest} items, more than {MAX_WHOLE} in one answer: ask for"
                f" pages (?limit=1..{MAX_PAGE}) and follow page.next_offset with page.version",
                413,
            )

    def cut(self, items: Sequence[T]) -> list[T]:
        if self.limit is None:
            return list(items)
        return list(items[self.offset : self.offset + self.limit])

    def describe(self, version: str, *lengths: int) -> dict[str, Any]:
        """The answer's `page`: the next offset while any of the lists goes on past this page,
        and the version of the data the page was cut from."""
        end = self.offset + (self.limit if self.limit is not None else max(lengths, default=0))
        more = any(length > end for length in lengths)
        return {"offset": self.offset, "limit": self.limit, "next_offset": end if more else None,
                "version": version}  # fmt: skip


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
    version = params.get("version")
    if version is not None and not VERSION_RE.fullmatch(version):
        raise Rejection("bad_request", "version must be the 16 hex digits of page.version", 400)
    if "limit" not in params and "offset" not in params:
        return Page(version=version)
    return Page(
        offset=_number(params, "offset", 0, 10**MAX_DIGITS - 1, 0),
        limit=_number(params, "limit", 1, MAX_PAGE, MAX_PAGE),
        version=version,
    )
