"""The portal's defences, in process, with the three services answered by a fake at HTTP level
(httpx's MockTransport): sessions, cookie flags, CSRF, headers, the session table, limits."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from ketenkit import InsecureSettingsError
from portal.app import create_app
from portal.config import Settings

pytestmark = pytest.mark.integration
ADMIN = "admin-" + "a" * 40
CONTACT = "contact-" + "c" * 40
CONTACT_BODY = {
    "contact_id": "c1",
    "status": "active",
    "role": "primary",
    "municipality_codes": ["GM0344"],
    "berichtgever": {"name": "Gemeente Utrecht", "kind": "gemeente", "software_package": None},
    "name": "A. de Vries",
    "email": "a@utrecht.nl",
    "phone": None,
    "registered_at": "2026-11-01T09:00:00Z",
    "updated_at": "2026-11-01T09:00:00Z",
}


@dataclass
class FakeServices:
    """Registry, ingest and linkage as far as these tests need them."""

    withdrawn: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)
    forwarded_for: list[str] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(f"{request.method} {request.url.port} {request.url.path}")
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        path = request.url.path
        if path == "/v1/whoami":
            if token == ADMIN:
                return httpx.Response(200, json={"role": "admin", "contact": None})
            if token == CONTACT and token not in self.withdrawn and request.url.port == 8001:
                return httpx.Response(200, json={"role": "contact", "contact": CONTACT_BODY})
            return httpx.Response(401, json={"code": "not_authenticated"})
        if token in self.withdrawn:
            return httpx.Response(401, json={"code": "not_authenticated"})
        if path == "/v1/deliveries":
            return httpx.Response(200, json=[])
        if path == "/v1/registrations":
            self.forwarded_for.append(request.headers.get("x-forwarded-for", ""))
            return httpx.Response(201, json={"contact_id": "c9", "status": "pending", "token": "t"})
        return httpx.Response(404, json={"code": "not_found"})


@dataclass
class Portal:
    client: TestClient
    services: FakeServices
    database: Path

    def csrf(self, path: str = "/inloggen") -> str:
        page = self.client.get(path).text
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert found, page[:500]
        return found.group(1)

    def login(self, token: str) -> httpx.Response:
        response: httpx.Response = self.client.post(
            "/inloggen",
            data={"token": token, "csrf_token": self.csrf()},
            follow_redirects=False,
        )
        return response


def portal_for(
    tmp_path: Path, services: FakeServices | None = None, **settings: Any
) -> Iterator[Portal]:
    services = services or FakeServices()
    database = tmp_path / "portal.db"
    config = Settings(
        data_dir=str(tmp_path),
        database_url=f"sqlite+aiosqlite:///{database}",
        **settings,
    )
    app = create_app(config, transport=httpx.MockTransport(services))
    base = "https://testserver" if config.secure_cookies else "http://testserver"
    with TestClient(app, base_url=base) as client:
        yield Portal(client, services, database)


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[Portal]:
    yield from portal_for(tmp_path)


@pytest.fixture
def production(tmp_path: Path) -> Iterator[Portal]:
    yield from portal_for(tmp_path, env="production", portal_secret="s" * 48, upload_max_bytes=4096)


def test_production_needs_its_own_strong_secret(tmp_path: Path) -> None:
    for secret in (None, "changeme", "short"):
        with pytest.raises((InsecureSettingsError, ValueError)):
            Settings.model_validate(
                {"env": "production", "portal_secret": secret, "data_dir": str(tmp_path)}
            )


def test_every_page_but_the_public_ones_needs_a_session(portal: Portal) -> None:
    for path in (
        "/gemeenten",
        "/aanleveren",
        "/beheer",
        "/monitor",
        "/monitor.csv",
        "/monitor/jaarrapport?jaar=2025",
        "/leveringen/8c1d6f0e-2b1f-4a7e-9d55-3f6a0b1c2d3e",
    ):
        response = portal.client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/inloggen"), path
    for path in ("/", "/inloggen", "/aanmelden", "/hulp/codes", "/health/live"):
        assert portal.client.get(path).status_code == 200, path


def test_cookies_are_httponly_samesite_strict_and_secure_with_host_prefix(
    production: Portal,
) -> None:
    response = production.login(ADMIN)
    assert response.status_code == 303 and response.headers["location"] == "/beheer"
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("__Host-km_session="))
    csrf = next(c for c in cookies if c.startswith("__Host-km_csrf="))
    for cookie in (session, csrf):
        flags = cookie.lower()
        assert "httponly" in flags and "samesite=strict" in flags and "secure" in flags
        assert "path=/" in flags and "domain=" not in flags
    # The token itself never reaches the browser: not in a cookie, not in a page.
    assert ADMIN not in " ".join(cookies)
    assert ADMIN not in production.client.get("/beheer").text


def test_forms_without_their_csrf_token_or_from_another_site_are_refused(portal: Portal) -> None:
    before = list(portal.services.calls)
    registration = {"gemeenten": "GM0344", "naam": "X", "email": "x@example.nl"}
    refused = [
        portal.client.post("/inloggen", data={"token": ADMIN}),
        portal.client.post("/inloggen", data={"token": ADMIN, "csrf_token": "0" * 64}),
        portal.client.post("/aanmelden", data=registration),
        portal.client.post(
            "/inloggen",
            data={"token": ADMIN, "csrf_token": portal.csrf()},
            headers={"Origin": "https://evil.example"},
        ),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403, 403]
    assert "Formulier verlopen" in refused[0].text
    assert portal.services.calls == before  # nothing reached a service
    # A token of one browser does not fit another's cookie.
    token = portal.csrf()
    portal.client.cookies.clear()
    assert (
        portal.client.post("/inloggen", data={"token": ADMIN, "csrf_token": token}).status_code
        == 403
    )


def test_security_headers_on_pages_and_errors(production: Portal) -> None:
    for path in ("/", "/inloggen", "/bestaat-niet", "/gemeenten"):
        headers = production.client.get(path, follow_redirects=False).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["cache-control"] == "no-store"
        assert headers["strict-transport-security"].startswith("max-age=")
    page = production.client.get("/aanmelden").text
    assert "<script>" not in page and " style=" not in page and "onclick" not in page


def test_the_session_table_holds_no_token_and_no_cookie_value(portal: Portal) -> None:
    response = portal.login(CONTACT)
    assert response.status_code == 303 and response.headers["location"] == "/gemeenten"
    cookie = portal.client.cookies["km_session"]
    with sqlite3.connect(portal.database) as db:
        rows = db.execute("SELECT * FROM portal_sessions").fetchall()
    dump = repr(rows)
    assert len(rows) == 1
    assert CONTACT not in dump and cookie not in dump and "GM0344" not in dump


def test_a_withdrawn_contacts_session_stops_at_the_next_page(portal: Portal) -> None:
    portal.login(CONTACT)
    assert portal.client.get("/gemeenten").status_code == 200
    portal.services.withdrawn.add(CONTACT)
    response = portal.client.get("/gemeenten", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/inloggen?reden=token_revoked"
    assert portal.client.get("/inloggen?reden=token_revoked").text.count("ingetrokken") >= 1
    portal.services.withdrawn.clear()  # even if it came back, the session is gone
    assert portal.client.get("/gemeenten", follow_redirects=False).status_code == 303


def test_logout_ends_the_session_on_the_server(portal: Portal) -> None:
    portal.login(CONTACT)
    stolen = portal.client.cookies["km_session"]
    assert (
        portal.client.post(
            "/uitloggen", data={"csrf_token": portal.csrf("/gemeenten")}, follow_redirects=False
        ).headers["location"]
        == "/inloggen?reden=signed_out"
    )
    portal.client.cookies.set("km_session", stolen)  # a copy of the cookie opens nothing
    assert portal.client.get("/gemeenten", follow_redirects=False).status_code == 303


def test_an_upload_over_the_limit_is_refused_before_it_is_read(production: Portal) -> None:
    production.login(CONTACT)
    token = production.csrf("/aanleveren")
    response = production.client.post(
        "/aanleveren",
        data={"csrf_token": token, "gemeente": "GM0344", "kwartaal": "2026-Q3"},
        files={"bestand": ("groot.csv", b"bsn\n" + b"1" * 10_000, "text/csv")},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "Bestand te groot" in response.text  # a page a person can read, not problem+json
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert not any("POST 8002 /v1/deliveries" in c for c in production.services.calls)


def test_a_registration_names_the_visitors_address_for_the_registrys_rate_limit(
    portal: Portal,
) -> None:
    form = {
        "gemeenten": "GM0344",
        "berichtgever_naam": "Gemeente Utrecht",
        "berichtgever_soort": "gemeente",
        "naam": "A",
        "email": "a@utrecht.nl",
        "rol": "primary",
        "csrf_token": portal.csrf("/aanmelden"),
    }
    assert portal.client.post("/aanmelden", data=form).status_code == 200
    # Not the portal's own address: else every visitor would share one registration budget.
    assert portal.services.forwarded_for == ["testclient"]
