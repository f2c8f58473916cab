"""Interface texts in several languages, and locale-aware formatting of numbers and money."""

from __future__ import annotations

import string
from collections.abc import Mapping

from babel.numbers import format_decimal

DEFAULT_LANGUAGE = "id"
_BABEL_LOCALES = {"id": "id_ID", "en": "en_US"}


class Catalog:
    """Message templates by language and key; every language must define the same keys."""

    def __init__(self, messages: Mapping[str, Mapping[str, str]]) -> None:
        if DEFAULT_LANGUAGE not in messages:
            raise ValueError(f"no texts for the default language {DEFAULT_LANGUAGE!r}")
        reference = set(messages[DEFAULT_LANGUAGE])
        for language, texts in messages.items():
            if set(texts) != reference:
                missing = sorted(reference - set(texts)) or sorted(set(texts) - reference)
                raise ValueError(f"language {language!r} differs from {DEFAULT_LANGUAGE!r} "
                                 f"in keys {', '.join(missing[:5])}")
            for key, template in texts.items():
                fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
                expected = {f for _, f, _, _ in string.Formatter().parse(
                    messages[DEFAULT_LANGUAGE][key]) if f}
                if fields != expected:
                    raise ValueError(f"{language}.{key} uses placeholders {sorted(fields)}, "
                                     f"expected {sorted(expected)}")
        self._messages = {lang: dict(texts) for lang, texts in messages.items()}

    @property
    def languages(self) -> list[str]:
        """The languages with texts, the default one first."""
        return sorted(self._messages, key=lambda language: language != DEFAULT_LANGUAGE)

    def text(self, language: str, key: str, **params: object) -> str:
        """The text of ``key`` in ``language`` (the default language when unknown)."""
        texts = self._messages.get(language, self._messages[DEFAULT_LANGUAGE])
        return texts[key].format(**params)


def format_number(value: int | float, language: str) -> str:
    """``1.500.000`` in Indonesian, ``1,500,000`` in English."""
    return format_decimal(value, locale=_BABEL_LOCALES.get(language, "id_ID"))


def format_rupiah(value: int, language: str) -> str:
    """``Rp 1.500.000``: Rupiah without cents, as people write it."""
    return f"Rp {format_number(value, language)}"
