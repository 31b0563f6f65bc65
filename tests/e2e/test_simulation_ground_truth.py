"""The whole pipeline on the real broker against the simulator's ground truth (small scale)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text

from contracts import CATALOGUE, is_valid_bsn
from ketentools.population import generate
from ketentools.simulate import complete_people, differences, drive, plan, truth
from tests.helpers import eventually_sync, read_topic, topic_size

from .conftest import SERVICES, Stack, running_stack

SCALE = 0.004  # about 500 persons in 12 municipalities, with every kind of dirt
SEED = int(os.environ.get("KETENMONITOR_SIM_SEED", "11"))
AS_OF = date(2026, 9, 30)  # the simulation's last day


@pytest.fixture(scope="module")
def simulated(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Stack, Any, Any]]:
    with running_stack(kafka_bootstrap, tmp_path_factory.mktemp("simulation")) as stack:
        people = generate(scale=SCALE, seed=SEED, municipalities=12)
        codes = sorted(
            {p.municipality for p in people}
            | {p.moved_from for p in people if p.moved_from}
            | {"GM0014", "GM1680"}
        )
        simulation = plan(people, seed=SEED, municipalities=codes, dirt=0.03)
        drive(
            simulation,
            urls={s: stack.url(s) for s in ("registry", "ingest", "linkage")},
            admin_token=stack.admin_token,
            bootstrap=stack.bootstrap,
            prefix=stack.prefix,
        )
        expected = len(complete_people(people, simulation))
        eventually_sync(
            lambda: total(stack) == expected,
            timeout=180,
            interval=1,
            message=f"{expected} persons linked",
        )
        # CBS's months (most of the feed) may still be on their way once everyone is linked.
        final = truth(people, simulation, as_of=AS_OF, by=("cohort", "doelgroep"))
        eventually_sync(
            lambda: not differences(monitor(stack, AS_OF.isoformat(), "cohort,doelgroep"), final),
            timeout=180,
            interval=1,
            message="every feed event applied",
        )
        yield stack, people, simulation


def linkage_get(stack: Stack, path: str) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310
        f"{stack.url('linkage')}{path}",
        headers={"Authorization": f"Bearer {stack.admin_token}"},
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        return dict(json.loads(response.read()))


def monitor(stack: Stack, as_of: str, by: str) -> dict[str, Any]:
    return linkage_get(stack, f"/v1/monitor?as_of={as_of}&by={by}")


def total(stack: Stack) -> int:
    return sum(row["n"] or 0 for row in monitor(stack, "2026-09-30", "cohort")["rows"])


@pytest.mark.parametrize(
    ("as_of", "by"),
    [
        ("2026-09-30", "cohort,doelgroep"),
        ("2023-12-31", "cohort,doelgroep"),
        ("2026-09-30", "cohort,provincie"),
        ("2025-06-30", "cohort,leerroute"),
    ],
)
def test_monitor_equals_ground_truth(
    simulated: tuple[Stack, Any, Any], as_of: str, by: str
) -> None:
    stack, people, simulation = simulated
    got = monitor(stack, as_of, by)
    want = truth(people, simulation, as_of=date.fromisoformat(as_of), by=tuple(by.split(",")))
    assert differences(got, want) == [], "\n".join(differences(got, want))
    assert got["provisional_cohorts"] == want["provisional_cohorts"]


def test_dirt_really_happened(simulated: tuple[Stack, Any, Any], tmp_path: Path) -> None:
    _, people, simulation = simulated
    assert simulation.silent is not None
    assert simulation.nil_returns
    assert any(not corrected for *_, corrected in simulation.deliveries)
    assert any(p.moved_from for p in people)
    assert any(p.withdrawn for p in people)
    assert any(p.delivered_code == "GM0457" for p in people)


#: A 9-digit number standing alone (not inside a longer number, a hex pseudonym or an id).
NINE_DIGITS = re.compile(rb"(?<![0-9A-Za-z])[0-9]{9}(?![0-9A-Za-z])")


def _topic_blobs(stack: Stack) -> list[bytes]:
    blobs = []
    for topic in CATALOGUE:
        if topic.name.startswith("feeds."):
            continue
        name = stack.prefix + topic.name
        size = asyncio.run(topic_size(stack.bootstrap, name))
        for r in asyncio.run(read_topic(stack.bootstrap, name, count=size)) if size else []:
            blobs.append((r.key or b"") + b" " + (r.value or b"") + b" " + repr(r.headers).encode())
    return blobs


def _table_blobs(folder: Path) -> list[bytes]:
    blobs = []
    for service in SERVICES:
        engine = create_engine(f"sqlite:///{folder / service}.db")
        with engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                rows = connection.execute(text(f'SELECT * FROM "{table}"'))  # noqa: S608
                blobs += [repr(tuple(row)).encode() for row in rows]
        engine.dispose()
    return blobs


def test_no_valid_bsn_outside_the_feeds_after_the_simulation(
    simulated: tuple[Stack, Any, Any],
) -> None:
    """Every topic but feeds.*, every table of every service, their logs, spans and metrics."""
    stack, people, _ = simulated
    topics, tables = _topic_blobs(stack), _table_blobs(stack.folder)
    logs = [(stack.folder / f"{s}.log").read_bytes() for s in SERVICES]
    # Every service traces (its database calls and consumer batches too) into a file.
    spans = [(stack.folder / f"traces-{s}.jsonl").read_bytes() for s in SERVICES]
    metrics = []
    for service in SERVICES:
        with urllib.request.urlopen(f"{stack.url(service)}/metrics") as response:  # noqa: S310
            metrics.append(response.read())
    assert len(topics) > len(people) and len(tables) > len(people)  # really read
    assert all(logs) and all(metrics) and all(spans)
    found = {
        number.decode()
        for blob in [*topics, *tables, *logs, *spans, *metrics]
        for number in NINE_DIGITS.findall(blob)
        if is_valid_bsn(number.decode())
    }
    count = len(found)  # not the numbers themselves: a failure message must not show them
    assert count == 0, f"{count} valid BSN(s) found"
    # The generic pattern would miss a BSN glued to letters: look for the simulated ones too.
    everything = b"\n".join([*topics, *tables, *logs, *spans, *metrics])
    leaked = sum(1 for p in people if p.bsn.encode() in everything)
    assert leaked == 0, f"{leaked} simulated BSN(s) leaked"


def report_figures(stack: Stack, year: int, as_of: str) -> dict[str, Any]:
    return linkage_get(stack, f"/v1/report/figures?year={year}&as_of={as_of}")


@pytest.mark.parametrize("as_of", ["2026-09-30", "2024-12-31"])
def test_the_report_figures_equal_the_ground_truth(
    simulated: tuple[Stack, Any, Any], as_of: str
) -> None:
    """Every figure the report shows equals the simulator's truth; what it hides is small or
    hidden so that the cohort's total gives nothing away."""
    stack, people, simulation = simulated
    day = date.fromisoformat(as_of)
    figures = report_figures(stack, day.year, as_of)
    want = {
        (r["cohort"], r["doelgroep"]): r
        for r in truth(people, simulation, as_of=day, by=("cohort", "doelgroep"))["rows"]
    }
    population = {
        (r["cohort"], r["doelgroep"]): r["n"]
        for r in figures["tables"]["bevolking_doelgroep"]["rows"]
    }
    compared = 0
    for key, row in want.items():
        if population[key] is not None:
            assert population[key] == row["n"], key
        for table in ("gemeente", "resultaten", "doelbereik"):
            got = next(
                r for r in figures["tables"][table]["rows"] if (r["cohort"], r["doelgroep"]) == key
            )
            for name, cell in got.items():
                if name in ("cohort", "doelgroep") or cell["n"] is None:
                    continue
                assert cell == row[name], (table, key, name, cell, row[name])
                compared += 1
    assert compared > 50
    by_province = {
        (r["cohort"], r["provincie"]): r["n"]
        for r in truth(people, simulation, as_of=day, by=("cohort", "provincie"))["rows"]
    }
    for r in figures["tables"]["bevolking_provincie"]["rows"]:
        key = (r["cohort"], r["provincie"])
        if r["n"] is not None and "totaal" not in key:
            assert r["n"] == (by_province.get(key) or 0), key
