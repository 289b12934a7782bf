"""The site registry: units in a hierarchy of any depth, successors, and per-site tokens."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Select, bindparam, func, literal, or_, select, update
from sqlalchemy.exc import OperationalError

from collector.sites_csv import CsvError, UnitRow, UnitTree, tree_problems
from collector.store.db import no_wait
from collector.store.schema import tokens, unit_successors, units

TOKEN_PREFIX = "ictinfra_"  # noqa: S105 - a prefix, not a secret
DEFAULT_LEVELS = frozenset({"province", "district", "commune"})
LAST_USED_EVERY = 60.0  # seconds between writes of a token's last_used_at
MAX_DEPTH = 32  # ancestors of a unit read at most


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class SiteIdentity:
    """Who a token belongs to, and the labels every series from there gets."""

    code: str
    labels: tuple[tuple[str, str], ...]  # site + one label per ancestor level
    reserved: frozenset[str]  # label names no sender may set: site and every level name


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: int
    site_code: str
    created_at: float
    revoked_at: float | None
    last_used_at: float | None
    scope: str = "site"  # site (writes) | reader (reads: collector/readers.py)


class UnknownSiteError(LookupError):
    pass


def _row_to_unit(row: object) -> UnitRow:
    return UnitRow(
        line=0,
        code=row.code,  # type: ignore[attr-defined]
        name=row.name,  # type: ignore[attr-defined]
        level=row.level,  # type: ignore[attr-defined]
        parent_code=row.parent_code,  # type: ignore[attr-defined]
        staff=row.staff,  # type: ignore[attr-defined]
        offices=row.offices,  # type: ignore[attr-defined]
        valid_from=row.valid_from,  # type: ignore[attr-defined]
        valid_to=row.valid_to,  # type: ignore[attr-defined]
    )


def _in_parent_order(rows: Sequence[UnitRow]) -> list[UnitRow]:
    """Parents before children, so foreign keys hold at every insert."""
    by_code = {row.code: row for row in rows}
    ordered: list[UnitRow] = []
    placed: set[str] = set()

    def place(row: UnitRow) -> None:
        if row.code in placed:
            return
        placed.add(row.code)
        if row.parent_code in by_code:
            place(by_code[row.parent_code])
        ordered.append(row)

    for row in rows:
        place(row)
    return ordered


def _site_chain() -> Select[Any]:
    """Rows (code, level, token_id, last_used, marker) of a live site token's unit and its
    ancestors, in order; none for an unknown or revoked token (bound parameter `token_hash`).
    Import refuses cycles; the depth bound guards a hand-edited database."""
    anchor = (
        select(
            units.c.code, units.c.level, units.c.parent_code, literal(0).label("depth"),
            tokens.c.id.label("token_id"), tokens.c.last_used_at.label("last_used"),
        )
        .join_from(tokens, units, units.c.code == tokens.c.site_code)
        .where(
            tokens.c.token_hash == bindparam("token_hash"),
            tokens.c.revoked_at.is_(None),
            tokens.c.scope == "site",
        )
        .cte("chain", recursive=True)
    )  # fmt: skip
    parent = units.alias("parent")
    chain = anchor.union_all(
        select(
            parent.c.code, parent.c.level, parent.c.parent_code, anchor.c.depth + 1,
            anchor.c.token_id, anchor.c.last_used,
        ).where(parent.c.code == anchor.c.parent_code, anchor.c.depth < MAX_DEPTH)
    )  # fmt: skip
    marker = select(func.max(units.c.updated_at)).scalar_subquery().label("marker")
    columns = chain.c.code, chain.c.level, chain.c.token_id, chain.c.last_used, marker
    return select(*columns).order_by(chain.c.depth)


SITE_CHAIN = _site_chain()  # built once: its compiled form is cached by the statement


class Registry:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # (max(units.updated_at) when read, level names): read again when the marker moves
        self._levels: tuple[float | None, frozenset[str]] | None = None

    # --- units ---------------------------------------------------------------------------

    def import_units(self, rows: Sequence[UnitRow], source: str) -> tuple[int, int]:
        """Insert or update every row in one transaction: all or nothing. (inserted, updated)"""
        now = time.time()
        with self.engine.begin() as conn:
            existing = self._unit_tree(conn)
            problems = tree_problems(rows, existing)
            if problems:
                raise CsvError(source, [text for _, text in problems])
            inserted = updated = 0
            for row in _in_parent_order(rows):
                values = {
                    "name": row.name,
                    "level": row.level,
                    "parent_code": row.parent_code,
                    "staff": row.staff,
                    "offices": row.offices,
                    "valid_from": row.valid_from,
                    "valid_to": row.valid_to,
                    "updated_at": now,
                }
                if row.code in existing:
                    conn.execute(update(units).where(units.c.code == row.code).values(values))
                    updated += 1
                else:
                    conn.execute(units.insert().values(code=row.code, **values))
                    inserted += 1
        self._levels = None  # after the commit: new level names are reserved from now on
        return inserted, updated

    @staticmethod
    def _unit_tree(conn: Connection) -> UnitTree:
        query = select(units.c.code, units.c.parent_code, units.c.level)
        return {r.code: (r.parent_code, r.level) for r in conn.execute(query)}

    def unit_tree(self) -> UnitTree:
        """Every stored unit's (parent_code, level), by code: what a new CSV's parents may name."""
        with self.engine.connect() as conn:
            return self._unit_tree(conn)

    def export_units(self) -> list[UnitRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(units).order_by(units.c.code))
            return _in_parent_order([_row_to_unit(row) for row in rows])

    def import_successors(self, pairs: Iterable[tuple[int, str, str]], source: str) -> int:
        pairs = list(pairs)
        with self.engine.begin() as conn:
            known = set(conn.scalars(select(units.c.code)))
            problems = [
                f"line {line}: {code!r} is not a unit"
                for line, old, new in pairs
                for code in (old, new)
                if code not in known
            ]
            if problems:
                raise CsvError(source, problems)
            have = {(r.old_code, r.new_code) for r in conn.execute(select(unit_successors))}
            fresh = [{"old_code": o, "new_code": n} for _, o, n in pairs if (o, n) not in have]
            if fresh:
                conn.execute(unit_successors.insert(), fresh)
            return len(fresh)

    def successors(self) -> list[tuple[str, str]]:
        with self.engine.connect() as conn:
            query = select(unit_successors).order_by(
                unit_successors.c.old_code, unit_successors.c.new_code
            )
            return [(r.old_code, r.new_code) for r in conn.execute(query)]

    def unit(self, code: str) -> UnitRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(units).where(units.c.code == code)).first()
            return None if row is None else _row_to_unit(row)

    # --- tokens --------------------------------------------------------------------------

    def issue_token(self, site_code: str, revoke_others: bool = False, scope: str = "site") -> str:
        """A new token for the site (shown once; only its SHA-256 is kept). `scope` "reader":
        a reader token of that unit (collector/readers.py), which never writes."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = time.time()
        with self.engine.begin() as conn:
            if conn.scalar(select(units.c.code).where(units.c.code == site_code)) is None:
                raise UnknownSiteError(f"no unit with code {site_code!r} (import the sites first)")
            if revoke_others:
                self._revoke(conn, site_code, now, scope=scope)
            conn.execute(
                tokens.insert().values(
                    site_code=site_code, token_hash=hash_token(token), created_at=now, scope=scope
                )
            )
        return token

    @staticmethod
    def _revoke(
        conn: Connection,
        site_code: str,
        now: float,
        token_id: int | None = None,
        scope: str | None = None,
    ) -> int:
        query = update(tokens).where(tokens.c.site_code == site_code, tokens.c.revoked_at.is_(None))
        if scope is not None:
            query = query.where(tokens.c.scope == scope)
        if token_id is not None:
            query = query.where(tokens.c.id == token_id)
        return conn.execute(query.values(revoked_at=now)).rowcount

    def revoke(self, site_code: str, token_id: int | None = None) -> int:
        """Revoke the site's live tokens (or just one); returns how many."""
        with self.engine.begin() as conn:
            return self._revoke(conn, site_code, time.time(), token_id)

    def list_tokens(self, site_code: str) -> list[TokenInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(tokens).where(tokens.c.site_code == site_code).order_by(tokens.c.id)
            )
            return [
                TokenInfo(r.id, r.site_code, r.created_at, r.revoked_at, r.last_used_at, r.scope)
                for r in rows
            ]

    def authenticate(self, token: str) -> SiteIdentity | None:
        """The site of a live token, with its labels; None for an unknown or revoked token.

        One query: the token, its site's chain of ancestors and the registry's change marker."""
        with self.engine.connect() as conn:
            chain = conn.execute(SITE_CHAIN, {"token_hash": hash_token(token)}).all()
            if not chain:
                return None
            site = chain[0]
            levels = self._level_names(conn, site.marker)
            self._touch(conn, site.token_id, site.last_used)
        labels = [("site", site.code), *((row.level, row.code) for row in chain[1:])]
        return SiteIdentity(
            code=site.code,
            labels=tuple(sorted(labels)),
            reserved=frozenset({"site"} | DEFAULT_LEVELS | levels),
        )

    @staticmethod
    def _live_token(conn: Connection, token: str, scope: str | None) -> Any:
        query = select(
            tokens.c.id, tokens.c.site_code, tokens.c.scope, tokens.c.last_used_at
        ).where(tokens.c.token_hash == hash_token(token), tokens.c.revoked_at.is_(None))
        if scope is not None:
            query = query.where(tokens.c.scope == scope)
        return conn.execute(query).first()

    def token_scope(self, token: str) -> tuple[str, str] | None:
        """(scope, unit code) of a live token of any scope; None for an unknown or revoked one."""
        with self.engine.connect() as conn:
            found = self._live_token(conn, token, None)
            if found is None:
                return None
            if found.scope != "site":
                self._touch(conn, found.id, found.last_used_at)
            return str(found.scope), str(found.site_code)

    def descendants(self, code: str) -> frozenset[str]:
        """The unit and every unit below it."""
        with self.engine.connect() as conn:
            children: dict[str | None, list[str]] = {}
            for row in conn.execute(select(units.c.code, units.c.parent_code)):
                children.setdefault(row.parent_code, []).append(row.code)
        found, todo = {code}, [code]
        while todo:
            for child in children.get(todo.pop(), ()):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return frozenset(found)

    def _level_names(self, conn: Connection, marker: Any) -> frozenset[str]:
        """Every level name in the registry (reserved labels), read again only when an import
        (by any process or replica) has moved max(units.updated_at), the `marker` read with the
        token: a new level is reserved from the import's commit on."""
        if self._levels is None or self._levels[0] != marker:
            self._levels = (marker, frozenset(conn.scalars(select(units.c.level).distinct())))
        return self._levels[1]

    @staticmethod
    def _touch(conn: Connection, token_id: int, stored: float | None) -> None:
        """Write the token's last use unless `stored` (read with the token, written by any
        replica) is under LAST_USED_EVERY old: one write per token per interval in all."""
        now = time.time()
        stale = now - LAST_USED_EVERY
        if stored is not None and stored > stale:
            return
        last_used = tokens.c.last_used_at
        query = update(tokens).where(
            tokens.c.id == token_id, or_(last_used.is_(None), last_used <= stale)
        )
        try:
            with no_wait(conn):  # a token check never waits on another write (an inventory)
                conn.execute(query.values(last_used_at=now))  # none if a replica just wrote it
                conn.commit()
        except OperationalError:
            conn.rollback()  # the store is busy: a later request writes it

    def last_used_by_site(self) -> dict[str, float]:
        """When each site's tokens were last used (to their last write within a minute)."""
        query = (
            select(tokens.c.site_code, func.max(tokens.c.last_used_at))
            .where(tokens.c.last_used_at.is_not(None))
            .group_by(tokens.c.site_code)
        )
        with self.engine.connect() as conn:
            return {site: float(at) for site, at in conn.execute(query)}

    def count_units(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(units)) or 0)
