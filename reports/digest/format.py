"""Numbers, dates and catalogue texts as the digests show them (Indonesian or English)."""

from __future__ import annotations

import html
from datetime import datetime

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from flows.i18n import Catalog, format_number


def locale_of(language: str) -> str:
    """Babel's locale for an interface language."""
    return "en_US" if language == "en" else "id_ID"


def format_share(value: float | None, language: str) -> str:
    """``12,5%`` (Indonesian) or ``12.5%``; ``–`` for no value."""
    return "–" if value is None else format_percent(value, format="#,##0.0%", locale=locale_of(language))


def format_points(value: float | None, language: str) -> str:
    """A signed change with one decimal: ``+3,0``, ``-1,2``, ``0,0``; ``–`` for no value."""
    if value is None:
        return "–"
    if round(value, 1) == 0:
        return format_decimal(0, format="0.0", locale=locale_of(language))
    return format_decimal(value, format="+#,##0.0;-#,##0.0", locale=locale_of(language))


def format_change(value: int, language: str) -> str:
    """A signed count: ``+12``, ``-3``, ``0``."""
    return format_decimal(value, format="+#,##0;-#,##0", locale=locale_of(language)) if value else "0"


def format_index(value: float | None, language: str) -> str:
    """An index value with one decimal: ``63,3``; ``–`` for no value."""
    return "–" if value is None else format_decimal(value, format="#,##0.0", locale=locale_of(language))


def format_day(moment: datetime, language: str) -> str:
    """``7 Desember 2026``."""
    return format_date(moment.date(), format="d MMMM y", locale=locale_of(language))


class Html(str):
    """Text that is already Telegram HTML: inserted into a template as it is."""


class Texts:
    """Catalog texts in one language; string parameters are HTML-escaped unless already HTML."""

    def __init__(self, catalog: Catalog, language: str) -> None:
        self.catalog = catalog
        self.language = language

    def __call__(self, key: str, **params: object) -> Html:
        """The text of ``key`` as HTML, its plain string parameters escaped."""
        safe = {k: v if isinstance(v, Html) or not isinstance(v, str) else html.escape(v, quote=False)
                for k, v in params.items()}
        return Html(self.catalog.text(self.language, key, **safe))

    def raw(self, key: str, **params: object) -> str:
        """The text of ``key`` for places that are not HTML (charts, workbooks)."""
        return self.catalog.text(self.language, key, **params)

    def count(self, value: int) -> str:
        """A count as people read it."""
        return format_number(value, self.language)
