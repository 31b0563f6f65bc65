"""The registry, ingest and linkage over their HTTP APIs, with the visitor's own token."""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator
from datetime import date
from typing import Any, BinaryIO
from urllib.parse import quote

import anyio.to_thread
import httpx

from portal.adapters.ports import Ingest, Linkage, Registry
from portal.domain.deliveries import Delivery, Preview, ReportLine, ReportPage
from portal.domain.errors import (
    FieldProblem,
    NotAllowed,
    NotSignedIn,
    NotYetKnown,
    Refused,
    Unavailable,
)
from portal.domain.identity import Identity

CHUNK = 256 * 1024
Counter = Any  # prometheus_client.Counter with labels (service, outcome)


class Upstream:
    """One service's base URL with the error handling every call shares."""

    def __init__(
        self,
        name: str,
        client: httpx.AsyncClient,
        calls: Counter | None = None,
        *,
        authority: bool = False,
    ) -> None:
        self.name = name
        self.client = client
        self.calls = calls
        # The registry decides whether a token works; the others may lag behind it.
        self.authority = authority

    def _count(self, outcome: str) -> None:
        if self.calls is not None:
            self.calls.labels(self.name, outcome).inc()

    async def send(self, request: httpx.Request, *, stream: bool = False) -> httpx.Response:
        try:
            response = await self.client.send(request, stream=stream)
        except httpx.HTTPError as exc:
            self._count("unreachable")
            raise Unavailable(self.name) from exc
        if response.status_code >= 500:
            await response.aclose()
            self._count("server_error")
            raise Unavailable(self.name)
        self._count("ok" if response.status_code < 400 else "refused")
        return response

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        content: Any = None,
    ) -> httpx.Response:
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        request = self.client.build_request(
            method, path, params=params, json=json_body, headers=all_headers, content=content
        )
        response = await self.send(request)
        self.raise_for_problem(response)
        return response

    async def whoami(self, token: str) -> dict[str, Any] | None:
        """What ``GET /v1/whoami`` says of ``token``; None when the service does not know it."""
        request = self.client.build_request(
            "GET", "/v1/whoami", headers={"Authorization": f"Bearer {token}"}
        )
        response = await self.send(request)
        if response.status_code == 401:
            return None
        raise_for_problem(response)
        body: dict[str, Any] = response.json()
        return body

    def raise_for_problem(self, response: httpx.Response) -> None:
        if response.status_code == 401 and not self.authority:
            raise NotYetKnown(self.name)
        raise_for_problem(response)


def raise_for_problem(response: httpx.Response) -> None:
    """401: the session's token no longer works; 403: not allowed; other 4xx: ``Refused``."""
    status = response.status_code
    if status < 400:
        return
    if status == 401:
        raise NotSignedIn("token_revoked")
    if status == 403:
        raise NotAllowed("forbidden")
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = {}
    if not isinstance(body, dict):
        body = {}
    fields = [
        FieldProblem(
            loc=tuple(str(part) for part in e.get("loc", ())),
            code=str(e.get("code") or e.get("type") or ""),
            message=str(e.get("msg", "")),
        )
        for e in body.get("errors", []) or []
        if isinstance(e, dict)
    ]
    known = {"type", "title", "status", "code", "detail", "errors", "instance"}
    raise Refused(
        status=status,
        code=str(body.get("code") or (fields[0].code if fields else "refused")),
        detail=str(body.get("detail") or body.get("title") or ""),
        fields=fields,
        members={k: v for k, v in body.items() if k not in known},
    )


