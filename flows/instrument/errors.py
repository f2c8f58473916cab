"""What is wrong with an instrument file: :class:`Issue` and :class:`InstrumentError`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in an instrument file."""

    path: str
    message: str
    line: int | None = None


class InstrumentError(ValueError):
    """An instrument file that cannot be used; ``issues`` lists every problem found."""

    def __init__(self, source: str, issues: list[Issue]) -> None:
        self.source = source
        self.issues = issues
        super().__init__(self.describe(issues[0]) if issues else source)

    def describe(self, issue: Issue) -> str:
        """``file:line: path: problem``, the form editors and terminals understand."""
        where = f"{self.source}:{issue.line}" if issue.line else self.source
        return f"{where}: {issue.path or '(top)'}: {issue.message}"

    def lines(self) -> list[str]:
        """Every issue, one line each."""
        return [self.describe(issue) for issue in self.issues]
