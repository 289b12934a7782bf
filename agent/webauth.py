"""Basic auth and TLS for /metrics, as exporter-toolkit's web config does them.

Passwords are stored as bcrypt hashes. bcrypt is slow on purpose (≈ 0.2 s at cost 12 on an old
core), so, like exporter-toolkit, results are cached per (user, password) and checks run one at
a time, in a worker thread so scrapes of other clients are not held up. The cache is keyed by an
HMAC of the password under a per-process random key: the plain password is never kept, logged
or compared outside bcrypt.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import secrets
import ssl
from collections import OrderedDict
from collections.abc import Mapping

from agent.config.types import Secret
from agent.errors import ConfigError

REALM = "ictinfra-agent"
CHALLENGE = f'Basic realm="{REALM}", charset="UTF-8"'
_CACHE_SIZE = 256
# A valid hash of a random password: unknown users cost as much as known ones (no user probing).
_DUMMY_HASH = b"$2b$10$Xl5f43YbAptLFG7iv57qhuxBVGwXam9IeE6d2E5OF.jgqxMuUZoKa"


def parse_basic(header: str | None) -> tuple[str, str] | None:
    """`Basic base64(user:password)` -> (user, password); None when absent or malformed."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


class BasicAuth:
    def __init__(self, users: Mapping[str, Secret]) -> None:
        self._hashes = {user: hashed.reveal().encode() for user, hashed in users.items()}
        self._key = secrets.token_bytes(32)
        self._cache: OrderedDict[tuple[str, bytes], bool] = OrderedDict()
        self._lock = asyncio.Lock()

    async def check(self, header: str | None) -> str | None:
        """The authenticated user, or None (401)."""
        credentials = parse_basic(header)
        if credentials is None:
            return None
        user, password = credentials
        key = (user, hmac.new(self._key, password.encode(), hashlib.sha256).digest())
        cached = self._cache.get(key)
        if cached is None:
            async with self._lock:
                cached = await asyncio.to_thread(self._verify, user, password)
            self._remember(key, cached)
        return user if cached else None

    def _verify(self, user: str, password: str) -> bool:
        import bcrypt

        known = user in self._hashes
        hashed = self._hashes.get(user, _DUMMY_HASH)
        try:
            matches = bcrypt.checkpw(password.encode(), hashed)
        except ValueError:  # a password longer than bcrypt's 72 bytes (bcrypt >= 5)
            matches = False
        return known and matches

    def _remember(self, key: tuple[str, bytes], ok: bool) -> None:
        self._cache[key] = ok
        self._cache.move_to_end(key)
        while len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)


def tls_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    """A server context (TLS 1.2 at least, as exporter-toolkit's default); ConfigError if bad."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert_file, key_file)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or str(exc)
        problem = f"web.tls_cert_file/tls_key_file: cannot load {cert_file}, {key_file}: {reason}"
        raise ConfigError("web", [problem]) from None
    return context
