"""A pydantic validation failure as the error an integrator reads: the field's path
(``roster[2]``), a stable ``Problem`` and its parameters, so the message can say, in
Vietnamese or English, which field is wrong and how.

Pure: it reads pydantic's error list (plain dicts) and knows nothing of HTTP or WebSocket.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from bridge.signaling.errors import ErrorCode, Params, Problem, SignalingError

# pydantic's error type → (problem, the JSON type it wanted, for ``wrong_type``).
_TYPE_ERRORS: dict[str, str] = {
    "string_type": "string",
    "string_unicode": "string",
    "int_type": "integer",
    "int_parsing": "integer",
    "int_from_float": "integer",
    "float_type": "number",
    "float_parsing": "number",
    "finite_number": "number",
    "bool_type": "boolean",
    "bool_parsing": "boolean",
    "list_type": "array",
    "dict_type": "object",
    "model_type": "object",
    "model_attributes_type": "object",
    "none_required": "null",
}
_BOUNDS: dict[str, tuple[Problem, str, bool]] = {
    "greater_than_equal": (Problem.TOO_SMALL, "ge", False),
    "greater_than": (Problem.TOO_SMALL, "gt", True),
    "less_than_equal": (Problem.TOO_LARGE, "le", False),
    "less_than": (Problem.TOO_LARGE, "lt", True),
}
_LENGTHS: dict[str, tuple[Problem, str, str]] = {
    "string_too_short": (Problem.TOO_SHORT, "min_length", "characters"),
    "string_too_long": (Problem.TOO_LONG, "max_length", "characters"),
    "too_short": (Problem.TOO_SHORT, "min_length", "items"),
    "too_long": (Problem.TOO_LONG, "max_length", "items"),
}


def field_path(loc: Sequence[int | str], model: type[BaseModel] | None = None) -> str | None:
    """``("roster", 2)`` → ``roster[2]``; ``("a", "b")`` → ``a.b``; None for the whole.

    With the ``model`` validated against, a part past a field that holds no model is left
    out: it is the name pydantic gives a member of a plain union (``id`` is a string or an
    integer: ``("id", "constrained-str")`` → ``id``)."""
    path = ""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
            current = _item_type(current)
            continue
        if model is not None:
            fields = _fields_of(current)
            if fields is None:
                continue  # past a scalar field: the name of one of its union's members
            current = fields[part].annotation if part in fields else None
        part = part or '""'  # a key that is the empty string (an unknown field), named
        path += f".{part}" if path else str(part)
    return path or None


def _fields_of(annotation: Any) -> dict[str, Any] | None:
    """The fields of the model ``annotation`` is (or holds, as ``X | None``)."""
    for kind in (annotation, *get_args(annotation)):
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            return dict(kind.model_fields)
    return None


def _item_type(annotation: Any) -> Any:
    for kind in (annotation, *get_args(annotation)):
        if get_origin(kind) in (list, tuple) and get_args(kind):
            return get_args(kind)[0]
    return None


def _choices(expected: str) -> list[str]:
    """pydantic's ``"'a', 'b' or 'c'"`` → ``["a", "b", "c"]``."""
    return re.findall(r"'((?:[^'\\]|\\.)*)'", expected) or [expected]


def problem_of(error: Mapping[str, Any]) -> tuple[Problem, Params]:
    """One of pydantic's errors as a ``Problem`` and what the message needs to say it."""
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind == "missing":
        return Problem.MISSING, {}
    if kind == "extra_forbidden":
        return Problem.UNKNOWN_FIELD, {}
    if kind in _TYPE_ERRORS:
        return Problem.WRONG_TYPE, {"expected": _TYPE_ERRORS[kind]}
    if kind in _BOUNDS:
        problem, key, exclusive = _BOUNDS[kind]
        return problem, {"limit": ctx.get(key), "exclusive": exclusive}
    if kind in _LENGTHS:
        problem, key, unit = _LENGTHS[kind]
        return problem, {"limit": ctx.get(key), "unit": unit}
    if kind in ("literal_error", "enum"):
        return Problem.NOT_ALLOWED, {"choices": _choices(str(ctx.get("expected", "")))}
    return Problem.INVALID, {}


def invalid(
    exc: ValidationError,
    code: ErrorCode = ErrorCode.INVALID_INPUT,
    model: type[BaseModel] | None = None,
) -> SignalingError:
    """The first of the failure's errors as a ``SignalingError`` naming field and problem
    (``model``: the one validated against, see ``field_path``); every error (up to five)
    is kept in ``detail``, for the log."""
    errors = exc.errors()
    detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors[:5])
    if not errors:
        return SignalingError(code, detail)
    first = errors[0]
    problem, params = problem_of(first)
    field = field_path(first["loc"], model)
    if field is None:
        return SignalingError(code, detail)
    if problem is Problem.WRONG_TYPE:
        # A union's members each fail: the field wanted any of their types.
        wanted = [
            kind["expected"]
            for e in errors
            if field_path(e["loc"], model) == field
            for p, kind in [problem_of(e)]
            if p is Problem.WRONG_TYPE
        ]
        params = {"expected": "|".join(dict.fromkeys(wanted))}
    return SignalingError(code, detail, field=field, problem=problem, params=params)
