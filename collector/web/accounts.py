"""Web accounts, each scoped to a unit and every unit below it; passwords as scrypt hashes.

A hash is `scrypt$N$r$p$salt$key` (salt and key in base64): hashlib.scrypt with N=2**14, r=8,
p=1 (16 MiB and tens of milliseconds per guess), compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import Engine, delete, select

from collector.store.registry import UnknownSiteError
from collector.store.schema import units, web_accounts, web_sessions

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # bounded cost: scrypt of a megabyte-long "password" is refused before hashing
N, R, P = 2**14, 8, 1


class AccountError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Account:
    username: str
    unit: str


def hash_password(password: str, n: int = N) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=n, r=R, p=P, dklen=32)
    return f"scrypt${n}${R}${P}${_b64(salt)}${_b64(key)}"


def check_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, key = stored.split("$")
        expected = base64.b64decode(key)
        found = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
            dklen=len(expected), maxmem=64 * 2**20,
        )  # fmt: skip
    except ValueError:
        return False
    return kind == "scrypt" and hmac.compare_digest(found, expected)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def check_new(username: str, password: str) -> None:
    if not USERNAME_RE.match(username):
        raise AccountError("a user name is 1-64 letters, digits or _ . @ -")
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError(f"a password is {MIN_PASSWORD} to {MAX_PASSWORD} characters")


# a guess at an unknown user costs as much as one at a known user (no user enumeration by timing)
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


class Accounts:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, username: str, unit: str, password: str) -> None:
        """Add the account, or set its unit and password anew; its sessions end."""
        check_new(username, password)
        hashed = hash_password(password)
        with self.engine.begin() as conn:
            if conn.scalar(select(units.c.code).where(units.c.code == unit)) is None:
                raise UnknownSiteError(f"no unit with code {unit!r} (import the sites first)")
            conn.execute(delete(web_sessions).where(web_sessions.c.username == username))
            conn.execute(delete(web_accounts).where(web_accounts.c.username == username))
            conn.execute(
                web_accounts.insert().values(
                    username=username, unit_code=unit, password_hash=hashed, created_at=time.time()
                )
            )

    def remove(self, username: str) -> bool:
        with self.engine.begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.username == username))
            gone = conn.execute(delete(web_accounts).where(web_accounts.c.username == username))
            return bool(gone.rowcount)

    def list(self) -> list[Account]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(web_accounts).order_by(web_accounts.c.username))
            return [Account(r.username, r.unit_code) for r in rows]

    def verify(self, username: str, password: str) -> Account | None:
        if len(password) > MAX_PASSWORD or not USERNAME_RE.match(username):
            check_password(password[:MAX_PASSWORD], _DUMMY_HASH)
            return None
        with self.engine.connect() as conn:
            row = conn.execute(
                select(web_accounts).where(web_accounts.c.username == username)
            ).first()
        if row is None:
            check_password(password, _DUMMY_HASH)
            return None
        if not check_password(password, row.password_hash):
            return None
        return Account(row.username, row.unit_code)
