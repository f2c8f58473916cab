"""Small chart pictures for chat messages (matplotlib without a screen)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)


def progress_chart(areas: Sequence[str], assigned: Sequence[int], started: Sequence[int],
                   submitted: Sequence[int], *, title: str, labels: tuple[str, str, str]) -> bytes:
    """Horizontal bars per area: households assigned, started and submitted, as a PNG."""
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
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
