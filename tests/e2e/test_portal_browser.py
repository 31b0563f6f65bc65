"""The portal in a real browser (Debian's Chromium through Playwright) against the real stack.

One story, as the people who use it live it: a contact registers, an operator approves in Beheer,
the contact logs in, uploads a file with errors, reads the report, uploads a correction and
releases it; COA and DUO send their events, and the monitor shows the municipality. Every page on
the way is checked with axe-core (no serious or critical WCAG 2.1 AA violation), and screenshots
are written under test-results/ for a person to look at.
"""

from __future__ import annotations

import asyncio
import random
import re
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from ketentools.demo import csv_for, feed_events, people, publish_feeds, register_contact
from tests.helpers import AFTER_THE_DEMO_QUARTER, after_the_demo

from .conftest import Portal, Stack

playwright_api = pytest.importorskip("playwright.sync_api")
from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import Browser, FilePayload, Page, expect  # noqa: E402

pytestmark = pytest.mark.e2e
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "portal"
MUNICIPALITY = "GM0599"  # Rotterdam: no demo contact, so this story's primary is the first
QUARTER = AFTER_THE_DEMO_QUARTER
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run installs it)")
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


SEEN: list[str] = []  # every page checked, to look for BSNs afterwards


def accessible(page: Page, name: str) -> None:
    """No serious or critical axe violation; and a screenshot for a person to look at."""
    SEEN.append(page.content())
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    violations: list[dict[str, Any]] = results.response["violations"]
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], f"{name}: {bad}"


def login(page: Page, url: str, token: str) -> None:
    page.goto(f"{url}/inloggen")
    page.get_by_label("Uw token").fill(token)
    page.get_by_role("button", name="Inloggen").click()


