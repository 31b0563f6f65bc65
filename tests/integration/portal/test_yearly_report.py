"""The yearly report from the portal's Monitor page: rendered for operators and analysts, under
a policy that allows its one style block and nothing else; the PDF one at a time."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.report_figures import sample_figures

from .test_security import ADMIN, CONTACT, FakeServices, Portal, portal_for

pytestmark = pytest.mark.integration
READER = "reader-" + "r" * 40
FIGURES = sample_figures(2025, persons=800).model_dump(mode="json")
PUBLICATION = {
    "id": "0b6c3f7e-1111-4a2b-9c3d-5e6f7a8b9c0d",
    "year": 2025,
    "as_of": "2025-12-31",
    "status": "definitief",
    "sha256": "a" * 64,
    "created_at": "2026-02-01T10:00:00Z",
    "figures": FIGURES,
}
QUALITY = {
    "year": 2025,
    "as_of": "2025-12-31",
    "generated_at": "2026-12-02T08:00:00Z",
    "quarters": [
        {
            "quarter": "2025-Q1",
            "due_date": "2025-04-28",
            "due": True,
            "municipalities": 342,
            "on_time": 330,
            "late": 10,
            "missing": 2,
            "pct_on_time": 96.5,
            "errors": [{"code": "bsn_invalid", "severity": "error", "n": 4}],
        }
    ],
}


class ReportServices(FakeServices):
    def __call__(self, request: httpx.Request) -> httpx.Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        path = request.url.path
        if path == "/v1/whoami" and token == READER and request.url.port == 8003:
            return httpx.Response(200, json={"role": "reader"})
        if token not in (ADMIN, READER):
            return super().__call__(request)
        if path == "/v1/monitor":
            return httpx.Response(
                200,
                json={
                    "as_of": "2025-12-31",
                    "by": ["cohort"],
                    "provisional_cohorts": [],
                    "rows": [],
                },
            )
        if path == "/v1/publications":
            return httpx.Response(
                200, json=[{k: v for k, v in PUBLICATION.items() if k != "figures"}]
            )
        if path == f"/v1/publications/{PUBLICATION['id']}":
            return httpx.Response(200, json=PUBLICATION)
        if path == "/v1/report/figures":
            self.calls.append(f"figures {request.url.params}")
            return httpx.Response(200, json=FIGURES)
        if path == "/v1/deliveries/quality":
            if token != ADMIN:
                return httpx.Response(403, json={"code": "forbidden"})
            return httpx.Response(200, json=QUALITY)
        return super().__call__(request)


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[Portal]:
    yield from portal_for(tmp_path, ReportServices(), env="production", portal_secret="s" * 48)


def test_an_operator_opens_the_report_under_its_own_strict_policy(portal: Portal) -> None:
    assert portal.login(ADMIN).status_code == 303
    monitor = portal.client.get("/monitor")
    assert monitor.status_code == 200
    assert 'action="/monitor/jaarrapport"' in monitor.text
    assert f"/monitor/jaarrapport?publicatie={PUBLICATION['id']}" in monitor.text

    report = portal.client.get(
        "/monitor/jaarrapport", params={"jaar": 2025, "peildatum": "2025-12-31"}
    )
    assert report.status_code == 200, report.text[:300]
    assert "Statistiek Wet inburgering 2025" in report.text
    assert "bsn_invalid" in report.text  # the operator's token reads ingest's part
    policy = report.headers["content-security-policy"]
    style = re.findall(r"<style>(.*?)</style>", report.text, flags=re.S)[0]
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy and "'unsafe-inline'" not in policy
    assert "script-src" not in policy  # nothing runs: default-src 'none'
    assert report.headers["x-frame-options"] == "DENY"
    assert report.headers["cache-control"] == "no-store"
    assert "year=2025" in portal.services.calls[-1]


def test_an_analyst_gets_the_report_without_delivery_quality_and_a_publication(
    portal: Portal,
) -> None:
    assert portal.login(READER).status_code == 303
    report = portal.client.get("/monitor/jaarrapport", params={"publicatie": PUBLICATION["id"]})
    assert report.status_code == 200
    assert "alleen beheerders zien de kwaliteit van de leveringen" in report.text
    assert f"Publicatie {PUBLICATION['id']} (definitief)" in report.text
    pdf = portal.client.get(
        "/monitor/jaarrapport", params={"publicatie": PUBLICATION["id"], "formaat": "pdf"}
    )
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert 'filename="swi-2025-2025-12-31.pdf"' in pdf.headers["content-disposition"]


def test_bad_report_requests_get_a_page_not_a_crash(portal: Portal) -> None:
    assert portal.login(ADMIN).status_code == 303
    for params in ({"jaar": 1999}, {"formaat": "docx"}, {"publicatie": "../../v1/records"}):
        answer = portal.client.get("/monitor/jaarrapport", params=params)
        assert answer.status_code == 422, params
    unknown = portal.client.get(
        "/monitor/jaarrapport", params={"publicatie": "11111111-2222-4333-8444-555555555555"}
    )
    assert unknown.status_code == 404


def test_a_contact_person_does_not_see_the_report(portal: Portal) -> None:
    assert portal.login(CONTACT).status_code == 303
    assert portal.client.get("/monitor/jaarrapport", params={"jaar": 2025}).status_code == 403
