"""Small chart pictures for chat messages (matplotlib without a screen, imported when first drawn)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from types import ModuleType
from typing import Any


def pyplot() -> ModuleType:
    """``matplotlib.pyplot`` on the Agg backend (no screen), imported on first use."""
    import matplotlib

    matplotlib.use("Agg")  # the backend must be chosen before pyplot is imported
    import matplotlib.pyplot as plt

    return plt


def png(figure: Any, **options: Any) -> bytes:
    """A matplotlib figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", **options)
    return buffer.getvalue()


def progress_chart(areas: Sequence[str], assigned: Sequence[int], started: Sequence[int],
                   submitted: Sequence[int], *, title: str, labels: tuple[str, str, str]) -> bytes:
    """Horizontal bars per area: households assigned, started and submitted, as a PNG."""
    plt = pyplot()
    height = max(2.5, 0.45 * len(areas) + 1.2)
    figure, axes = plt.subplots(figsize=(7, height), dpi=110)
    try:
        rows = range(len(areas))
        axes.barh(rows, assigned, color="#d9d9d9", label=labels[0])
        axes.barh(rows, started, color="#f4b183", label=labels[1])
        axes.barh(rows, submitted, color="#548235", label=labels[2])
        axes.set_yticks(list(rows), labels=list(areas))
        axes.invert_yaxis()
        axes.set_title(title)
        axes.legend(loc="lower right", fontsize="small")
        axes.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
        return png(figure)
    finally:
        plt.close(figure)
