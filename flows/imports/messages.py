"""An import plan explained in words: why a file is refused, why each row is rejected."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Final

from flows.i18n import Catalog, format_number
from flows.imports.plan import ImportPlan, Rejection

_FORMATTED: Final = frozenset({"max", "count"})


def _params(params: Mapping[str, str | int], language: str, html: bool) -> dict[str, str]:
    """Locale parameters as text: limits formatted for the language (row numbers stay plain),
    values from the file escaped for HTML."""
    return {name: format_number(value, language) if name in _FORMATTED and isinstance(value, int)
            else (escape(str(value)) if html else str(value))
            for name, value in params.items()}


def problem_lines(plan: ImportPlan, catalog: Catalog, language: str, *, html: bool = True) -> list[str]:
    """Why the whole file is refused, one line per problem (empty when it is not)."""
    return [catalog.text(language, p.key, **_params(p.params, language, html)) for p in plan.problems]


def rejection_line(rejection: Rejection, catalog: Catalog, language: str, *, html: bool = True) -> str:
    """One rejected row as a line: "Baris 7, kolom RT: harus angka 1–3 digit …"."""
    reason = catalog.text(language, rejection.key, **_params(rejection.params, language, html))
    if rejection.column is None:
        return catalog.text(language, "import_rejection_row", row=rejection.row, reason=reason)
    column = escape(rejection.column) if html else rejection.column
    return catalog.text(language, "import_rejection_line", row=rejection.row, column=column, reason=reason)


def rejection_lines(
    plan: ImportPlan, catalog: Catalog, language: str, limit: int | None = 30, *, html: bool = True
) -> list[str]:
    """The file's problems, then each rejection as one line (at most `limit`, then a count of the rest).

    Values from the file are HTML-escaped unless ``html`` is False (for a terminal).
    """
    lines = problem_lines(plan, catalog, language, html=html)
    shown = plan.rejected if limit is None else plan.rejected[:limit]
    lines += [rejection_line(r, catalog, language, html=html) for r in shown]
    rest = len(plan.rejected) - len(shown)
    if rest:
        lines.append(catalog.text(language, "import_more_rejections", count=format_number(rest, language)))
    return lines
