"""Reader credentials: a bearer token scoped to a unit and everything below it.

A reader token is a row of the same `tokens` table as a site's write token (stored only as its
SHA-256, shown once), with `scope` "reader". The read endpoints (`devices`, `obsolete`,
`indicators`) call `authorize_reader`; a site's write token is refused there (403), and a reader
token is refused by the write endpoints (403, see `Collector._identify`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from collector.ingest import Rejection

if TYPE_CHECKING:
    from collector.store import Store

log = logging.getLogger("collector.readers")

READER_SCOPE = "reader"
SITE_SCOPE = "site"


@dataclass(frozen=True, slots=True)
class ReaderScope:
    unit: str  # the unit the token was issued for
    units: frozenset[str]  # that unit and every unit below it

    def allows(self, code: str) -> bool:
        return code in self.units


class HasStore(Protocol):
    store: Store


def bearer_token(request: Request) -> str:
    """The request's bearer token; a 401 Rejection when there is none."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Rejection("unauthorized", "missing bearer token (Authorization: Bearer ...)", 401)
    return token.strip()


def issue_reader_token(store: Store, unit: str, rotate: bool = False) -> str:
    """A new reader token for the unit (shown once); `rotate` revokes its other reader tokens."""
    return store.registry.issue_token(unit, revoke_others=rotate, scope=READER_SCOPE)


def reader_scope(store: Store, token: str) -> ReaderScope:
    """The scope of a live reader token; Rejection 401 (unknown, revoked) or 403 (a site's)."""
    found = store.registry.token_scope(token)
    if found is None:
        raise Rejection("unauthorized", "unknown or revoked token", 401)
    scope, unit = found
    if scope != READER_SCOPE:
        raise Rejection("forbidden", "a site's write token cannot read; use a reader token", 403)
    return ReaderScope(unit=unit, units=store.registry.descendants(unit))


async def authorize_reader(collector: HasStore, request: Request) -> ReaderScope:
    """What the request may read: raises Rejection (401, 403, 503) as site auth does."""
    token = bearer_token(request)
    try:
        return await run_in_threadpool(reader_scope, collector.store, token)
    except SQLAlchemyError as exc:
        log.error("database error while checking a reader token: %s", type(exc).__name__)
        raise database_unavailable() from None


def database_unavailable() -> Rejection:
    return Rejection("database_unavailable", "database unavailable, retry later", 503)
