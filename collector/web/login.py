"""Login and logout: POST forms with a CSRF token, throttled guesses, a session cookie that is
HttpOnly, SameSite=Strict, Secure over TLS, and expires with its server-side row.

The login form has no session yet: its token is a double-submit cookie (`ictinfra_login_csrf`,
SameSite=Strict) repeated in the form. The logout form carries the session's own token.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from collector.web.accounts import Accounts
from collector.web.sessions import Session, Sessions
from collector.web.throttle import LoginThrottle
from collector.web.words import WORDS, language

if TYPE_CHECKING:
    from collector.app import Collector

log = logging.getLogger("collector.web")
SESSION_COOKIE = "ictinfra_session"
LOGIN_CSRF_COOKIE = "ictinfra_login_csrf"
MAX_FORM_BYTES = 4096
Render = Callable[..., HTMLResponse]


async def read_form(request: Request) -> dict[str, str]:
    """A small urlencoded form; anything over MAX_FORM_BYTES is cut off unread (bounded cost)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return {}
    fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=10)
    return {k: v[0] for k, v in fields.items()}


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


class LoginForms:
    def __init__(self, collector: Collector, render: Render) -> None:
        settings = collector.config.web
        self.accounts = Accounts(collector.store.engine)
        self.sessions = Sessions(collector.store.engine, settings.session_lifetime)
        self.throttle = LoginThrottle(settings.login_attempts, settings.login_window)
        self.secure = collector.config.tls_cert_file is not None
        self.lifetime = settings.session_lifetime
        self.render = render

    async def session(self, request: Request) -> Session | None:
        return await run_in_threadpool(self.sessions.find, request.cookies.get(SESSION_COOKIE))

    def _cookie(self, response: Response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(
            name, value, max_age=max_age, path="/", httponly=True, samesite="strict",
            secure=self.secure,
        )  # fmt: skip

    def _form(self, request: Request, status: int = 200, error: str | None = None) -> Response:
        token = secrets.token_urlsafe(32)
        response = self.render(request, "login.html", status, csrf=token, error=error)
        self._cookie(response, LOGIN_CSRF_COOKIE, token, 3600)
        return response

    async def form(self, request: Request) -> Response:
        if await self.session(request) is not None:
            return RedirectResponse("/", 303)
        return self._form(request)

    async def submit(self, request: Request) -> Response:
        t = WORDS[language(request)]
        fields = await read_form(request)
        if not _same(fields.get("csrf"), request.cookies.get(LOGIN_CSRF_COOKIE)):
            return self._form(request, 403, t["bad_form"])
        username = fields.get("username", "")[:64]
        client = request.client.host if request.client else "-"
        keys = (f"user:{username.lower()}", f"addr:{client}")
        wait = self.throttle.retry_after(*keys)
        if wait > 0:
            log.warning(
                "web login throttled", extra={"fields": {"user": username, "client": client}}
            )
            response = self._form(request, 429, t["throttled"].format(minutes=int(wait // 60) + 1))
            response.headers["Retry-After"] = str(int(wait) + 1)
            return response
        account = await run_in_threadpool(
            self.accounts.verify, username, fields.get("password", "")
        )
        if account is None:
            self.throttle.failed(*keys)
            log.info("web login refused", extra={"fields": {"user": username, "client": client}})
            return self._form(request, 401, t["bad_login"])
        self.throttle.succeeded(keys[0])
        token = await run_in_threadpool(self.sessions.open, account.username)
        response = RedirectResponse("/", 303)
        self._cookie(response, SESSION_COOKIE, token, int(self.lifetime))
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
        return response

    async def logout(self, request: Request) -> Response:
        session = await self.session(request)
        fields = await read_form(request)
        if session is not None and not _same(fields.get("csrf"), session.csrf):
            return self._form(request, 403, WORDS[language(request)]["bad_form"])
        if session is not None:
            await run_in_threadpool(self.sessions.close, request.cookies[SESSION_COOKIE])
        response = RedirectResponse("/login", 303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
