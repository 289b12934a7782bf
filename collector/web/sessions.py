"""Server-side sessions: the cookie holds a random token, the table its SHA-256, the account,
the session's CSRF token and when it expires. Logout and expiry delete the row."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import Engine, delete, select

from collector.store.schema import web_accounts, web_sessions


@dataclass(frozen=True, slots=True)
class Session:
    username: str
    unit: str
    csrf: str
    expires_at: float


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    def __init__(self, engine: Engine, lifetime: float) -> None:
        self.engine = engine
        self.lifetime = lifetime

    def open(self, username: str) -> str:
        """A new session for the account; returns the cookie's value (never stored)."""
        token = secrets.token_urlsafe(32)
        now = time.time()
        with self.engine.begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.expires_at <= now))
            conn.execute(
                web_sessions.insert().values(
                    session_hash=_hash(token), username=username,
                    csrf_token=secrets.token_urlsafe(32), created_at=now,
                    expires_at=now + self.lifetime,
                )
            )  # fmt: skip
        return token

    def find(self, token: str | None) -> Session | None:
        """The live session of a cookie; None when unknown, expired or its account is gone."""
        if not token or len(token) > 128:
            return None
        query = (
            select(web_sessions, web_accounts.c.unit_code)
            .join(web_accounts, web_accounts.c.username == web_sessions.c.username)
            .where(web_sessions.c.session_hash == _hash(token))
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None or row.expires_at <= time.time():
            return None
        return Session(row.username, row.unit_code, row.csrf_token, row.expires_at)

    def close(self, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.session_hash == _hash(token)))
