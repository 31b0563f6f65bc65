"""Long work shows its progress: plain lines when standard error is not a terminal."""

from __future__ import annotations

import io

import pytest

from ketentools.progress import progress, stage

pytestmark = pytest.mark.unit


def test_plain_lines_every_tenth_and_at_the_end_when_not_a_terminal() -> None:
    out = io.StringIO()
    stage("ingest: feed validation", out=out)
    with progress("records.duo.v1", 1000, out=out) as shown:
        for done in range(0, 1001, 50):
            shown.update_to(done)
    lines = out.getvalue().splitlines()
    assert lines[0] == "== ingest: feed validation"
    counts = [line.split(": ", 1)[1].split(" ")[0] for line in lines[1:]]
    assert counts == [f"{n:,}/1,000" for n in range(100, 1001, 100)]
    assert all("/s" in line and "%" in line for line in lines[1:])


def test_an_interrupted_count_still_reports_where_it_stopped() -> None:
    out = io.StringIO()
    with pytest.raises(RuntimeError), progress("feed events", 500, out=out) as shown:
        shown.update_to(120)
        raise RuntimeError("broker away")
    assert out.getvalue().splitlines()[-1].startswith("   feed events: 120/500 (24%)")


def test_a_jump_over_several_tenths_is_one_line() -> None:
    out = io.StringIO()
    with progress("produced", 100, out=out) as shown:
        shown.update_to(45)
        shown.update_to(100)
    assert [line.split(": ", 1)[1].split(" ")[0] for line in out.getvalue().splitlines()] == [
        "45/100",
        "100/100",
    ]
