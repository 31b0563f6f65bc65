"""Topic names are written once, in the catalogue: services and the kit name a topic through
its ``Topic`` (a typo in a bare string would subscribe to a topic nobody writes)."""

from __future__ import annotations

import re
from pathlib import Path

from contracts.topics import CATALOGUE

ROOT = Path(__file__).parents[3]
SOURCES = [*ROOT.glob("services/*/src/**/*.py"), *ROOT.glob("kit/src/**/*.py")]
NAMED = re.compile("|".join(re.escape(f'"{t.name}"') for t in CATALOGUE))


def test_no_service_or_kit_module_spells_a_topic_name() -> None:
    assert SOURCES
    spelled = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in SOURCES
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if NAMED.search(line)
    ]
    assert spelled == []
