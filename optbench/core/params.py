"""Typed parameters read from signatures: problem factories and solver dataclasses.

A parameter is declared once, as a keyword argument with a type annotation and a
default. The command line passes strings (``-p n=1000``); :func:`parse_value`
turns them into the declared type, with a one-line error naming the value.
"""

from __future__ import annotations

import inspect
import math
import typing
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from .errors import UsageError, unknown_name

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


@dataclass(frozen=True)
class Param:
    """One declared parameter: its name, annotation and default."""

    name: str
    annotation: Any
    default: Any
    doc: str = ""

    @property
    def type_name(self) -> str:
        return type_name(self.annotation)


def type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is Literal:
        return "|".join(str(a) for a in get_args(annotation))
    if origin is typing.Union or str(origin) == "types.UnionType":
        args = [a for a in get_args(annotation) if a is not type(None)]
        return " | ".join(type_name(a) for a in args) + " | none"
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation)


def signature_params(func: Any) -> list[Param]:
    """Keyword parameters of a factory, with their resolved annotations."""
    try:
        hints = typing.get_type_hints(func)
    except Exception:  # unresolvable annotations: fall back to the raw ones
        hints = {}
    params = []
    for p in inspect.signature(func).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        ann = hints.get(p.name, p.annotation)
        default = None if p.default is inspect.Parameter.empty else p.default
        if ann is inspect.Parameter.empty:
            ann = type(default) if default is not None else str
        params.append(Param(p.name, ann, default))
    return params


def parse_value(text: Any, annotation: Any, where: str) -> Any:
    """Parse ``text`` into ``annotation``; ``where`` names it in errors ("rosenbrock parameter 'n'")."""
    if not isinstance(text, str):
        return check_value(text, annotation, where)
    s = text.strip()
    origin = get_origin(annotation)
    if origin is Literal:
        choices = [str(a) for a in get_args(annotation)]
        for a in get_args(annotation):
            if str(a) == s:
                return a
        close = unknown_name("value", s, choices, hint="")
        raise UsageError(f"{where} must be one of {', '.join(choices)}, got '{s}'" + _did_you_mean(close))
    if origin is typing.Union or str(origin) == "types.UnionType":
        args = get_args(annotation)
        if type(None) in args and s.lower() in {"none", "null", ""}:
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return parse_value(s, a, where)
            except UsageError as e:
                errors.append(e)
        raise errors[0] if errors else UsageError(f"{where}: cannot parse '{s}'")
    if annotation is bool:
        if s.lower() in _TRUE:
            return True
        if s.lower() in _FALSE:
            return False
        raise UsageError(f"{where} must be true or false, got '{s}'")
    if annotation is int:
        try:
            return int(s)
        except ValueError:
            pass
        try:
            v = float(s)
        except ValueError:
            raise UsageError(f"{where} must be an integer, got '{s}'") from None
        if math.isfinite(v) and v.is_integer():
            return int(v)
        raise UsageError(f"{where} must be an integer, got '{s}'")
    if annotation is float:
        try:
            return float(s)
        except ValueError:
            raise UsageError(f"{where} must be a number, got '{s}'") from None
    if annotation is str or annotation is Any:
        return s
    raise UsageError(f"{where}: unsupported parameter type {type_name(annotation)}")


def _did_you_mean(err: UsageError) -> str:
    msg = str(err)
    i = msg.find("; did you mean")
    if i < 0:
        return ""
    j = msg.find("?", i)
    return msg[i : j + 1]


def check_value(value: Any, annotation: Any, where: str) -> Any:
    """Check (and gently coerce) a Python value given through the API."""
    origin = get_origin(annotation)
    if origin is Literal:
        if value in get_args(annotation):
            return value
        choices = ", ".join(str(a) for a in get_args(annotation))
        raise UsageError(f"{where} must be one of {choices}, got {value!r}")
    if origin is typing.Union or str(origin) == "types.UnionType":
        args = get_args(annotation)
        if value is None and type(None) in args:
            return None
        for a in args:
            if a is type(None):
                continue
            try:
                return check_value(value, a, where)
            except UsageError:
                continue
        raise UsageError(f"{where} must be {type_name(annotation)}, got {value!r}")
    if annotation is bool:
        if isinstance(value, bool):
            return value
        raise UsageError(f"{where} must be true or false, got {value!r}")
    if annotation is int:
        if isinstance(value, bool):
            raise UsageError(f"{where} must be an integer, got {value!r}")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            return int(value)
        if hasattr(value, "__index__"):
            return int(value)
        raise UsageError(f"{where} must be an integer, got {value!r}")
    if annotation is float:
        if isinstance(value, bool):
            raise UsageError(f"{where} must be a number, got {value!r}")
        try:
            return float(value)
        except (TypeError, ValueError):
            raise UsageError(f"{where} must be a number, got {value!r}") from None
    return value


def parse_assignments(items: list[str] | None, what: str) -> dict[str, str]:
    """``["n=10", "a=2"]`` → ``{"n": "10", "a": "2"}``; ``what`` is the option name for errors."""
    out: dict[str, str] = {}
    for item in items or []:
        if "=" not in item:
            raise UsageError(f"{what} expects key=value, got '{item}'")
        key, value = item.split("=", 1)
        key = key.strip()
        if not key:
            raise UsageError(f"{what} expects key=value, got '{item}'")
        out[key] = value
    return out


def bind(params: list[Param], given: dict[str, Any], owner: str, kind: str) -> dict[str, Any]:
    """Resolve ``given`` (strings or values) against declared ``params``; unknown names are errors."""
    by_name = {p.name: p for p in params}
    out = {}
    for key, value in given.items():
        if key not in by_name:
            err = unknown_name(f"{owner} {kind}", key, by_name, hint=f"optbench list {owner} shows them")
            raise UsageError(str(err))
        p = by_name[key]
        out[key] = parse_value(value, p.annotation, f"{owner} {kind} '{key}'")
    return out
