"""The demo through the whole stack: the monitor equals the ground truth of the generated data."""

from __future__ import annotations

import json
import urllib.request
from datetime import date
from typing import Any

from ketentools.demo import demo_people, ground_truth

from .conftest import Stack


def monitor(stack: Stack, as_of: str) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310
        f"{stack.url('linkage')}/v1/monitor?as_of={as_of}&by=cohort,doelgroep",
        headers={"Authorization": f"Bearer {stack.admin_token}"},
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        return dict(json.loads(response.read()))


def differences(got: dict[str, Any], want: dict[str, Any]) -> list[str]:
    cells = []
    index = {(r["cohort"], r["doelgroep"]): r for r in want["rows"]}
    for row in got["rows"]:
        expected = index.pop((row["cohort"], row["doelgroep"]), None)
        for key, value in row.items():
            if expected is None or expected.get(key) != value:
                cells.append(
                    f"{row['cohort']},{row['doelgroep']}.{key}: got {value}, "
                    f"want {None if expected is None else expected.get(key)}"
                )
    cells += [f"missing row {key}" for key in index]
    return cells


def test_demo_monitor_equals_ground_truth(demo: Stack) -> None:
    stack = demo
    persons = demo_people()
    for as_of in ("2024-12-31", "2025-06-30"):
        got, want = monitor(stack, as_of), ground_truth(persons, date.fromisoformat(as_of))
        assert differences(got, want) == []
        assert got["provisional_cohorts"] == want["provisional_cohorts"]
