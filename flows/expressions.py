"""Small, safe expressions for relevance, constraints and scoring rules.

An instrument writes conditions such as ``children_0_17 > 0`` or
``income / members > poverty_line``. They are parsed once with :mod:`ast`, checked
against a short list of allowed constructs, and evaluated by a tiny interpreter:
nothing is ever handed to ``eval``.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


class ExpressionError(ValueError):
    """The text is not an expression this module accepts."""


class EvaluationError(ValueError):
    """The expression could not be evaluated (a missing answer, a division by zero...)."""


_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda left, right: left in right,
    ast.NotIn: lambda left, right: left not in right,
}
_ARITHMETIC: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


@dataclass(frozen=True, slots=True)
class Expression:
    """A parsed condition; ``names`` are the answers and parameters it reads."""

    source: str
    tree: ast.expr
    names: frozenset[str]

    @classmethod
    def parse(cls, source: str) -> Expression:
        """Parse and check ``source``; raise ExpressionError naming what is not allowed."""
        try:
            tree = ast.parse(source.strip(), mode="eval").body
        except SyntaxError as error:
            raise ExpressionError(f"not a valid expression: {source!r}") from error
        names: set[str] = set()
        for node in ast.walk(tree):
            _check_node(node)
            if isinstance(node, ast.Name):
                names.add(node.id)
        return cls(source, tree, frozenset(names))

    def evaluate(self, env: Mapping[str, object]) -> object:
        """Evaluate against ``env``; raise EvaluationError when it cannot be decided."""
        try:
            return _evaluate(self.tree, env)
        except (TypeError, ZeroDivisionError, KeyError) as error:
            raise EvaluationError(str(error)) from error

    def holds(self, env: Mapping[str, object]) -> bool:
        """True only when the expression evaluates to a true value."""
        try:
            return bool(self.evaluate(env))
        except EvaluationError:
            return False


_ALLOWED = (
    ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.Compare, ast.BinOp,
    ast.Name, ast.Load, ast.Constant, ast.Tuple, ast.List,
    *_COMPARE, *_ARITHMETIC,
)


def _check_node(node: ast.AST) -> None:
    if not isinstance(node, _ALLOWED):
        raise ExpressionError(f"{type(node).__name__} is not allowed in an expression")
    if isinstance(node, ast.Constant) and not isinstance(node.value, int | float | str):
        raise ExpressionError(f"constant {node.value!r} is not allowed")


def _evaluate(node: ast.expr, env: Mapping[str, object]) -> Any:
    match node:
        case ast.Constant(value=value):
            return value
        case ast.Name(id=name):
            value = env[name]
            if value is None:
                raise EvaluationError(f"{name} has no value")
            return value
        case ast.Tuple(elts=items) | ast.List(elts=items):
            return tuple(_evaluate(item, env) for item in items)
        case ast.UnaryOp(op=ast.Not(), operand=operand):
            return not _evaluate(operand, env)
        case ast.UnaryOp(op=ast.USub(), operand=operand):
            return -_evaluate(operand, env)
        case ast.BoolOp(op=ast.And(), values=values):
            return all(_truthy(value, env) for value in values)
        case ast.BoolOp(op=ast.Or(), values=values):
            return any(_truthy(value, env) for value in values)
        case ast.BinOp(left=left, op=op, right=right):
            return _ARITHMETIC[type(op)](_evaluate(left, env), _evaluate(right, env))
        case ast.Compare(left=left, ops=ops, comparators=comparators):
            current = _evaluate(left, env)
            for op, comparator in zip(ops, comparators, strict=True):
                following = _evaluate(comparator, env)
                if not _COMPARE[type(op)](current, following):
                    return False
                current = following
            return True
    raise ExpressionError(f"cannot evaluate {type(node).__name__}")


def _truthy(node: ast.expr, env: Mapping[str, object]) -> bool:
    """One operand of and/or: an undecidable operand counts as false, so that
    ``a == 'yes' or b == 'yes'`` is decided by ``a`` even when ``b`` was refused."""
    try:
        return bool(_evaluate(node, env))
    except (EvaluationError, TypeError, ZeroDivisionError):
        return False
