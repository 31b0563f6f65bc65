"""A horizontal bar chart of one monitor measure, as plain geometry for an SVG template."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 220
PLOT_WIDTH = 360


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float | None  # a percentage; None when suppressed
    y: int
    width: float

    @property
    def text(self) -> str:
        return "x" if self.value is None else f"{self.value:.1f}%".replace(".", ",")


@dataclass(frozen=True, slots=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    label_width: int = LABEL_WIDTH
    plot_width: int = PLOT_WIDTH

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * (BAR_HEIGHT + GAP) + GAP

    @property
    def width(self) -> int:
        return self.label_width + self.plot_width + 70

    @property
    def bar_height(self) -> int:
        return BAR_HEIGHT


def bar_chart(title: str, points: Sequence[tuple[str, float | None]]) -> BarChart:
    """Percentages on a fixed 0-100 scale, so charts of different groups compare."""
    bars = tuple(
        Bar(
            label=label,
            value=value,
            y=GAP + i * (BAR_HEIGHT + GAP),
            width=0.0 if value is None else PLOT_WIDTH * max(0.0, min(value, 100.0)) / 100.0,
        )
        for i, (label, value) in enumerate(points)
    )
    return BarChart(title=title, bars=bars)
