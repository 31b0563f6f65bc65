"""The registry's HTTP API (SPEC section 6): parse, call the service, answer; its refusals are
the domain's, answered by the kit."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ketenkit import Problem, ProblemDetail
from ketenkit.rate_limit import RateLimiter, retry_after
from registry.domain.access import Admin, Caller, ContactCaller
from registry.domain.contact import Berichtgever, Contact, Status
from registry.domain.errors import (
    NotAuthenticated,
)
from registry.entrypoints.schemas import (
    ContactOut,
    ContactPatch,
    CoverageOut,
    RegistrationIn,
    RegistrationOut,
    TokenOut,
    WhoAmIOut,
)
from registry.service import commands, queries
from registry.service.unit_of_work import UnitOfWork

bearer = HTTPBearer(auto_error=False, description="Admin token or a contact's personal token.")
ContactId = Annotated[str, Path(max_length=64, description="Contact id.")]
Code = Annotated[
    str, Path(pattern=r"^GM\d{4}$", description="Municipality code.", examples=["GM0344"])
]
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemDetail, "content": {"application/problem+json": {}}}
    for status in (401, 403, 404, 409, 413, 422, 429)
}


@dataclass
class RegistryContext:
    """What the routes need, built by the composition root."""

    uow: Callable[[], UnitOfWork]
    admin_token: str
    after_change: Callable[[], Awaitable[None]]
    registrations: RateLimiter = field(default_factory=lambda: RateLimiter(0))
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    today: Callable[[], date] = date.today


def build_router(ctx: RegistryContext) -> APIRouter:
    router = APIRouter(prefix="/v1", responses=ERRORS)

    async def caller(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Caller:
        token = credentials.credentials if credentials else None
        return await queries.identify(ctx.uow(), token=token, admin_token=ctx.admin_token)

    Who = Annotated[Caller, Depends(caller)]  # noqa: N806 - a type alias

    @router.post(
        "/registrations",
        status_code=201,
        tags=["registrations"],
        summary="Register as a municipality's contact person (anonymous)",
    )
    async def register(body: RegistrationIn, request: Request) -> RegistrationOut:
        client = request.client.host if request.client else "unknown"
        if (wait := ctx.registrations.hit(client)) is not None:
            raise Problem(
                429,
                "Too many registrations",
                code="rate_limited",
                detail=f"at most {ctx.registrations.per_minute} registrations a minute from "
                "one address; try again later",
                headers={"Retry-After": retry_after(wait)},
            )
        registration = commands.Registration(
            municipality_codes=tuple(body.municipality_codes),
            berichtgever=Berichtgever(
                name=body.berichtgever.name,
                kind=body.berichtgever.kind,
                software_package=body.berichtgever.software_package or None,
            ),
            name=body.contact.name,
            email=str(body.contact.email),
            phone=body.contact.phone,
            role=body.role,
        )
        contact, token = await commands.register(
            ctx.uow(), registration=registration, now=ctx.now()
        )
        await ctx.after_change()
        return RegistrationOut(contact_id=contact.id, status="pending", token=token)

    @router.get(
        "/whoami",
        tags=["contacts"],
        summary="Who this token is: the admin, or an active contact with its details",
    )
    async def whoami(who: Who) -> WhoAmIOut:
        if isinstance(who, Admin):
            return WhoAmIOut(role="admin")
        if isinstance(who, ContactCaller):
            return WhoAmIOut(role="contact", contact=ContactOut.of(who.contact))
        raise NotAuthenticated("a bearer token is required")

    @router.get(
        "/contacts",
        tags=["contacts"],
        summary="The contacts, filtered by status and municipality (admin)",
    )
    async def list_contacts(
        who: Who,
        status: Annotated[Status | None, Query(description="pending: the approval queue")] = None,
        municipality: Annotated[str | None, Query(pattern=r"^GM\d{4}$")] = None,
    ) -> list[ContactOut]:
        found = await queries.contacts(
            ctx.uow(), caller=who, status=status, municipality=municipality
        )
        return [ContactOut.of(c) for c in found]

    @router.post(
        "/contacts/{contact_id}/token",
        tags=["contacts"],
        summary="A new token for a pending or active contact (admin); the old one stops working",
    )
    async def new_token(contact_id: ContactId, who: Who) -> TokenOut:
        contact, token = await commands.replace_token(
            ctx.uow(), caller=who, contact_id=contact_id, now=ctx.now()
        )
        await ctx.after_change()
        return TokenOut(contact_id=contact.id, token=token)

    @router.delete(
        "/contacts/{contact_id}",
        status_code=204,
        tags=["contacts"],
        summary="Erase a withdrawn contact's personal data (admin); a tombstone follows",
    )
    async def erase(contact_id: ContactId, who: Who) -> Response:
        await commands.erase(ctx.uow(), caller=who, contact_id=contact_id)
        await ctx.after_change()
        return Response(status_code=204)

    @router.post("/contacts/{contact_id}/approve", tags=["contacts"], summary="Approve (admin)")
    async def approve(contact_id: ContactId, who: Who) -> ContactOut:
        contact = await commands.approve(
            ctx.uow(), caller=who, contact_id=contact_id, now=ctx.now()
        )
        await ctx.after_change()
        return ContactOut.of(contact)

    @router.post(
        "/contacts/{contact_id}/withdraw",
        tags=["contacts"],
        summary="Withdraw (admin or the contact itself); the token stops working",
    )
    async def withdraw(contact_id: ContactId, who: Who) -> ContactOut:
        contact = await commands.withdraw(
            ctx.uow(), caller=who, contact_id=contact_id, now=ctx.now()
        )
        await ctx.after_change()
        return ContactOut.of(contact)

    @router.patch(
        "/contacts/{contact_id}",
        tags=["contacts"],
        summary="Change name, e-mail, phone or role (admin or the contact itself)",
    )
    async def patch(contact_id: ContactId, body: ContactPatch, who: Who) -> ContactOut:
        changes = commands.ContactChanges(
            name=body.name,
            email=str(body.email) if body.email else None,
            phone=body.phone,
            clear_phone="phone" in body.model_fields_set and body.phone is None,
            role=body.role,
        )
        contact = await commands.update(
            ctx.uow(), caller=who, contact_id=contact_id, changes=changes, now=ctx.now()
        )
        await ctx.after_change()
        return ContactOut.of(contact)

    @router.get(
        "/contacts/{contact_id}",
        tags=["contacts"],
        summary="A contact (admin, or an active contact of one of its municipalities)",
    )
    async def get_contact(contact_id: ContactId, who: Who) -> ContactOut:
        return ContactOut.of(
            await queries.get_contact(ctx.uow(), caller=who, contact_id=contact_id)
        )

    @router.get(
        "/municipalities/{code}/contacts",
        tags=["contacts"],
        summary="A municipality's contacts (admin, or an active contact of it)",
    )
    async def municipality_contacts(code: Code, who: Who) -> list[ContactOut]:
        contacts: list[Contact] = await queries.municipality_contacts(
            ctx.uow(), caller=who, code=code
        )
        return [ContactOut.of(c) for c in contacts]

    @router.get(
        "/coverage",
        tags=["coverage"],
        summary="Municipalities valid today with and without an active primary (admin)",
    )
    async def coverage(who: Who) -> CoverageOut:
        figures = await queries.coverage(ctx.uow(), caller=who, today=ctx.today())
        return CoverageOut(
            as_of=figures.as_of,
            total=figures.total,
            with_active_primary=figures.with_active_primary,
            without_active_primary=figures.without_active_primary,
        )

    return router