class HttpRegistry(Registry):
    def __init__(self, upstream: Upstream) -> None:
        self.up = upstream

    async def whoami(self, token: str) -> Identity | None:
        body = await self.up.whoami(token)
        if body is None:
            return None
        if body["role"] == "admin":
            return Identity(role="admin", name="beheerder")
        contact = body["contact"]
        return Identity(
            role="contact",
            contact_id=contact["contact_id"],
            name=contact["name"],
            municipality_codes=tuple(contact["municipality_codes"]),
        )

    async def register(self, registration: dict[str, Any], *, client: str) -> dict[str, Any]:
        response = await self.up.call(
            "POST",
            "/v1/registrations",
            token=None,
            json_body=registration,
            headers={"X-Forwarded-For": client},
        )
        body: dict[str, Any] = response.json()
        return body

    async def contacts(self, token: str, *, status: str | None = None) -> list[dict[str, Any]]:
        params = {"status": status} if status else None
        found: list[dict[str, Any]] = (
            await self.up.call("GET", "/v1/contacts", token=token, params=params)
        ).json()
        return found

    async def approve(self, token: str, contact_id: str) -> dict[str, Any]:
        path = f"/v1/contacts/{contact_id}/approve"
        body: dict[str, Any] = (await self.up.call("POST", path, token=token)).json()
        return body

    async def withdraw(self, token: str, contact_id: str) -> dict[str, Any]:
        path = f"/v1/contacts/{contact_id}/withdraw"
        body: dict[str, Any] = (await self.up.call("POST", path, token=token)).json()
        return body

    async def coverage(self, token: str) -> dict[str, Any]:
        body: dict[str, Any] = (await self.up.call("GET", "/v1/coverage", token=token)).json()
        return body


class HttpIngest(Ingest):
    def __init__(self, upstream: Upstream) -> None:
        self.up = upstream

    async def deliveries(self, token: str, *, municipality: str) -> list[Delivery]:
        response = await self.up.call(
            "GET",
            "/v1/deliveries",
            token=token,
            params={"municipality": municipality, "limit": 1000},
        )
        return [Delivery.of(item) for item in response.json()]

    async def delivery(self, token: str, delivery_id: str) -> Delivery:
        response = await self.up.call("GET", f"/v1/deliveries/{delivery_id}", token=token)
        return Delivery.of(response.json())

    async def report(
        self, token: str, delivery_id: str, *, code: str | None, limit: int
    ) -> ReportPage:
        # Read as CSV, line by line: a report of a national file never sits here whole.
        response = await self._report_csv(token, delivery_id)
        page = ReportPage()
        try:
            if response.status_code >= 400:
                await response.aread()
                self.up.raise_for_problem(response)
            header: list[str] | None = None
            async for text in response.aiter_lines():
                if not text:
                    continue
                values = next(csv.reader([text]))
                if header is None:
                    header = values
                    continue
                item = dict(zip(header, values, strict=False))
                line = ReportLine(
                    row=int(item.get("row") or 0),
                    field=item.get("field", ""),
                    code=item.get("code", ""),
                    message=item.get("message", ""),
                    severity=item.get("severity", "error"),
                )
                page.take(line, code=code, limit=limit)
        finally:
            await response.aclose()
        return page

    async def _report_csv(self, token: str, delivery_id: str) -> httpx.Response:
        """The report as CSV, streamed (the caller closes the response)."""
        request = self.up.client.build_request(
            "GET",
            f"/v1/deliveries/{delivery_id}/report",
            headers={"Authorization": f"Bearer {token}", "Accept": "text/csv"},
        )
        return await self.up.send(request, stream=True)

    async def report_csv(self, token: str, delivery_id: str) -> AsyncIterator[bytes]:
        response = await self._report_csv(token, delivery_id)
        try:
            if response.status_code >= 400:
                await response.aread()
                self.up.raise_for_problem(response)
            async for chunk in response.aiter_bytes():
                yield chunk
        finally:
            await response.aclose()

    async def upload(
        self,
        token: str,
        *,
        municipality: str,
        quarter: str,
        body: BinaryIO | None,
        content_type: str,
        idempotency_key: str,
    ) -> Delivery:
        params: dict[str, Any] = {"municipality": municipality, "quarter": quarter}
        headers = {"Idempotency-Key": idempotency_key}
        if body is None:
            params["nil_return"] = "true"
            content: Any = b""
        else:
            headers["Content-Type"] = content_type
            content = _chunks(body)
        response = await self.up.call(
            "POST",
            "/v1/deliveries",
            token=token,
            params=params,
            headers=headers,
            content=content,
        )
        return Delivery.of(response.json())

    async def preview(self, token: str, delivery_id: str) -> Preview:
        body = (
            await self.up.call("GET", f"/v1/deliveries/{delivery_id}/preview", token=token)
        ).json()
        return Preview(
            publish=int(body["publish"]),
            retractions=int(body["retractions"]),
            previous_persons=int(body["previous_persons"]),
        )

    async def release(
        self, token: str, delivery_id: str, *, accept_partial: bool, confirm_retractions: bool
    ) -> Delivery:
        params = {
            "accept_partial": str(accept_partial).lower(),
            "confirm_retractions": str(confirm_retractions).lower(),
        }
        response = await self.up.call(
            "POST", f"/v1/deliveries/{delivery_id}/release", token=token, params=params
        )
        return Delivery.of(response.json())

    async def overdue(self, token: str, *, as_of: date) -> list[dict[str, Any]]:
        response = await self.up.call(
            "GET", "/v1/deliveries/overdue", token=token, params={"as_of": as_of.isoformat()}
        )
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def delivery_quality(self, token: str, *, year: int, as_of: date) -> dict[str, Any]:
        response = await self.up.call(
            "GET",
            "/v1/deliveries/quality",
            token=token,
            params={"year": year, "as_of": as_of.isoformat()},
        )
        body: dict[str, Any] = response.json()
        return body

    async def guidelines(self, document: str) -> tuple[bytes, str]:
        if document not in GUIDELINES:
            raise ValueError(document)
        response = await self.up.call("GET", f"/v1/guidelines{document}", token=None)
        return response.content, response.headers.get("content-type", "application/octet-stream")


