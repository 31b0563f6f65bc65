"""The portal's pages (Dutch): forms post back here, every page works without JavaScript."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates
from starlette.datastructures import UploadFile

from contracts import Quarter, QuarterInvalid
from contracts.delivery_codes import DELIVERY_CODES, meaning
from portal.adapters.ports import Ingest, Linkage, Registry, SessionStore
from portal.domain.chart import bar_chart
from portal.domain.errors import CsrfRefused, NotSignedIn, Refused
from portal.domain.files import media_type_for
from portal.domain.identity import ROLE_NAMES, Session
from portal.domain.quarters import ended_quarters
from portal.domain.texts import (
    CONTACT_ROLE,
    CONTACT_STATUS,
    GROUPINGS,
    MEASURES,
    SUPPRESSED,
    delivery_status,
)
from portal.entrypoints.forms import RegistrationForm
from portal.entrypoints.security import CookieNames, CsrfSigner
from portal.metrics import PortalMetrics
from portal.service import sessions as sessions_service
from portal.service import views
from portal.service.yearly_report import Renderer, sources

DeliveryId = Annotated[str, Path(pattern=r"^[0-9a-fA-F-]{8,64}$")]
ContactId = Annotated[str, Path(pattern=r"^[0-9a-zA-Z-]{1,64}$")]
SIGNED_OUT_REASONS = {
    "expired": "Uw sessie is verlopen. Log opnieuw in.",
    "token_revoked": "Uw toegang is ingetrokken of uw token is vervangen. Log opnieuw in.",
    "no_session": "Log in om verder te gaan.",
    "signed_out": "U bent uitgelogd.",
}


@dataclass
class PortalContext:
    """What the pages need, built by the composition root."""

    registry: Registry
    ingest: Ingest
    linkage: Linkage
    sessions: SessionStore
    lifetimes: sessions_service.Lifetimes
    csrf: CsrfSigner
    cookies: CookieNames
    secure_cookies: bool
    templates: Jinja2Templates
    metrics: PortalMetrics
    report_rows_shown: int = 500
    renderer: Renderer = field(default_factory=Renderer)
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    today: Callable[[], date] = date.today


def build_router(ctx: PortalContext) -> APIRouter:
    router = APIRouter()

    def csrf_cookie(request: Request) -> str:
        found = request.cookies.get(ctx.cookies.csrf)
        if not found:
            found = request.state.new_csrf = CsrfSigner.new_cookie()
        return found

    def render(
        request: Request,
        template: str,
        context: dict[str, Any],
        *,
        session: Session | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        values = {
            "request": request,
            "session": session,
            "identity": session.identity if session else None,
            "role_name": ROLE_NAMES[session.identity.role] if session else None,
            "csrf_token": ctx.csrf.token_for(csrf_cookie(request)),
            **context,
        }
        response = ctx.templates.TemplateResponse(
            request, template, values, status_code=status_code
        )
        remember_csrf(request, response)
        return response

    def remember_csrf(request: Request, response: Response) -> None:
        new = getattr(request.state, "new_csrf", None)
        if new:
            response.set_cookie(
                ctx.cookies.csrf,
                new,
                httponly=True,
                secure=ctx.secure_cookies,
                samesite="strict",
                path="/",
            )

    async def signed_in(request: Request) -> Session:
        return await sessions_service.current(
            request.cookies.get(ctx.cookies.session),
            registry=ctx.registry,
            linkage=ctx.linkage,
            sessions=ctx.sessions,
            now=ctx.now(),
            lifetimes=ctx.lifetimes,
        )

    async def checked_form(request: Request) -> Any:
        """The posted form, once its CSRF token matches this browser's cookie."""
        origin = request.headers.get("origin")
        if (
            origin
            and origin != "null"
            and origin.split("://", 1)[-1] != request.headers.get("host")
        ):
            raise CsrfRefused("origin")
        form = await request.form(max_files=1, max_fields=50)
        token = form.get("csrf_token")
        if not ctx.csrf.valid(request.cookies.get(ctx.cookies.csrf), str(token or "")):
            ctx.metrics.csrf_refused.inc()
            raise CsrfRefused("token")
        return form

    Visitor = Annotated[Session, Depends(signed_in)]  # noqa: N806 - a type alias
    Form = Annotated[Any, Depends(checked_form)]  # noqa: N806 - a type alias

    def see_other(url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303)

    # --- Start, sign in and out -------------------------------------------------------------

    @router.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def start(request: Request) -> Response:
        try:
            session = await signed_in(request)
        except NotSignedIn:
            return render(request, "start.html", {})
        return see_other(session.identity.home)

    @router.get("/inloggen", response_class=HTMLResponse, include_in_schema=False)
    async def login_page(request: Request, reden: str | None = None) -> Response:
        return render(request, "login.html", {"notice": SIGNED_OUT_REASONS.get(reden or "")})

    @router.post("/inloggen", include_in_schema=False)
    async def login(request: Request, form: Form) -> Response:
        token = str(form.get("token") or "")
        try:
            key, session = await sessions_service.sign_in(
                token,
                registry=ctx.registry,
                linkage=ctx.linkage,
                sessions=ctx.sessions,
                now=ctx.now(),
            )
        except NotSignedIn:
            ctx.metrics.logins.labels("refused").inc()
            return render(
                request,
                "login.html",
                {
                    "error": "Dit token werkt niet. Het is onbekend, uw aanmelding is nog in "
                    "behandeling, of uw toegang is ingetrokken."
                },
                status_code=401,
            )
        ctx.metrics.logins.labels(session.identity.role).inc()
        response = see_other(session.identity.home)
        response.set_cookie(
            ctx.cookies.session,
            key,
            httponly=True,
            secure=ctx.secure_cookies,
            samesite="strict",
            path="/",
            max_age=int(ctx.lifetimes.longest.total_seconds()),
        )
        # A new CSRF cookie with the new session: a token seen before the login is worthless.
        response.set_cookie(
            ctx.cookies.csrf,
            CsrfSigner.new_cookie(),
            httponly=True,
            secure=ctx.secure_cookies,
            samesite="strict",
            path="/",
        )
        return response

    @router.post("/uitloggen", include_in_schema=False)
    async def logout(request: Request, form: Form) -> Response:
        await sessions_service.sign_out(
            request.cookies.get(ctx.cookies.session), sessions=ctx.sessions
        )
        response = see_other("/inloggen?reden=signed_out")
        response.delete_cookie(
            ctx.cookies.session, path="/", secure=ctx.secure_cookies, httponly=True
        )
        return response

    # --- Aanmelden (anonymous) --------------------------------------------------------------

    @router.get("/aanmelden", response_class=HTMLResponse, include_in_schema=False)
    async def registration_page(request: Request) -> Response:
        return render(request, "register.html", {"form": RegistrationForm()})

    @router.post("/aanmelden", include_in_schema=False)
    async def register(request: Request, form: Form) -> Response:
        filled = RegistrationForm.of(form)
        try:
            client = request.client.host if request.client else "unknown"
            done = await ctx.registry.register(filled.registration(), client=client)
        except Refused as refused:
            if refused.code == "rate_limited":
                filled.errors["algemeen"] = (
                    "Er zijn vanaf dit adres te veel aanmeldingen gedaan. Probeer het over een "
                    "minuut opnieuw."
                )
            else:
                filled.explain(refused.fields)
                if not filled.errors:
                    filled.errors["algemeen"] = "De aanmelding is niet aangenomen."
            return render(
                request,
                "register.html",
                {"form": filled},
                status_code=429 if refused.code == "rate_limited" else 422,
            )
        ctx.metrics.registrations.inc()
        return render(request, "registered.html", {"done": done, "form": filled})

    # --- Mijn gemeenten, aanleveren, controleren, vrijgeven (contact) ------------------------

    @router.get("/gemeenten", response_class=HTMLResponse, include_in_schema=False)
    async def my_municipalities(request: Request, session: Visitor) -> Response:
        found = await views.my_municipalities(session, ctx.ingest, today=ctx.today())
        return render(
            request,
            "municipalities.html",
            {"municipalities": found, "delivery_status": delivery_status},
            session=session,
        )

    def deliverable(session: Session) -> list[tuple[str, str]]:
        return [(c, views.name_of(c)) for c in session.identity.municipality_codes]

    def upload_form(
        request: Request,
        session: Session,
        chosen: dict[str, str | None],
        errors: dict[str, str],
        status_code: int = 200,
    ) -> HTMLResponse:
        return render(
            request,
            "upload.html",
            {
                "municipalities": deliverable(session),
                "quarters": [str(q) for q in ended_quarters(ctx.today())],
                "chosen": chosen,
                "idempotency_key": secrets.token_urlsafe(16),  # one per form: a resend is one
                "errors": errors,
            },
            session=session,
            status_code=status_code,
        )

    @router.get("/aanleveren", response_class=HTMLResponse, include_in_schema=False)
    async def upload_page(
        request: Request,
        session: Visitor,
        gemeente: Annotated[str | None, Query(max_length=6)] = None,
        kwartaal: Annotated[str | None, Query(max_length=7)] = None,
    ) -> Response:
        views.require_contact(session)
        return upload_form(request, session, {"gemeente": gemeente, "kwartaal": kwartaal}, {})

    @router.post("/aanleveren", include_in_schema=False)
    async def upload(request: Request, session: Visitor, form: Form) -> Response:
        views.require_contact(session)
        gemeente = str(form.get("gemeente") or "")
        kwartaal = str(form.get("kwartaal") or "")
        nil = form.get("nihil") == "ja"
        key = str(form.get("idempotency_key") or "")[:64] or secrets.token_urlsafe(16)
        upload = form.get("bestand")
        errors: dict[str, str] = {}
        if gemeente not in session.identity.municipality_codes:
            errors["gemeente"] = "Kies een van uw gemeenten."
        try:
            Quarter.parse(kwartaal)
        except QuarterInvalid:
            errors["kwartaal"] = "Kies een kwartaal."
        kind = None
        has_file = isinstance(upload, UploadFile) and bool(upload.filename)
        if nil and has_file:
            errors["bestand"] = "Kies een bestand óf een nihil-levering, niet allebei."
        elif not nil:
            if not has_file:
                errors["bestand"] = "Kies een CSV- of NDJSON-bestand, of meld een nihil-levering."
            else:
                assert isinstance(upload, UploadFile)
                kind = media_type_for(upload.filename or "", upload.content_type)
                if kind is None:
                    errors["bestand"] = "Alleen CSV (.csv) en NDJSON (.ndjson) worden aangenomen."
        if not errors:
            try:
                delivery = await ctx.ingest.upload(
                    session.token,
                    municipality=gemeente,
                    quarter=kwartaal,
                    body=upload.file if isinstance(upload, UploadFile) and not nil else None,
                    content_type=kind or "",
                    idempotency_key=key,
                )
            except Refused as refused:
                field_name = "kwartaal" if refused.code == "quarter_not_ended" else "bestand"
                errors[field_name] = meaning(refused.code)
            else:
                ctx.metrics.uploads.labels("nihil" if nil else "bestand").inc()
                return see_other(f"/leveringen/{delivery.id}")
        chosen: dict[str, str | None] = {"gemeente": gemeente, "kwartaal": kwartaal}
        return upload_form(request, session, chosen, errors, status_code=422)

    @router.get("/leveringen/{delivery_id}", response_class=HTMLResponse, include_in_schema=False)
    async def check(
        request: Request,
        delivery_id: DeliveryId,
        session: Visitor,
        code: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]*$")] = None,
    ) -> Response:
        views.require_contact(session)
        delivery = await ctx.ingest.delivery(session.token, delivery_id)
        report = await ctx.ingest.report(
            session.token, delivery_id, code=code or None, limit=ctx.report_rows_shown
        )
        return render(
            request,
            "delivery.html",
            {
                "delivery": delivery,
                "report": report,
                "code": code or "",
                "meaning": meaning,
                "municipality_name": views.name_of(delivery.summary.municipality),
            },
            session=session,
        )

    @router.get("/leveringen/{delivery_id}/rapport.csv", include_in_schema=False)
    async def report_csv(delivery_id: DeliveryId, session: Visitor) -> Response:
        views.require_contact(session)
        await ctx.ingest.delivery(session.token, delivery_id)  # 403/404 before streaming
        return StreamingResponse(
            ctx.ingest.report_csv(session.token, delivery_id),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="rapport-{delivery_id}.csv"'},
        )

    async def release_page(
        request: Request,
        session: Session,
        delivery_id: str,
        *,
        refusal: Refused | None = None,
        status_code: int = 200,
    ) -> Response:
        delivery = await ctx.ingest.delivery(session.token, delivery_id)
        preview = await ctx.ingest.preview(session.token, delivery_id)
        return render(
            request,
            "release.html",
            {
                "delivery": delivery,
                "preview": preview,
                "refusal": refusal,
                "refusal_text": meaning(refusal.code) if refusal else None,
                "municipality_name": views.name_of(delivery.summary.municipality),
            },
            session=session,
            status_code=status_code,
        )

    @router.get(
        "/leveringen/{delivery_id}/vrijgeven", response_class=HTMLResponse, include_in_schema=False
    )
    async def confirm_release(
        request: Request, delivery_id: DeliveryId, session: Visitor
    ) -> Response:
        views.require_contact(session)
        return await release_page(request, session, delivery_id)

    @router.post("/leveringen/{delivery_id}/vrijgeven", include_in_schema=False)
    async def release(
        request: Request, delivery_id: DeliveryId, session: Visitor, form: Form
    ) -> Response:
        views.require_contact(session)
        try:
            await ctx.ingest.release(
                session.token,
                delivery_id,
                accept_partial=form.get("gedeeltelijk") == "ja",
                confirm_retractions=form.get("intrekkingen_bevestigd") == "ja",
            )
        except Refused as refused:
            return await release_page(
                request, session, delivery_id, refusal=refused, status_code=409
            )
        ctx.metrics.releases.inc()
        return see_other(f"/leveringen/{delivery_id}")

    # --- Beheer (admin) ---------------------------------------------------------------------

    async def admin_page(
        request: Request, session: Session, *, status_code: int = 200, **notice: str | None
    ) -> HTMLResponse:
        desk = await views.admin_desk(session, ctx.registry, ctx.ingest, today=ctx.today())
        return render(
            request,
            "admin.html",
            {
                "desk": desk,
                "contact_status": CONTACT_STATUS,
                "contact_role": CONTACT_ROLE,
                **notice,
            },
            session=session,
            status_code=status_code,
        )

    @router.get("/beheer", response_class=HTMLResponse, include_in_schema=False)
    async def admin_desk(request: Request, session: Visitor) -> Response:
        return await admin_page(request, session, done=request.query_params.get("gedaan"))

    @router.post("/beheer/contacten/{contact_id}/{action}", include_in_schema=False)
    async def admin_action(
        request: Request,
        contact_id: ContactId,
        action: Annotated[str, Path(pattern=r"^(goedkeuren|intrekken)$")],
        session: Visitor,
        form: Form,
    ) -> Response:
        views.require_admin(session)
        try:
            if action == "goedkeuren":
                await ctx.registry.approve(session.token, contact_id)
            else:
                await ctx.registry.withdraw(session.token, contact_id)
        except Refused as refused:
            message = (
                "Deze gemeente heeft al een actieve eerste contactpersoon; trek die eerst in."
                if refused.code == "primary_exists"
                else "Dit kan niet in de huidige status van de contactpersoon."
            )
            return await admin_page(request, session, status_code=409, error=message)
        return see_other(f"/beheer?gedaan={action}")

    def group_label(group: str, value: Any) -> str:
        if value is None:
            return "onbekend"
        if group == "gemeente":
            return f"{views.name_of(str(value))} ({value})"
        return str(value)

    # --- Monitor (admin or reader) ------------------------------------------------------------

    def monitor_query(as_of: date | None, by: str | None) -> tuple[date, str]:
        chosen = [g for g in (by or "cohort").split(",") if g in GROUPINGS][:2] or ["cohort"]
        return as_of or ctx.today(), ",".join(dict.fromkeys(chosen))

    @router.get("/monitor", response_class=HTMLResponse, include_in_schema=False)
    async def monitor(
        request: Request,
        session: Visitor,
        peildatum: date | None = None,
        indeling: Annotated[str | None, Query(max_length=60)] = None,
        maat: Annotated[str | None, Query(max_length=40)] = None,
    ) -> Response:
        views.require_monitor(session)
        as_of, by = monitor_query(peildatum, indeling)
        table = await ctx.linkage.monitor(session.token, as_of=as_of, by=by)
        published = await ctx.linkage.publications(session.token)
        measure = maat if maat in MEASURES else "voldaan"
        groups = by.split(",")
        chart = bar_chart(
            MEASURES[measure],
            [
                (" · ".join(group_label(g, row.get(g)) for g in groups), row[measure]["pct"])
                for row in table["rows"]
            ],
        )
        return render(
            request,
            "monitor.html",
            {
                "table": table,
                "groups": groups,
                "grouping_names": GROUPINGS,
                "measures": MEASURES,
                "measure": measure,
                "as_of": as_of,
                "by": by,
                "chart": chart,
                "suppressed": SUPPRESSED,
                "group_label": group_label,
                "report_year": ctx.today().year - 1,
                "publications": list(reversed(published))[:20],
            },
            session=session,
        )

    @router.get("/monitor/jaarrapport", include_in_schema=False)
    async def yearly_report(
        session: Visitor,
        jaar: Annotated[int | None, Query(ge=2022, le=2100)] = None,
        peildatum: Annotated[date | None, Query(ge=date(2022, 1, 1), le=date(2100, 12, 31))] = None,
        publicatie: Annotated[str | None, Query(pattern=r"^[0-9a-f-]{36}$")] = None,
        formaat: Annotated[str, Query(pattern=r"^(html|pdf)$")] = "html",
    ) -> Response:
        """The yearly report (Statistiek Wet inburgering), live or as a publication froze it."""
        views.require_monitor(session)
        year = jaar or ctx.today().year - 1
        as_of = peildatum or min(date(year, 12, 31), ctx.today())
        report = await sources(
            ctx.ingest, ctx.linkage, session.token, year=year, as_of=as_of, publication=publicatie
        )
        name = f"swi-{report.figures.year}-{report.figures.as_of.isoformat()}"
        if formaat == "pdf":
            return Response(
                await ctx.renderer.pdf(report),
                media_type="application/pdf",
                headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
            )
        page = await ctx.renderer.page(report)
        # The report's one inline style block, allowed by its hash; no script, nothing else.
        policy = (
            f"default-src 'none'; style-src {page.style_source}; img-src data:; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
        )
        return HTMLResponse(page.html, headers={"Content-Security-Policy": policy})

    @router.get("/monitor.csv", include_in_schema=False)
    async def monitor_csv(
        session: Visitor,
        peildatum: date | None = None,
        indeling: Annotated[str | None, Query(max_length=60)] = None,
    ) -> Response:
        views.require_monitor(session)
        as_of, by = monitor_query(peildatum, indeling)
        body = await ctx.linkage.monitor_csv(session.token, as_of=as_of, by=by)
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="monitor-{as_of}.csv"'},
        )

    @router.get("/richtlijnen", response_class=HTMLResponse, include_in_schema=False)
    async def guidelines(request: Request) -> Response:
        return render(request, "guidelines.html", {})

    @router.get("/richtlijnen/{document}", include_in_schema=False)
    async def guidelines_document(
        document: Annotated[str, Path(pattern=r"^(richtlijnen\.pdf|schema\.json|template\.csv)$")],
    ) -> Response:
        upstream = {
            "richtlijnen.pdf": ".pdf",
            "schema.json": "/schema.json",
            "template.csv": "/template.csv",
        }[document]
        body, media_type = await ctx.ingest.guidelines(upstream)
        disposition = "inline" if document.endswith(".pdf") else "attachment"
        return Response(
            body,
            media_type=media_type,
            headers={"Content-Disposition": f'{disposition}; filename="{document}"'},
        )

    @router.get("/hulp/codes", response_class=HTMLResponse, include_in_schema=False)
    async def codes(request: Request) -> Response:
        return render(request, "codes.html", {"codes": list(DELIVERY_CODES.values())})

    return router
