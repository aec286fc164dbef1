"""Typed parameters read from signatures: problem factories and solver dataclasses.

A parameter is declared once, as a keyword argument with a type annotation and a
default. The command line passes strings (``-p n=1000``); :func:`parse_value`
turns them into the declared type, with a one-line error naming the value.
"""

from __future__ import annotations

import functools
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


def sequence_item(annotation: Any) -> Any:
    """``int`` for ``tuple[int, ...]`` or ``list[int]`` (``float`` likewise); ``None`` for any other annotation.

    Such a list-valued parameter is written ``32x16`` on the command line: sizes joined by
    ``x`` (also ``32,16`` where a whole value is read, as in ``solve``; in ``compare`` grids a
    comma separates values, so ``hidden=32x16,64`` is two lists). One number is a list of
    one; an empty value is the empty list.
    """
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is list and len(args) == 1:
        item = args[0]
    elif origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = args[0]
    else:
        return None
    return item if item in (int, float) else None


def cli_text(value: Any) -> str:
    """A parameter value as the command line writes it: ``(32, 16)`` → ``32x16``."""
    if isinstance(value, (list, tuple)):
        return "x".join(cli_text(v) for v in value)
    return str(value)


def type_name(annotation: Any) -> str:
    item = sequence_item(annotation)
    if item is not None:
        return f"{item.__name__} list (AxB)"
    origin = get_origin(annotation)
    if origin is Literal:
        return "|".join(str(a) for a in get_args(annotation))
    if origin is typing.Union or str(origin) == "types.UnionType":
        args = [a for a in get_args(annotation) if a is not type(None)]
        return " | ".join(type_name(a) for a in args) + " | none"
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation)


def _resolved_hints(obj: Any) -> dict:
    try:
        return typing.get_type_hints(obj)
    except Exception:  # unresolvable annotations: fall back to the raw ones
        return {}


_cached_hints = functools.lru_cache(maxsize=1024)(_resolved_hints)


def type_hints(obj: Any) -> dict:
    """``typing.get_type_hints(obj)``, resolved once per class or function (it costs ~0.5 ms a call,
    more than a whole small solve's iteration; an unhashable callable is resolved each time);
    ``{}`` when annotations cannot be resolved."""
    try:
        return _cached_hints(obj)
    except TypeError:  # unhashable
        return _resolved_hints(obj)


def signature_params(func: Any) -> list[Param]:
    """Keyword parameters of a factory, with their resolved annotations."""
    hints = type_hints(func)
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
    item = sequence_item(annotation)
    if item is not None:
        return _parse_sequence(s, item, where)
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


def _parse_sequence(s: str, item: type, where: str) -> tuple:
    """``"32x16"`` (or ``"32,16"``) → ``(32, 16)``; ``""`` → ``()``; one-line errors name the bad part."""
    if not s:
        return ()
    parts = [p.strip() for p in s.lower().replace(",", "x").split("x")]
    kind = "integers" if item is int else "numbers"
    if any(p == "" for p in parts):
        raise UsageError(f"{where} must be {kind} joined by x, like 32x16; got '{s}' (an empty entry)")
    out = []
    for p in parts:
        try:
            out.append(parse_value(p, item, where))
        except UsageError:
            raise UsageError(f"{where} must be {kind} joined by x, like 32x16; got '{s}' ('{p}' is not "
                             f"{'an integer' if item is int else 'a number'})") from None
    return tuple(out)


def _did_you_mean(err: UsageError) -> str:
    msg = str(err)
    i = msg.find("; did you mean")
    if i < 0:
        return ""
    j = msg.find("?", i)
    return msg[i : j + 1]


def check_value(value: Any, annotation: Any, where: str) -> Any:
    """Check (and gently coerce) a Python value given through the API."""
    item = sequence_item(annotation)
    if item is not None:
        if isinstance(value, (list, tuple)):
            return tuple(check_value(v, item, where) for v in value)
        return (check_value(value, item, where),)
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
    """``["n=10", "a=2"]`` → ``{"n": "10", "a": "2"}``; ``what`` is the option name for errors.

    For commands that run one instance (``solve``, ``check``, ``memory``): repeated flags with
    different keys accumulate; the same key twice with another value is refused (one run
    cannot take two values — ``optbench compare`` takes grids), never silently dropped.
    """
    out: dict[str, str] = {}
    for item in items or []:
        if "=" not in item:
            raise UsageError(f"{what} expects key=value, got '{item}'")
        key, value = item.split("=", 1)
        key = key.strip()
        if not key:
            raise UsageError(f"{what} expects key=value, got '{item}'")
        if key in out and out[key].strip() != value.strip():
            raise UsageError(f"{what} {key} is given twice ({key}={out[key]} and {key}={value}); this command runs "
                             f"one instance, so give {key} once (optbench compare takes grids: {key}=a,b)")
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
