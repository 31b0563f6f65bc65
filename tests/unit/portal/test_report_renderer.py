"""Rendering a yearly report takes seconds of a CPU: one at a time, off the event loop, and a
second request meanwhile is told to wait instead of piling up."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, cast

import pytest

from ketenreport import Page, Sources
from portal.domain.errors import RendererBusy
from portal.service import yearly_report
from portal.service.yearly_report import Renderer


async def test_a_second_report_meanwhile_is_told_to_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    gate, entered = threading.Event(), threading.Event()

    def slow_page(_: Sources) -> Page:
        entered.set()
        gate.wait(timeout=30)
        return Page("<html></html>", "'sha256-x'")

    monkeypatch.setattr(yearly_report, "page_of", slow_page)
    renderer = Renderer()
    report = cast(Sources, cast(Any, None))
    first = asyncio.create_task(renderer.page(report))
    await asyncio.to_thread(entered.wait, 30)  # the first is rendering, in a thread
    with pytest.raises(RendererBusy):
        await renderer.pdf(report)
    gate.set()
    assert (await first).html == "<html></html>"
    second = asyncio.create_task(renderer.page(report))
    assert (await second).style_source == "'sha256-x'"  # its turn, once the first is done
