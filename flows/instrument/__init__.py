"""The questionnaire as data: pydantic models, and the checks a loaded file must pass.

An instrument file (``instruments/*.yaml``) holds dimensions → variables → indicators →
questions → options, each text in every language the file declares, the scoring rule of every
indicator, the agencies responsible for it, and the rubric. ``parse_instrument`` turns the text
of such a file into an :class:`Instrument`, or raises :class:`InstrumentError` whose issues name
the file, the line, the path inside the file and the problem.
"""

from flows.instrument.checks import CALLBACK_LIMIT, LONGEST_CALLBACK, MAX_OPTIONS
from flows.instrument.errors import InstrumentError, Issue
from flows.instrument.model import (
    CHOICE_TYPES,
    NUMBER_TYPES,
    Code,
    Dimension,
    Identifier,
    Indicator,
    Instrument,
    Option,
    Question,
    QuestionType,
    ScoreRule,
    ScoreValue,
    Text,
    Variable,
    as_indicator_score,
    option_score,
)
from flows.instrument.parse import parse_instrument

__all__ = [
    "CALLBACK_LIMIT", "CHOICE_TYPES", "LONGEST_CALLBACK", "MAX_OPTIONS", "NUMBER_TYPES", "Code",
    "Dimension", "Identifier", "Indicator", "Instrument", "InstrumentError", "Issue", "Option", "Question",
    "QuestionType", "ScoreRule", "ScoreValue", "Text", "Variable", "as_indicator_score", "option_score",
    "parse_instrument",
]
