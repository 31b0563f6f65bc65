"""The whole pipeline on the real broker against the simulator's ground truth (small scale)."""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ketentools.population import generate
from ketentools.simulate import complete_people, differences, drive, plan, truth
from tests.helpers import eventually_sync

from .conftest import Stack, running_stack

SCALE = 0.004  # about 500 persons in 12 municipalities, with every kind of dirt
SEED = int(os.environ.get("KETENMONITOR_SIM_SEED", "11"))


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
        yield stack, people, simulation


def monitor(stack: Stack, as_of: str, by: str) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310
        f"{stack.url('linkage')}/v1/monitor?as_of={as_of}&by={by}",
        headers={"Authorization": f"Bearer {stack.admin_token}"},
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        return dict(json.loads(response.read()))


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