def test_the_whole_delivery_cycle_in_the_browser(
    browser: Browser, portal: Portal, stack: Stack
) -> None:
    url = portal.url
    persons = [after_the_demo(p) for p in people(random.Random(599), 4)[:12]]
    for person in persons:
        person.municipality = MUNICIPALITY
    contact = browser.new_context()
    page = contact.new_page()

    # Start page and registration with field-level errors first.
    page.goto(url)
    accessible(page, "01-start")
    # The delivery guidelines, from the validating code, through the portal.
    page.get_by_role("link", name="Richtlijnen").first.click()
    accessible(page, "01-richtlijnen")
    with page.expect_download() as template:
        page.get_by_role("link", name="Sjabloon (CSV)").click()
    assert Path(template.value.path()).read_text().startswith("bsn,gemeentecode,doelgroep,")
    assert httpx.get(f"{url}/richtlijnen/richtlijnen.pdf").content.startswith(b"%PDF-")
    page.goto(url)
    page.get_by_role("link", name="Aanmelden").first.click()
    page.get_by_label("Gemeentecode(s)").fill("GM9999")
    page.get_by_label("Organisatie", exact=True).fill("Gemeente Rotterdam")
    page.get_by_label("Naam", exact=True).fill("R. de Jong")
    page.get_by_label("E-mailadres").fill("geen-adres")
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.locator("#gemeenten-fout")).to_contain_text("GM9999 is vandaag geen gemeente")
    expect(page.locator("#email-fout")).to_contain_text("geldig e-mailadres")
    accessible(page, "02-aanmelden-fouten")
    page.get_by_label("Gemeentecode(s)").fill(MUNICIPALITY)
    page.get_by_label("E-mailadres").fill("r.dejong@rotterdam.nl")
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.get_by_text("in behandeling")).to_be_visible()
    token = page.locator("#token").inner_text().strip()
    assert len(token) >= 32
    accessible(page, "03-aanmelding-ontvangen")

    # Pending: the token does not open the portal yet.
    login(page, url, token)
    expect(page.get_by_role("alert")).to_contain_text("in behandeling")

    # The operator approves it in Beheer (another browser: another person).
    operator = browser.new_context()
    desk = operator.new_page()
    login(desk, url, stack.admin_token)
    desk.wait_for_url(f"{url}/beheer")
    expect(desk.locator("#aanmeldingen")).to_contain_text("R. de Jong")
    accessible(desk, "04-beheer")
    desk.get_by_role("button", name="Goedkeuren R. de Jong").click()
    expect(desk.get_by_role("status")).to_contain_text("goedgekeurd")

    # The contact logs in and sees its municipality's quarters.
    login(page, url, token)
    page.wait_for_url(f"{url}/gemeenten")
    until_ingest_knows(page)
    expect(page.get_by_role("heading", name=re.compile(MUNICIPALITY))).to_be_visible()
    accessible(page, "05-mijn-gemeenten")

    # A file with errors: the report names row, field and code, in Dutch.
    bad = csv_for(persons).decode().splitlines()
    bad[1] = bad[1].replace(persons[0].bsn, "123456789", 1)  # fails the elfproef
    bad[2] = bad[2].replace(persons[1].brp.isoformat(), "2024-13-45", 1)
    page.goto(f"{url}/aanleveren")
    accessible(page, "06-aanleveren")
    # Ingest learns of the new contact through Kafka; the upload may need a moment.
    delivery = _upload_when_known(page, url, "fouten.csv", ("\n".join(bad) + "\n").encode())
    expect(page.locator("#status")).to_have_text("gevalideerd")
    expect(page.locator("#fout")).to_have_text("2")
    table = page.locator("#rapport")
    expect(table).to_contain_text("bsn_invalid")
    expect(table).to_contain_text("date_invalid")
    expect(table).to_contain_text("elfproef")
    assert persons[0].bsn not in page.content()
    accessible(page, "07-controleren")
    page.get_by_label("Toon alleen code").select_option("bsn_invalid")
    page.get_by_role("button", name="Filteren").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    with page.expect_download() as download:
        page.get_by_role("link", name="Rapport downloaden (CSV)").click()
    report = Path(download.value.path()).read_text()
    assert "bsn_invalid" in report and "date_invalid" in report

    # A correction, released after the confirmation that shows what will happen.
    corrected = _upload_when_known(page, url, "correctie.csv", csv_for(persons))
    assert corrected != delivery
    expect(page.locator("#fout")).to_have_text("0")
    page.get_by_role("link", name="Vrijgeven").click()
    expect(page.locator("#gevolgen")).to_contain_text(f"{len(persons)} rijen")
    accessible(page, "08-vrijgeven")
    page.get_by_role("button", name="Vrijgeven aan CBS").click()
    expect(page.locator("#status")).to_have_text("vrijgegeven")
    page.goto(f"{url}/gemeenten")
    expect(page.locator("table").first).to_contain_text("vrijgegeven")

    # COA and DUO send their events; the monitor then shows the municipality.
    # (Playwright's sync API runs an event loop in this thread: publish from another.)
    with ThreadPoolExecutor(1) as pool:
        feeds = feed_events(persons, stack.prefix, ids="portal-story")
        pool.submit(asyncio.run, publish_feeds(stack.bootstrap, feeds, None)).result()
    monitor = f"{url}/monitor?peildatum=2026-09-30&indeling=gemeente"
    desk.goto(monitor)
    accessible(desk, "09-monitor")
    row = desk.locator("#monitor tr", has_text=MUNICIPALITY)
    for _ in range(120):
        # Linkage links the persons one batch at a time: wait for all of them, not the first.
        if row.count() and row.locator("td").first.inner_text() == str(len(persons)):
            break
        desk.wait_for_timeout(500)  # linkage is eventually consistent: look again
        desk.goto(monitor)
    expect(desk.locator("#monitor")).to_contain_text(MUNICIPALITY)
    expect(row.locator("td").first).to_have_text(str(len(persons)))
    desk.screenshot(path=str(SHOTS / "10-monitor-met-gemeente.png"), full_page=True)

    # The yearly report from the Monitor page, under its own policy: its style applies (allowed
    # by hash), and the browser reports no blocked resource.
    blocked: list[str] = []
    desk.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    desk.get_by_label("Jaar", exact=True).fill("2026")
    desk.get_by_label("Peildatum (leeg: 31 december van dat jaar)").fill("2026-09-30")
    desk.get_by_role("button", name="Open jaarrapport").click()
    expect(desk.locator("h1")).to_have_text("Statistiek Wet inburgering 2026")
    expect(desk.locator("#t-bevolking")).to_be_visible()
    assert desk.locator("h1").evaluate("e => getComputedStyle(e).color") == "rgb(21, 66, 115)"
    assert desk.locator("img").count() >= 6
    accessible(desk, "11-jaarrapport")
    assert blocked == []

    # No BSN of the file in any page, in the portal's log or in its metrics.
    metrics = httpx.get(f"{url}/metrics").text
    log = portal.log.read_text()
    leaked = [p.bsn for p in persons if any(p.bsn in text for text in [*SEEN, metrics, log])]
    assert leaked == []

    # Logging out ends the session: the pages need a login again.
    page.get_by_role("button", name="Uitloggen").click()
    page.goto(f"{url}/gemeenten")
    page.wait_for_url(re.compile(r"/inloggen"))


