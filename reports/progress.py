"""The survey's progress as text: per kelurahan and kader, for /progress and the admin digest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from babel.numbers import format_decimal

from flows.i18n import Catalog

if TYPE_CHECKING:
    from storage.records import ProgressRow


@dataclass(frozen=True, slots=True)
class AreaTotals:
    """One kelurahan's households: assigned, started, submitted."""

    kelurahan: str
    assigned: int
    started: int
    submitted: int


def progress_lines(rows: Sequence[ProgressRow], catalog: Catalog, language: str,
                   survey_round: str) -> tuple[list[str], list[AreaTotals]]:
    """Telegram HTML lines (a title, then each kelurahan with its kader) and the totals per area."""
    def t(key: str, **params: object) -> str:
        return catalog.text(language, key, **params)

    def mean(value: float | None) -> str:
        if value is None:
            return ""
        locale = "id_ID" if language == "id" else "en_US"
        return t("progress_mean", index=format_decimal(value, format="#,##0.0", locale=locale))

    lines = [t("progress_title", round=escape(survey_round))]
    totals: list[AreaTotals] = []
    for kelurahan in dict.fromkeys(row.kelurahan for row in rows):
        group = [row for row in rows if row.kelurahan == kelurahan]
        area = AreaTotals(kelurahan, sum(r.assigned for r in group), sum(r.started for r in group),
                          sum(r.submitted for r in group))
        totals.append(area)
        weighted = [(r.mean_index, r.submitted) for r in group if r.mean_index is not None]
        weight = sum(n for _, n in weighted)
        area_mean = sum(m * n for m, n in weighted) / weight if weight else None
        lines += ["", t("progress_kelurahan", kelurahan=escape(kelurahan), assigned=area.assigned,
                        started=area.started, submitted=area.submitted, mean=mean(area_mean))]
        for row in group:
            lines.append(t("progress_kader", kader=escape(row.kader_name or t("progress_unassigned")),
                           assigned=row.assigned, started=row.started, submitted=row.submitted,
                           mean=mean(row.mean_index)))
    return lines, totals