GUIDELINES = {".pdf", "/schema.json", "/template.csv"}


async def _chunks(body: BinaryIO) -> AsyncIterator[bytes]:
    """The spooled upload in pieces, read off the event loop (it may be on disk)."""
    while chunk := await anyio.to_thread.run_sync(body.read, CHUNK):
        yield chunk


class HttpLinkage(Linkage):
    def __init__(self, upstream: Upstream) -> None:
        self.up = upstream

    async def whoami(self, token: str) -> Identity | None:
        body = await self.up.whoami(token)
        if body is None:
            return None
        role = body["role"]
        return Identity(role=role, name="analist" if role == "reader" else "beheerder")

    async def monitor(self, token: str, *, as_of: date, by: str) -> dict[str, Any]:
        response = await self.up.call(
            "GET", "/v1/monitor", token=token, params={"as_of": as_of.isoformat(), "by": by}
        )
        table: dict[str, Any] = response.json()
        return table

    async def monitor_csv(self, token: str, *, as_of: date, by: str) -> bytes:
        response = await self.up.call(
            "GET",
            "/v1/monitor",
            token=token,
            params={"as_of": as_of.isoformat(), "by": by},
            headers={"Accept": "text/csv"},
        )
        return response.content

    async def report_figures(self, token: str, *, year: int, as_of: date) -> dict[str, Any]:
        response = await self.up.call(
            "GET",
            "/v1/report/figures",
            token=token,
            params={"year": year, "as_of": as_of.isoformat()},
        )
        body: dict[str, Any] = response.json()
        return body

    async def publications(self, token: str) -> list[dict[str, Any]]:
        response = await self.up.call("GET", "/v1/publications", token=token)
        body: list[dict[str, Any]] = response.json()
        return body

    async def publication(self, token: str, publication_id: str) -> dict[str, Any]:
        response = await self.up.call(
            "GET", f"/v1/publications/{quote(publication_id, safe='')}", token=token
        )
        body: dict[str, Any] = response.json()
        return body
