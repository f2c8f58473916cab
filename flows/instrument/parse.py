"""Loading an instrument file: YAML text → :class:`Instrument`, or an :class:`InstrumentError`
whose issues name the file, the line, the path inside the file and the problem."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection

import yaml
from pydantic import ValidationError

from flows.instrument.checks import InstrumentChecks
from flows.instrument.errors import InstrumentError, Issue
from flows.instrument.model import Instrument


class _InstrumentLoader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false are booleans, so ``value: yes`` stays the string "yes"."""


_InstrumentLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_InstrumentLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def parse_instrument(text: str, source: str, agency_codes: Collection[str]) -> Instrument:
    """Validate the YAML ``text`` of an instrument; ``source`` names it in error messages."""
    try:
        raw = yaml.load(text, Loader=_InstrumentLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise InstrumentError(source, [Issue("", f"not valid YAML ({error})", line)]) from None
    if not isinstance(raw, dict):
        raise InstrumentError(source, [Issue("", "the file must hold a mapping (id, version, ...)")])
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    try:
        instrument = Instrument.model_validate({**raw, "content_hash": digest})
    except ValidationError as error:
        issues = [Issue(_dotted(item["loc"]), item["msg"]) for item in error.errors()]
        raise InstrumentError(source, _with_lines(text, issues)) from None
    issues = list(InstrumentChecks(instrument, agency_codes).run())
    if issues:
        raise InstrumentError(source, _with_lines(text, issues))
    return instrument


def _dotted(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _with_lines(text: str, issues: list[Issue]) -> list[Issue]:
    """Attach the line of the deepest YAML node each path reaches."""
    try:
        root = yaml.compose(text, Loader=_InstrumentLoader)
    except yaml.YAMLError:
        return issues
    return [Issue(issue.path, issue.message, _line_of(root, issue.path)) for issue in issues]


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _line_of(node: yaml.Node | None, path: str) -> int | None:
    line = node.start_mark.line + 1 if node else None
    for name, index in _PATH_PART.findall(path):
        child = None
        if isinstance(node, yaml.MappingNode) and name:
            child = next((value for key, value in node.value if key.value == name), None)
        elif isinstance(node, yaml.SequenceNode) and index and int(index) < len(node.value):
            child = node.value[int(index)]
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line