def until_ingest_knows(page: Page) -> None:
    """Ingest learns of an approval through Kafka, a moment after the registry: until then the
    portal says so (503) and the visitor reloads."""
    for _ in range(120):
        if page.get_by_role("heading", name="Nog even geduld").count() == 0:
            return
        page.wait_for_timeout(250)
        page.reload()
    raise AssertionError("ingest never heard of the approved contact")


def _upload_when_known(page: Page, url: str, name: str, body: bytes) -> str:
    for _ in range(60):
        page.goto(f"{url}/aanleveren?gemeente={MUNICIPALITY}&kwartaal={QUARTER}")
        payload: FilePayload = {"name": name, "mimeType": "text/csv", "buffer": body}
        page.get_by_label("Bestand").set_input_files(files=[payload])
        page.get_by_role("button", name="Aanleveren").click()
        # The page's script sends the file with a progress bar, then opens the delivery.
        done = page.locator("#status").or_(page.get_by_role("heading", name="Nog even geduld"))
        expect(done).to_be_visible(timeout=30_000)
        if "/leveringen/" in page.url:
            expect(page.locator("#status")).not_to_have_text("in controle", timeout=60_000)
            return page.url.rsplit("/", 1)[-1]
        page.wait_for_timeout(500)  # ingest has not heard of the approval yet
    raise AssertionError("ingest never accepted the new contact's upload")


def tab_to(page: Page, selector: str, presses: int = 80) -> None:
    """Press Tab until ``selector`` has the focus: it must be reachable by keyboard alone."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def test_the_delivery_flow_works_with_the_keyboard_alone(
    browser: Browser, portal: Portal, stack: Stack
) -> None:
    code = "GM0518"  # Den Haag: its own contact, made through the API
    urls = {s: stack.url(s) for s in ("registry", "ingest", "linkage")}
    token = register_contact(urls, stack.admin_token, code, role="primary", label="Toetsenbord")
    persons = [after_the_demo(p) for p in people(random.Random(518), 4)[:10]]
    for person in persons:
        person.municipality = code
    page = browser.new_context().new_page()
    page.goto(f"{portal.url}/inloggen")
    tab_to(page, "#token")
    page.keyboard.type(token)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{portal.url}/gemeenten")
    until_ingest_knows(page)
    tab_to(page, f'a[href="/aanleveren?gemeente={code}&kwartaal={QUARTER}"]')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("/aanleveren"))
    expect(page.locator("#kwartaal")).to_have_value(QUARTER)
    # The file field is reached by keyboard; the dialog it opens is the operating system's (not
    # the page's), so the file is handed to the focused field directly.
    tab_to(page, "#bestand")
    payload: FilePayload = {"name": "haag.csv", "mimeType": "text/csv", "buffer": csv_for(persons)}
    page.locator("#bestand:focus").set_input_files(files=[payload])
    tab_to(page, "button[type=submit]:not(.portal-logout button)")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/leveringen/[0-9a-f-]+$"))
    expect(page.locator("#status")).to_have_text("gevalideerd", timeout=60_000)
    tab_to(page, 'a[href$="/vrijgeven"]')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("/vrijgeven$"))
    tab_to(page, "form.portal-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_have_text("vrijgegeven")

    # A nil return for another quarter: released on upload, "nihil" on Mijn gemeenten.
    page.goto(f"{portal.url}/aanleveren?gemeente={code}&kwartaal=2024-Q3")
    page.get_by_label("Nihil-levering").check()
    page.get_by_role("button", name="Aanleveren").click()
    expect(page.locator("#status")).to_have_text("vrijgegeven (nihil)")
    page.goto(f"{portal.url}/gemeenten")
    row = page.locator("tr", has_text="2024-Q3")
    expect(row).to_contain_text("nihil")
