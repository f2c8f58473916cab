"""The agency digest's chart: horizontal bars per kelurahan as a PNG (matplotlib, imported when drawn)."""

from __future__ import annotations

import textwrap
from typing import Final

from flows.i18n import Catalog
from reports.charts import png, pyplot
from reports.digest.figures import AgencyFigures
from reports.digest.format import Texts, format_share

_COLOURS: Final = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                   "#7f7f7f", "#bcbd22", "#17becf")
_CITY_COLOUR: Final = "#404040"
_NEED_COLOUR: Final = "#c55a11"


def digest_chart(figures: AgencyFigures, catalog: Catalog, language: str, agency_name: str, *,
                 by_indicator: bool | None = None) -> bytes:
    """Horizontal bars per kelurahan (the city first) as a PNG: the share failing each indicator
    (``by_indicator``; default when the agency has at most 3), else the share needing the agency.
    Pure and CPU-bound: run it off the event loop (``asyncio.to_thread``)."""
    t = Texts(catalog, language)
    areas = (figures.city, *figures.areas)
    if not figures.indicators or figures.city.surveyed_total == 0:
        return _empty_chart(t.raw("agency_digest_chart_empty"), agency_name)
    per_indicator = len(figures.indicators) <= 3 if by_indicator is None else by_indicator
    if per_indicator:
        series = [(f"{i.code} {shorten(i.label(language), 40)}", _COLOURS[k % len(_COLOURS)],
                   [area.share(k) for area in areas]) for k, i in enumerate(figures.indicators)]
        title = t.raw("agency_digest_chart_title", agency=agency_name)
    else:
        series = [(t.raw("agency_digest_chart_need"), _NEED_COLOUR, [area.need_share for area in areas])]
        title = t.raw("agency_digest_chart_title_need", agency=agency_name)
    names = [t.raw("agency_digest_city"), *(area.name for area in figures.areas)]
    return _bars(names, series, title, t.raw("agency_digest_chart_axis"), language)


def _bars(names: list[str], series: list[tuple[str, str, list[float | None]]], title: str, axis: str,
          language: str) -> bytes:
    """Grouped horizontal bars, value labels at their ends, as a PNG."""
    import numpy as np

    plt = pyplot()
    groups, width = len(names), 0.8 / len(series)
    figure, axes = plt.subplots(figsize=(7.5, max(3.0, 0.3 * groups * len(series) + 0.25 * groups + 1.8)),
                                dpi=130)
    try:
        top = max([v for _, _, values in series for v in values if v is not None] or [0.0])
        for k, (label, colour, values) in enumerate(series):
            rows = np.arange(groups) + (k - (len(series) - 1) / 2) * width
            heights = [100.0 * v if v is not None else 0.0 for v in values]
            bars = axes.barh(rows, heights, height=width * 0.9, color=colour, label=label)
            bars[0].set_color(_CITY_COLOUR if len(series) == 1 else colour)
            for bar, value in zip(bars, values, strict=True):
                middle = bar.get_y() + bar.get_height() / 2
                axes.annotate(format_share(value, language), (bar.get_width(), middle), xytext=(3, 0),
                              textcoords="offset points", va="center", fontsize=9)
        axes.set_yticks(np.arange(groups), labels=[shorten(n, 28) for n in names], fontsize=10)
        axes.get_yticklabels()[0].set_fontweight("bold")
        axes.invert_yaxis()
        axes.set_xlim(0, min(100.0, max(10.0, 100.0 * top * 1.25)))
        axes.set_xlabel(axis, fontsize=10)
        axes.set_title("\n".join(textwrap.wrap(title, 55)), fontsize=12)
        if len(series) > 1:
            axes.legend(loc="upper left", bbox_to_anchor=(0.0, -0.1), fontsize=9, frameon=False)
        axes.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
        return png(figure, bbox_inches="tight", pad_inches=0.2)
    finally:
        plt.close(figure)


def _empty_chart(message: str, agency_name: str) -> bytes:
    """A small picture saying there is nothing to show yet."""
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(6, 2.5), dpi=110)
    try:
        axes.axis("off")
        axes.text(0.5, 0.6, "\n".join(textwrap.wrap(agency_name, 50)), ha="center", va="center",
                  fontsize=11, fontweight="bold")
        axes.text(0.5, 0.25, message, ha="center", va="center", fontsize=11)
        return png(figure, bbox_inches="tight", pad_inches=0.2)
    finally:
        plt.close(figure)


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
