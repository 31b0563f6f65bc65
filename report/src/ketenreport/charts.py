"""The report's charts as SVG (matplotlib), each with a text alternative that says what it shows.

A suppressed value is never drawn as zero: its place stays empty and is marked ``x``. The SVG is
the same for the same figures (fixed ids, no date), so the report of a publication is too.
"""

from __future__ import annotations

import base64
import functools
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ParamSpec

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ketenreport.labels import SUPPRESSED, decimal

P = ParamSpec("P")
#: Fixed SVG ids (a salt instead of random ones), and a size that suits A4.
STYLE: dict[Any, Any] = {"svg.hashsalt": "ketenmonitor", "font.size": 9}
#: Rijkshuisstijl-like colours: donkerblauw, lichtblauw, oranje, groen, violet.
COLOURS = ("#154273", "#8fcae7", "#e17000", "#39870c", "#a90061", "#777c00")


@dataclass(frozen=True)
class Chart:
    """An SVG chart as a data URI, and the sentence a screen reader gets instead."""

    uri: str
    alt: str


def _styled(chart: Callable[P, Chart]) -> Callable[P, Chart]:
    """Draw in the report's style, leaving matplotlib's global settings alone."""

    @functools.wraps(chart)
    def drawn(*args: P.args, **kwargs: P.kwargs) -> Chart:
        with matplotlib.rc_context(STYLE):
            return chart(*args, **kwargs)

    return drawn


def _axes() -> tuple[Figure, Axes]:
    # A Figure of its own, not pyplot's: no backend, no global list of open figures.
    figure = Figure(figsize=(7.0, 3.4))
    return figure, figure.subplots()


def _nothing_to_show(axes: Axes) -> None:
    """Every value suppressed: say so, on an axis that starts at zero."""
    axes.set_ylim(0, 1)
    axes.set_yticks([])
    axes.text(
        0.5,
        0.5,
        f"alle waarden geheim ({SUPPRESSED}): te weinig personen",
        transform=axes.transAxes,
        ha="center",
        va="center",
        color="dimgray",
    )


def _svg(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _describe(
    categories: Sequence[str], series: Mapping[str, Sequence[float | None]], unit: str
) -> str:
    parts = []
    for index, category in enumerate(categories):
        values = ", ".join(
            f"{name.lower()} {_number(values[index], unit)}" for name, values in series.items()
        )
        parts.append(f"{category}: {values}")
    return "; ".join(parts) + f". ({SUPPRESSED}: geheim, te weinig personen.)"


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return SUPPRESSED
    if unit == "%":
        return decimal(value) + " %"
    return f"{value:,.0f}".replace(",", ".") + (f" {unit}" if unit else "")


@_styled
def bars(
    title: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    unit: str = "",
    stacked: bool = False,
    ylabel: str = "",
) -> Chart:
    """Grouped (or stacked) bars per category."""
    figure, axes = _axes()
    count = len(series)
    width = 0.8 if stacked else 0.8 / max(count, 1)
    bottoms = [0.0] * len(categories)
    for i, (name, values) in enumerate(series.items()):
        xs = [x if stacked else x - 0.4 + width * (i + 0.5) for x in range(len(categories))]
        shown = [(x, v, b) for x, v, b in zip(xs, values, bottoms, strict=True) if v is not None]
        axes.bar(
            [x for x, _, _ in shown],
            [v for _, v, _ in shown],
            width,
            bottom=[b for _, _, b in shown] if stacked else None,
            label=name,
            color=COLOURS[i % len(COLOURS)],
        )
        for x, value in zip(xs, values, strict=True):
            if value is None and not stacked:
                axes.text(x, 0, SUPPRESSED, ha="center", va="bottom", color="dimgray")
        if stacked:
            bottoms = [b + (v or 0.0) for b, v in zip(bottoms, values, strict=True)]
    axes.set_xticks(range(len(categories)), categories)
    axes.set_ylabel(ylabel or unit)
    if unit == "%":
        axes.set_ylim(0, 100)
    elif not any(v for values in series.values() for v in values):
        _nothing_to_show(axes)
    else:
        axes.set_ylim(bottom=0)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    kind = "Gestapeld staafdiagram" if stacked else "Staafdiagram"
    return Chart(_svg(figure), f"{kind}: {title}. {_describe(categories, series, unit)}")


@_styled
def ranges(
    title: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[tuple[float, float, float] | None]],
) -> Chart:
    """Median with its quartiles (a point and a bar) per category and series, in days."""
    figure, axes = _axes()
    count = len(series)
    for i, (name, values) in enumerate(series.items()):
        offset = -0.3 + 0.6 * (i + 0.5) / count
        shown = [(x + offset, v) for x, v in enumerate(values) if v is not None]
        axes.errorbar(
            [x for x, _ in shown],
            [v[1] for _, v in shown],
            yerr=[[v[1] - v[0] for _, v in shown], [v[2] - v[1] for _, v in shown]],
            fmt="o",
            capsize=4,
            label=name,
            color=COLOURS[i % len(COLOURS)],
        )
    axes.set_xticks(range(len(categories)), categories)
    axes.set_ylabel("dagen")
    if all(v is None for values in series.values() for v in values):
        _nothing_to_show(axes)
    else:
        axes.set_ylim(bottom=0)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    medians = {
        name: [v[1] if v is not None else None for v in values] for name, values in series.items()
    }
    return Chart(
        _svg(figure),
        f"Mediaan met eerste en derde kwartiel: {title}. Medianen: "
        + _describe(categories, medians, "dagen"),
    )


@_styled
def lines(
    title: str, categories: Sequence[str], series: Mapping[str, Sequence[float | None]]
) -> Chart:
    """A percentage per category, one line per series (a gap where it is suppressed)."""
    figure, axes = _axes()
    for i, (name, values) in enumerate(series.items()):
        axes.plot(
            range(len(categories)),
            [float("nan") if v is None else v for v in values],
            marker="o",
            label=name,
            color=COLOURS[i % len(COLOURS)],
        )
    axes.set_xticks(range(len(categories)), categories)
    axes.set_ylabel("%")
    axes.set_ylim(0, 100)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    return Chart(_svg(figure), f"Lijndiagram: {title}. {_describe(categories, series, '%')}")
