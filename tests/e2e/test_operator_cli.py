"""The operator commands against the running stack."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from contracts import Envelope
from ketenkit import Outgoing, publish_all
from ketenkit.local_kafka import free_port
from tests.helpers import eventually_sync, topic_size

from .conftest import Stack


def cli(stack: Stack, *args: str) -> str:
    env = {
        **os.environ,
        "KETENMONITOR_ADMIN_TOKEN": stack.admin_token,
        "KAFKA_BOOTSTRAP_SERVERS": stack.bootstrap,
        "KETENMONITOR_TOPIC_PREFIX": stack.prefix,
        **{
            f"KETENMONITOR_{s.upper()}_URL": stack.url(s) for s in ("registry", "ingest", "linkage")
        },
    }
    result = subprocess.run(
        [sys.executable, "-m", "ketentools.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_monitor_coverage_and_overdue(demo: Stack, tmp_path: Path) -> None:
    out = cli(
        demo,
        "monitor",
        "--as-of",
        "2024-12-31",
        "--csv",
        str(tmp_path / "m.csv"),
        "--png",
        str(tmp_path / "m.png"),
    )
    assert "wrote" in out
    lines = (tmp_path / "m.csv").read_text().splitlines()
    assert lines[0].startswith("cohort,doelgroep,n,provisional,")
    # The CLI's CSV is the API's CSV, every measure with its count and percentage.
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{demo.url('linkage')}/v1/monitor?by=cohort,doelgroep&as_of=2024-12-31",
        headers={"Authorization": f"Bearer {demo.admin_token}", "Accept": "text/csv"},
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        assert (tmp_path / "m.csv").read_bytes() == response.read()
    assert (tmp_path / "m.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The stack is the session's: other tests register contacts too. The CLI says what the API says.
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{demo.url('registry')}/v1/coverage",
        headers={"Authorization": f"Bearer {demo.admin_token}"},
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        coverage = json.loads(response.read())
    assert coverage["with_active_primary"] >= 3  # the demo's three at least
    expected = f"{coverage['with_active_primary']} of {coverage['total']} municipalities"
    assert f"{expected} have an active primary contact" in cli(demo, "coverage")
    assert "overdue delivery(ies)" in cli(demo, "overdue", "--as-of", "2025-03-01")


def test_dead_letters_are_listed_and_replayed(demo: Stack) -> None:
    broken = Envelope(
        id="cli-poison-1",
        source="urn:nld:ketenmonitor:ingest",
        type="nl.ketenmonitor.record.duo",
        data={"pseudonym": "not-a-pseudonym", "kind": "vastgesteld"},
    )

    async def send() -> None:
        from faststream.kafka import KafkaBroker

        async with KafkaBroker(demo.bootstrap) as broker:
            await broker.start()
            await publish_all(broker, [Outgoing.event(demo.prefix + "records.duo.v1", broken, "k")])

    asyncio.run(send())
    listing = eventually_sync(
        lambda: (text := cli(demo, "deadletters", "list")) and "cli-poison-1" in text and text,
        timeout=60,
        interval=0.5,
        message="dead letter listed",
    )
    line = next(line for line in listing.splitlines() if "cli-poison-1" in line)
    assert "records.duo.v1" in line
    assert "field_invalid" in line
    offset = line.split()[0]
    assert "replayed 1" in cli(demo, "deadletters", "replay", "--offset", offset)
    # It is still invalid, so linkage dead-letters it again: the replay really reached linkage.
    eventually_sync(
        lambda: cli(demo, "deadletters", "list").count("cli-poison-1") == 2,
        timeout=60,
        interval=0.5,
        message="replayed event processed again",
    )


def test_linkage_rebuilt_from_the_log_equals_the_running_one(demo: Stack, tmp_path: Path) -> None:
    records = demo.prefix + "monitoring.records.v1"
    published = asyncio.run(topic_size(demo.bootstrap, records))
    out = cli(
        demo,
        "rebuild",
        "linkage",
        "--database-url",
        f"sqlite+aiosqlite:///{tmp_path / 'rebuilt.db'}",
        "--port",
        str(free_port()),
        "--as-of",
        "2024-12-31",
        "--as-of",
        "2026-06-30",
        "--timeout",
        "300",
    )
    assert "the rebuild equals the running linkage" in out, out
    assert out.count("equal") >= 7  # six monitor tables and the pending persons
    assert (tmp_path / "rebuilt.db").exists()
    assert asyncio.run(topic_size(demo.bootstrap, records)) == published  # it published nothing
