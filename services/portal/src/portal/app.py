"""Composition root of the portal: the only place that wires concrete parts together."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from ketenkit import Database
from ketenkit.health import health_router
from ketenkit.loops import run_every
from ketenkit.tracing import instrument_app, instrument_client, setup_tracing, shutdown_tracing
from portal.adapters.sessions import TABLES, SqlSessionStore
from portal.adapters.upstream import HttpIngest, HttpLinkage, HttpRegistry, Upstream
from portal.config import Settings
from portal.domain.errors import (
    CsrfRefused,
    NotAllowed,
    NotSignedIn,
    NotYetKnown,
    Refused,
    RendererBusy,
    Unavailable,
)
from portal.entrypoints.pages import PortalContext, build_router
from portal.entrypoints.security import (
    CookieNames,
    CsrfSigner,
    PageBodySizeLimit,
    SecurityHeaders,
)
from portal.metrics import PortalMetrics
from portal.service.sessions import Lifetimes

logger = logging.getLogger(__name__)
HERE = Path(__file__).parent
TITLE = "Ketenmonitor portaal"
SERVICE_NAMES = {"registry": "het register", "ingest": "de aanlevering", "linkage": "de monitor"}


def create_app(
    settings: Settings | None = None,
    *,
    today: Callable[[], date] = date.today,
    transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """Build the app; nothing is started until its lifespan runs."""
    settings = settings or Settings()
    registry = CollectorRegistry()
    metrics = PortalMetrics(registry)
    db = Database(settings.database_url)
    store = SqlSessionStore(db)
    timeout = httpx.Timeout(settings.upstream_timeout_seconds, connect=5.0)
    clients = {
        name: httpx.AsyncClient(base_url=url, timeout=timeout, transport=transport)
        for name, url in (
            ("registry", settings.registry_url),
            ("ingest", settings.ingest_url),
            ("linkage", settings.linkage_url),
        )
    }
    lifetimes = Lifetimes(
        idle=timedelta(minutes=settings.session_idle_minutes),
        longest=timedelta(hours=settings.session_max_hours),
    )
    cookies = CookieNames.for_mode(settings.secure_cookies)
    assert settings.portal_secret is not None  # made up in dev, required in production
    templates = Jinja2Templates(directory=HERE / "templates")
    context = PortalContext(
        registry=HttpRegistry(
            Upstream("registry", clients["registry"], metrics.upstream, authority=True)
        ),
        ingest=HttpIngest(Upstream("ingest", clients["ingest"], metrics.upstream)),
        linkage=HttpLinkage(Upstream("linkage", clients["linkage"], metrics.upstream)),
        sessions=store,
        lifetimes=lifetimes,
        csrf=CsrfSigner(settings.portal_secret.get_secret_value()),
        cookies=cookies,
        secure_cookies=settings.secure_cookies,
        templates=templates,
        metrics=metrics,
        report_rows_shown=settings.report_rows_shown,
        today=today,
    )

    async def purge_expired() -> None:
        now = datetime.now(UTC)
        removed = await store.remove_expired(
            idle_before=now - lifetimes.idle, started_before=now - lifetimes.longest
        )
        if removed:
            metrics.sessions_ended.labels("expired").inc(removed)

    for client in clients.values():
        instrument_client(client)  # the visitor's request and the services' spans: one trace

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        setup_tracing(settings.service_name)
        await db.create_tables(TABLES)
        purge = asyncio.create_task(run_every(60.0, purge_expired, name="expired-sessions"))
        logger.info("service_started", extra={"service": settings.service_name})
        try:
            yield
        finally:
            purge.cancel()
            await asyncio.gather(purge, return_exceptions=True)
            for client in clients.values():
                await client.aclose()
            await db.dispose()
            shutdown_tracing()
            logger.info("service_stopped", extra={"service": settings.service_name})

    app = FastAPI(title=TITLE, lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    instrument_app(app)
    app.add_middleware(
        PageBodySizeLimit, default=64 * 1024, per_prefix={"/aanleveren": settings.upload_max_bytes}
    )
    app.add_middleware(SecurityHeaders, hsts=settings.secure_cookies)
    app.include_router(health_router({"database": db.ping}))
    app.include_router(build_router(context))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/metrics", include_in_schema=False)
    async def prometheus() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    def page(request: Request, status: int, title: str, text: str) -> HTMLResponse:
        return templates.TemplateResponse(
            request,
            "error.html",
            {"title": title, "text": text, "session": None, "identity": None},
            status_code=status,
        )

    async def on_signed_out(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NotSignedIn)
        if exc.reason in ("expired", "token_revoked"):
            metrics.sessions_ended.labels(exc.reason).inc()
        response = RedirectResponse(f"/inloggen?reden={exc.reason or 'no_session'}", 303)
        response.delete_cookie(cookies.session, path="/", secure=settings.secure_cookies)
        return response

    async def on_not_allowed(request: Request, _: Exception) -> Response:
        return page(
            request, 403, "Geen toegang", "Deze pagina of gemeente is niet voor uw account."
        )

    async def on_csrf(request: Request, _: Exception) -> Response:
        return page(
            request,
            403,
            "Formulier verlopen",
            "Dit formulier is verlopen of kwam niet van deze site. Ga terug, laad de pagina "
            "opnieuw en probeer het nog eens.",
        )

    async def on_unavailable(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Unavailable)
        name = SERVICE_NAMES.get(exc.service, exc.service)
        return page(
            request,
            503,
            "Even niet bereikbaar",
            f"De dienst voor {name} antwoordt nu niet. Probeer het over enkele minuten opnieuw; "
            "er is niets verloren gegaan.",
        )

    async def on_not_yet_known(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NotYetKnown)
        return page(
            request,
            503,
            "Nog even geduld",
            "Uw toegang is zojuist gewijzigd en nog niet overal bekend. Probeer het over een "
            "minuut opnieuw.",
        )

    async def on_busy(request: Request, _: Exception) -> Response:
        response = page(
            request,
            429,
            "Even wachten",
            "Er wordt al een jaarrapport gemaakt. Probeer het over een halve minuut opnieuw.",
        )
        response.headers["Retry-After"] = "30"
        return response

    async def on_refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        status = exc.status if 400 <= exc.status < 500 else 400
        if exc.code in ("delivery_not_found", "contact_not_found", "publication_not_found"):
            return page(request, 404, "Niet gevonden", "Deze pagina bestaat niet (meer).")
        return page(request, status, "Niet gelukt", f"Het verzoek is geweigerd ({exc.code}).")

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404:
            return page(request, 404, "Niet gevonden", "Deze pagina bestaat niet.")
        return page(request, exc.status_code, "Niet gelukt", "Dit verzoek kan niet.")

    async def on_invalid(request: Request, _: Exception) -> Response:
        return page(request, 422, "Onjuist verzoek", "Het adres of formulier klopt niet.")

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        logger.error("request_failed", exc_info=exc)
        return page(request, 500, "Er ging iets mis", "Probeer het later opnieuw.")

    app.add_exception_handler(NotSignedIn, on_signed_out)
    app.add_exception_handler(NotAllowed, on_not_allowed)
    app.add_exception_handler(CsrfRefused, on_csrf)
    app.add_exception_handler(Unavailable, on_unavailable)
    app.add_exception_handler(NotYetKnown, on_not_yet_known)
    app.add_exception_handler(Refused, on_refused)
    app.add_exception_handler(RendererBusy, on_busy)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_invalid)
    app.add_exception_handler(Exception, on_unexpected)
    return app
