"""The funnel as a PNG bar chart. Uses matplotlib's object-oriented API with the Agg canvas (no
pyplot, no global state), so it is safe to run in a worker thread: :func:`chart_png` does, one
chart at a time."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass

from bot.staff_stats.render import percent, period_text
from bot.staff_stats.shown import StaffFigures

WIDTH_PX, HEIGHT_PX, DPI = 800, 450, 100
BAR_COLOUR = "#5865F2"
HIDDEN_COLOUR = "#888888"
HIDDEN_NOTE = "hidden (fewer than 10 students)"
CHART_LOCK = asyncio.Lock()  # drawing is CPU work: off the event loop, one chart at a time


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int | None  # None: hidden by the disclosure rule (no bar is drawn)
    note: str  # the text beside the bar


def funnel_bars(figures: StaffFigures) -> list[Bar]:
    """What the chart draws, top to bottom: only figures the disclosure rule lets through."""
    bars: list[Bar] = []
    for step in figures.funnel:
        label = step.stage.label.capitalize()
        if step.reached is None:
            bars.append(Bar(label, None, HIDDEN_NOTE))
            continue
        note = str(step.reached)
        if step.conversion is not None:
            note += f"  ({percent(step.conversion)} of the step before)"
        bars.append(Bar(label, step.reached, note))
    return bars


def funnel_chart_png(figures: StaffFigures) -> bytes:
    """An 800×450 PNG of the funnel; hidden steps have no bar, only the word "hidden"."""
    bars = funnel_bars(figures)
    # Imported here: matplotlib costs ~1 s and ~45 MiB, only worth paying when a chart is drawn.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.ticker import MaxNLocator

    figure = MplFigure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(bars)))[::-1]  # the first step at the top
    largest = max((bar.value for bar in bars if bar.value is not None), default=0)
    span = max(largest, 1)
    for y, bar in zip(positions, bars, strict=True):
        if bar.value is None:
            axes.text(span * 0.01, y, bar.note, va="center", color=HIDDEN_COLOUR, style="italic")
            continue
        axes.barh(y, bar.value, color=BAR_COLOUR, height=0.6)
        axes.text(bar.value + span * 0.01, y, bar.note, va="center")
    axes.set_yticks(positions, [bar.label for bar in bars])
    axes.set_xlim(0, span * 1.45)
    axes.set_ylim(-0.6, len(bars) - 0.4)
    axes.set_xlabel("Contacts that got this far")
    locator = axes.xaxis.get_major_locator()  # the default AutoLocator, a MaxNLocator
    if isinstance(locator, MaxNLocator):
        locator.set_params(integer=True)
    if largest == 0:
        axes.set_xticks([])
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    title = f"Funnel: requested → replied → met → thanked\n{period_text(figures)}"
    axes.set_title(title, fontsize=11)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


async def chart_png(figures: StaffFigures) -> bytes:
    """:func:`funnel_chart_png` in a worker thread, one chart at a time."""
    async with CHART_LOCK:
        return await asyncio.to_thread(funnel_chart_png, figures)
