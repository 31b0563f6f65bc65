"""The yearly report from the running stack: its figures equal the ground truth of the demo's
generated population, and a publication's report carries exactly the frozen figures."""

from __future__ import annotations

import json
import statistics
import urllib.request
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import html5lib

from contracts.reference import current_code, province
from ketentools.demo import demo_people, ground_truth

from .conftest import Stack
from .test_operator_cli import cli

AS_OF = date(2025, 6, 30)
DOELGROEPEN = ("asielstatushouder", "gezinsmigrant", "overige_migrant")


def call(stack: Stack, path: str, body: dict[str, Any] | None = None) -> Any:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{stack.url('linkage')}{path}",
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Authorization": f"Bearer {stack.admin_token}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        return json.loads(response.read())


def check_counts(
    table: dict[str, Any], truth: Counter[tuple[Any, Any]], columns: list[Any]
) -> None:
    """Every shown count equals the truth, margins included; a hidden one is small, or hidden
    so that a total does not give a small one away."""
    cohorts = sorted({c for c, _ in truth})
    raw = dict(truth)
    for c in cohorts:
        raw[(c, "totaal")] = sum(truth[(c, col)] for col in columns)
    for col in [*columns, "totaal"]:
        raw[("totaal", col)] = sum(raw.get((c, col), 0) for c in cohorts)
    first, second = table["by"]
    hidden = 0
    for row in table["rows"]:
        key = (row[first], row[second])
        want = raw.get(key, 0)
        if row["n"] is None:
            hidden += 1
            assert want != 0, key
        else:
            assert row["n"] == want, (key, row["n"], want)
    small = sum(1 for v in raw.values() if 0 < v < 10)
    assert hidden >= small


def test_the_report_equals_the_ground_truth_of_the_demo(demo: Stack, tmp_path: Path) -> None:
    persons = [p for p in demo_people() if date(2022, 1, 1) <= p.start <= AS_OF]
    figures = call(demo, f"/v1/report/figures?year=2025&as_of={AS_OF.isoformat()}")
    tables = figures["tables"]
    assert figures["provisional_cohorts"] == []  # the demo's persons started in 2024
    cohorts = sorted({p.start.year for p in persons})

    check_counts(
        tables["bevolking_doelgroep"],
        Counter((p.start.year, p.doelgroep) for p in persons),
        list(DOELGROEPEN),
    )
    by_province = Counter((p.start.year, province(current_code(p.municipality))) for p in persons)
    provinces = sorted({r["provincie"] for r in tables["bevolking_provincie"]["rows"]} - {"totaal"})
    check_counts(tables["bevolking_provincie"], by_province, provinces)

    truth = {(r["cohort"], r["doelgroep"]): r for r in ground_truth(persons, AS_OF)["rows"]}
    measures = ("brede_intake_gestart", "pip_vastgesteld", "pip_tijdig", "leerroute_b1")
    compared = 0
    for row in tables["gemeente"]["rows"]:
        if row["doelgroep"] == "totaal":
            continue
        want = truth[(row["cohort"], row["doelgroep"])]
        for name in measures:
            if row[name]["n"] is not None:  # else hidden so a cohort's total gives nothing away
                assert row[name] == want[name], (row["cohort"], row["doelgroep"], name)
                compared += 1
    assert compared >= 3 * len(cohorts)

    for cohort in cohorts:
        days = [
            (p.pip - p.notice).days
            for p in persons
            if p.start.year == cohort and p.pip is not None and p.pip <= AS_OF
        ]
        cell = next(
            r
            for r in tables["doorlooptijden"]["rows"]
            if r["cohort"] == cohort and r["doorlooptijd"] == "kennisgeving_tot_pip"
        )
        assert cell["n"] == (len(days) if len(days) >= 10 or not days else None)
        if len(days) >= 10:
            q1, q2, q3 = statistics.quantiles(sorted(days), n=4, method="inclusive")
            assert abs(cell["mediaan"] - q2) <= 0.05 and abs(cell["p25"] - q1) <= 0.05
            assert abs(cell["p75"] - q3) <= 0.05

    html, pdf = tmp_path / "swi-2025.html", tmp_path / "swi-2025.pdf"
    out = cli(
        demo,
        "report",
        "--year",
        "2025",
        "--as-of",
        AS_OF.isoformat(),
        "--out",
        str(html),
        "--out",
        str(pdf),
    )
    assert f"wrote {html}" in out and f"wrote {pdf}" in out
    page = html.read_text(encoding="utf-8")
    html5lib.HTMLParser(strict=True).parse(page)
    embedded = json.loads(
        page.split('id="cijfers">')[1].split("</script>")[0].replace("<\\/", "</")
    )
    assert embedded["figures"] == figures
    assert embedded["delivery_quality"]["year"] == 2025  # the admin token reads ingest's part
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_the_report_of_a_publication_carries_the_frozen_figures(
    demo: Stack, tmp_path: Path
) -> None:
    created = call(
        demo, "/v1/publications", {"year": 2024, "as_of": "2024-12-31", "status": "definitief"}
    )
    frozen = call(demo, f"/v1/publications/{created['id']}")["figures"]
    pages = []
    for name in ("a.html", "b.html"):
        cli(demo, "report", "--publication", created["id"], "--out", str(tmp_path / name))
        pages.append((tmp_path / name).read_text(encoding="utf-8"))
    data = [
        json.loads(p.split('id="cijfers">')[1].split("</script>")[0].replace("<\\/", "</"))
        for p in pages
    ]
    assert data[0]["figures"] == data[1]["figures"] == frozen
    assert f"Publicatie {created['id']} (definitief)" in pages[0]
    assert created["sha256"] in pages[0]
