"""The web page's routes: login/logout (POST, CSRF token), the pages and the exports, each
scoped to the account's unit and below (`?site=CODE` narrows it, never widens it)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from collector.devices.api import _units as units_in_scope
from collector.devices.listing import list_devices
from collector.devices.model import SeenDevice
from collector.ingest import Rejection
from collector.obsolete.api import LISTS, cached_report
from collector.ranking.api import snapshot_weight
from collector.ranking.snapshots import RankingSnapshots, Snapshot
from collector.readers import ReaderScope
from collector.web import data, ranking
from collector.web.exports import CSV_TYPE, XLSX_TYPE, table_csv, table_xlsx
from collector.web.login import LoginForms
from collector.web.sessions import Session
from collector.web.words import (
    LANG_COOKIE,
    LANGS,
    WORDS,
    class_name,
    language,
    level_name,
)

if TYPE_CHECKING:
    from collector.app import Collector
    from collector.obsolete.book import RulesBook

log = logging.getLogger("collector.web")
HERE = Path(__file__).parent
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
PAGES = ("sites", "devices", "obsolete", "ranking")
EXPORTS = ("sites", "devices", "obsolete", "ranking")
MAX_DEVICE_ROWS = 2000  # on the page; the exports have every device
Table = tuple[list[str], list[list[Any]]]
Show = Callable[[Session, frozenset[str], str | None], Awaitable[Response]]
Build = Callable[[frozenset[str], str, str], Awaitable[dict[str, Any]]]


def _encode(name: str, kind: str, table: Table) -> bytes:
    header, rows = table
    return (
        table_csv(header, rows).encode("utf-8") if kind == "csv" else table_xlsx(name, header, rows)
    )


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    env.filters["when"] = lambda seconds: (
        dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M") if seconds else ""
    )
    env.globals["link"] = lambda path, **params: (
        path
        + ("?" + urlencode({k: v for k, v in params.items() if v}) if any(params.values()) else "")
    )
    return env


class WebPages:
    def __init__(self, collector: Collector, book: RulesBook) -> None:
        self.collector = collector
        self.book = book
        self.env = _environment()
        self.login = LoginForms(collector, self.render)

    # --- rendering ---------------------------------------------------------------------

    def render(
        self, request: Request, template: str, status: int = 200, **context: Any
    ) -> HTMLResponse:
        lang = language(request)
        words = {
            "t": WORDS[lang], "lang": lang, "other": LANGS[1 - LANGS.index(lang)],
            "class_name": lambda code: class_name(code, lang),
            "level_name": lambda code: level_name(code, lang),
        }  # fmt: skip
        page = self.env.get_template(template).render(
            **words, pages=PAGES, path=request.url.path, **context
        )
        response = HTMLResponse(page, status, headers=SECURITY_HEADERS)
        if request.query_params.get("lang") in LANGS:
            response.set_cookie(
                LANG_COOKIE, lang, max_age=365 * 86400, httponly=True, samesite="strict",
                secure=self.login.secure,
            )  # fmt: skip
        return response

    def _error(self, request: Request, session: Session | None, status: int, text: str) -> Response:
        return self.render(request, "error.html", status, session=session, message=text)

    # --- the guard every page and export passes ------------------------------------------

    async def _guarded(self, request: Request, show: Show) -> Response:
        """The session (else to /login), then the units asked for within its scope (else 403),
        then `show` them."""
        session = await self.login.session(request)
        if session is None:
            return RedirectResponse("/login", 303, headers=SECURITY_HEADERS)
        site = request.query_params.get("site") or None
        t = WORDS[language(request)]
        registry = self.collector.store.registry
        try:
            scope = ReaderScope(
                session.unit, await run_in_threadpool(registry.descendants, session.unit)
            )
            units = await run_in_threadpool(units_in_scope, self.collector, scope, site)
            return await show(session, units, site)
        except Rejection as rejection:
            forbidden = rejection.status == 403
            text = t["forbidden"].format(unit=site) if forbidden else rejection.message
            page = self._error(request, session, rejection.status, text)
            page.headers.update(rejection.headers)  # a 429's Retry-After, as the API sends it
            return page
        except SQLAlchemyError as exc:
            log.error("database error on the web page: %s", type(exc).__name__)
            return self._error(request, session, 503, t["unavailable"])

    def _page(self, name: str, build: Build) -> Any:
        async def endpoint(request: Request) -> Response:
            async def show(session: Session, units: frozenset[str], site: str | None) -> Response:
                lang, reader = language(request), session.unit  # as the API: one per unit
                context = await build(units, lang, reader)
                unit = await run_in_threadpool(self.collector.store.registry.unit, session.unit)
                # thousands of rows: off the event loop, under the same limits as the data
                return await self.collector.reads.run(
                    lambda: self.render(
                        request, f"{name}.html", session=session, site=site, page=name,
                        unit_name=unit.name if unit else session.unit, **context,
                    ),
                    reader=reader,
                )  # fmt: skip

            return await self._guarded(request, show)

        return endpoint

    # --- what the pages and exports are made of (kept per version of the data) -----------

    async def _devices_of(self, units: frozenset[str], reader: str) -> list[SeenDevice]:
        store = self.collector.store
        found, _version = await self.collector.reads.get(
            ("seen", units), lambda: data.device_list(store, units), reader=reader, weight=len
        )
        return found

    async def _listing_of(self, units: frozenset[str], reader: str) -> list[dict[str, Any]]:
        store = self.collector.store
        found, _version = await self.collector.reads.get(
            ("devices", units), lambda: list_devices(store, units), reader=reader, weight=len
        )
        return found

    async def _report_of(self, units: frozenset[str], lang: str, reader: str) -> dict[str, Any]:
        report, _version = await cached_report(
            self.collector, self.book, units, reader=reader, lang=lang
        )
        return report

    async def _ranking_of(self, units: frozenset[str], reader: str) -> Snapshot | None:
        snapshots = RankingSnapshots(self.collector.store.engine)
        found, _version = await self.collector.reads.get(
            ("ranking",),
            snapshots.latest,
            reader=reader,
            weight=lambda s: snapshot_weight(s) if s else 1,
        )
        return ranking.scoped(found, units)

    # --- pages ---------------------------------------------------------------------------

    async def _sites_of(self, units: frozenset[str], reader: str) -> list[dict[str, Any]]:
        """Not kept, only limited: the last contact of each site moves with every write."""
        store = self.collector.store
        return await self.collector.reads.run(lambda: data.sites(store, units), reader=reader)

    async def _sites(self, units: frozenset[str], _lang: str, reader: str) -> dict[str, Any]:
        return {"sites": await self._sites_of(units, reader)}

    async def _devices(self, units: frozenset[str], _lang: str, reader: str) -> dict[str, Any]:
        found = await self._devices_of(units, reader)
        return {"devices": found[:MAX_DEVICE_ROWS], "device_count": len(found)}

    async def _obsolete(self, units: frozenset[str], lang: str, reader: str) -> dict[str, Any]:
        report = await self._report_of(units, lang, reader)
        shown = {name: report[name][:MAX_DEVICE_ROWS] for name in LISTS}
        totals = {name: len(report[name]) for name in LISTS}
        return {"report": {**report, **shown}, "totals": totals,
                "months": self.book.default.soon_months}  # fmt: skip

    async def _ranking(self, units: frozenset[str], lang: str, reader: str) -> dict[str, Any]:
        snapshot = await self._ranking_of(units, reader)
        shown, _version = await self.collector.reads.get(
            ("ranking-view", units, lang),
            lambda: ranking.view(snapshot, lang) if snapshot else None,
            reader=reader,
            weight=lambda view: 1 + sum(map(len, view["levels"].values())) if view else 1,
        )
        return {"ranking": shown}

    # --- exports -------------------------------------------------------------------------

    async def export(self, request: Request) -> Response:
        name, _, kind = request.path_params["name"].partition(".")
        if name not in EXPORTS or kind not in ("csv", "xlsx"):
            session = await self.login.session(request)
            return self._error(request, session, 404, WORDS[language(request)]["not_found"])

        async def show(session: Session, units: frozenset[str], site: str | None) -> Response:
            lang = language(request)
            body = await self._download(name, kind, units, lang, session.unit)
            if body is None:
                return self._error(request, session, 404, WORDS[lang]["no_ranking"])
            filename = f"ictinfra-{name}-{site or session.unit}.{kind}"
            disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
            media = CSV_TYPE if kind == "csv" else XLSX_TYPE
            return Response(body, media_type=media, headers={**SECURITY_HEADERS, **disposition})

        return await self._guarded(request, show)

    async def _download(
        self, name: str, kind: str, units: frozenset[str], lang: str, reader: str
    ) -> bytes | None:
        """The export's bytes, kept per version of the data; None before the first ranking."""
        if name == "sites":
            found = await self._sites_of(units, reader)
            table = data.sites_rows(found)
            return await self.collector.reads.run(lambda: _encode(name, kind, table), reader=reader)
        key = ("export", name, kind, units, lang)
        if (kept := await self.collector.reads.kept(key)) is not None:
            return kept.value  # type: ignore[no-any-return]
        made: Callable[[], bytes | None]
        if name == "ranking":
            snapshot = await self._ranking_of(units, reader)
            made = lambda: None if snapshot is None else ranking.export(snapshot, kind)  # noqa: E731
        elif name == "devices":
            items = await self._listing_of(units, reader)
            made = lambda: _encode(name, kind, data.devices_rows(items))  # noqa: E731
        else:
            report = await self._report_of(units, lang, reader)
            made = lambda: _encode(name, kind, data.obsolete_rows(report))  # noqa: E731
        body, _version = await self.collector.reads.get(
            key, made, reader=reader,
            weight=lambda body: 1 + len(body or b"") // 1024,
        )  # fmt: skip
        return body

    async def stylesheet(self, _request: Request) -> Response:
        css = (HERE / "templates" / "web.css").read_text(encoding="utf-8")
        return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})

    async def not_found(self, request: Request) -> Response:
        return self._error(request, None, 404, WORDS[language(request)]["not_found"])

    def routes(self) -> list[Route]:
        page: Callable[[str, Build], Callable[[Request], Awaitable[Response]]] = self._page
        return [
            Route("/", page("sites", self._sites), methods=["GET"]),
            Route("/devices", page("devices", self._devices), methods=["GET"]),
            Route("/obsolete", page("obsolete", self._obsolete), methods=["GET"]),
            Route("/ranking", page("ranking", self._ranking), methods=["GET"]),
            Route("/export/{name}", self.export, methods=["GET"]),
            Route("/login", self.login.form, methods=["GET"]),
            Route("/login", self.login.submit, methods=["POST"]),
            Route("/logout", self.login.logout, methods=["POST"]),
            Route("/web.css", self.stylesheet, methods=["GET"]),
        ]
