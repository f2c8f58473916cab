"""An answer to one question, as the engine, the scorer and storage share it."""

from __future__ import annotations

from dataclasses import dataclass

AnswerValue = int | str | tuple[str, ...]
"""A whole number (integer, money), an option value (single, yes/no) or option values (multiple)."""


@dataclass(frozen=True, slots=True)
class Answer:
    """What the kader recorded for one question; ``value`` is None exactly when refused."""

    question_id: str
    value: AnswerValue | None
    refused: bool = False

    def __post_init__(self) -> None:
        if self.refused != (self.value is None):
            raise ValueError("an answer is either refused (no value) or has a value")

    @classmethod
    def refusal(cls, question_id: str) -> Answer:
        """The answer "Tidak ingin menjawab"."""
        return cls(question_id, None, refused=True)
