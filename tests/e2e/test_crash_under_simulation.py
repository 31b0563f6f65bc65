"""kill -9 ingest, then linkage, while the simulator's feeds stream in: the monitor still equals
the ground truth (which an uninterrupted run equals, see test_simulation_ground_truth)."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import date
from pathlib import Path
from typing import Any

from ketentools.population import generate
from ketentools.simulate import complete_people, differences, drive, plan, truth
from tests.helpers import eventually_sync, read_topic, topic_size

from .conftest import SERVICES, Stack, running_stack
from .test_simulation_ground_truth import monitor, total

SEED = 23
FEED_SECONDS = 25.0  # the feed lasts long enough to crash into it
FEEDS = ("feeds.coa.v1", "feeds.duo.v1", "feeds.stats.v1")


def _size(stack: Stack, topic: str) -> int:
    return asyncio.run(topic_size(stack.bootstrap, stack.prefix + topic))


def test_kill_9_ingest_then_linkage_under_simulated_load(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    people = generate(scale=0.003, seed=SEED, municipalities=8)
    codes = sorted(
        {p.municipality for p in people} | {p.moved_from for p in people if p.moved_from}
    )
    simulation = plan(people, seed=SEED, municipalities=codes, dirt=0.03)
    with running_stack(kafka_bootstrap, tmp_path) as stack:
        failure: list[BaseException] = []

        def simulate() -> None:
            try:
                drive(
                    simulation,
                    urls={s: stack.url(s) for s in SERVICES},
                    admin_token=stack.admin_token,
                    bootstrap=stack.bootstrap,
                    prefix=stack.prefix,
                    rate=len(simulation.feed) / FEED_SECONDS,
                )
            except BaseException as exc:  # reported by the test thread below
                failure.append(exc)

        load = threading.Thread(target=simulate, daemon=True)
        load.start()
        feed_size = len(simulation.feed)
        eventually_sync(
            lambda: sum(_size(stack, feed) for feed in FEEDS) > feed_size // 5,
            timeout=120,
            interval=0.1,
            message="the feed streaming",
        )
        stack.kill_and_restart("ingest")
        assert _size(stack, "monitoring.records.v1") > 0, "linkage is not at work yet"
        streamed = sum(_size(stack, feed) for feed in FEEDS)
        stack.kill_and_restart("linkage")
        load.join(300)
        assert not failure, failure
        assert streamed < feed_size, "the feed had ended before linkage was killed"
        expected = len(complete_people(people, simulation))
        eventually_sync(
            lambda: total(stack) == expected,
            timeout=180,
            interval=1,
            message=f"{expected} persons linked after the crashes",
        )
        for as_of, by in [("2026-09-30", "cohort,doelgroep"), ("2025-06-30", "cohort,leerroute")]:
            day, grouping = date.fromisoformat(as_of), tuple(by.split(","))
            want = truth(people, simulation, as_of=day, by=grouping)
            # CBS's months may still be on their way once everyone is linked.

            def agrees(a: str = as_of, b: str = by, w: dict[str, Any] = want) -> bool:
                return not differences(monitor(stack, a, b), w)

            eventually_sync(
                agrees,
                timeout=120,
                interval=1,
                message=f"the monitor by {by} as of {as_of} equal to the truth",
            )
            got = monitor(stack, as_of, by)
            assert differences(got, want) == [], "\n".join(differences(got, want))
        _assert_no_version_reused(stack)


def _assert_no_version_reused(stack: Stack) -> None:
    size = _size(stack, "monitoring.records.v1")
    messages = asyncio.run(
        read_topic(stack.bootstrap, stack.prefix + "monitoring.records.v1", count=size)
    )
    contents: dict[tuple[bytes | None, bytes], set[Any]] = {}
    for message in messages:
        if message.value is None:
            continue
        sequence = dict(message.headers)["ce_sequence"]
        record = json.loads(message.value)
        contents.setdefault((message.key, sequence), set()).add(json.dumps(record, sort_keys=True))
    assert all(len(values) == 1 for values in contents.values()), "a version got other content"
