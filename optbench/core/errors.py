"""Exceptions that carry a one-line message and the exit code the CLI should use.

Exit codes (documented in the README):

* 0 — the run finished and was reported, whatever its status;
* 1 — the run could not be carried out (:class:`RunError`, :class:`PluginError`);
* 2 — usage error: unknown name, malformed or out-of-range value (:class:`UsageError`);
* 130 — interrupted with Ctrl-C.
"""

from __future__ import annotations

import difflib
from typing import Any, Iterable, Mapping, Optional


class OptbenchError(Exception):
    """Base class: a message meant for the user, an exit code, and structured fields.

    ``field`` names the setting at fault in library terms (``"jobs"``, ``"x0"``,
    ``"options"``), ``value`` the value given and ``allowed`` what would be accepted.
    The message may say ``{field}`` where it names that setting: ``str(error)`` reads
    it with the library's name (``jobs must be a positive integer, got 0``), and the
    CLI renders it with its flag (``--jobs must be …``) — the library never speaks CLI.
    """

    exit_code = 1

    def __init__(self, message: str = "", *, field: Optional[str] = None, value: Any = None,
                 allowed: Optional[str] = None):
        super().__init__(message)
        self.template = message
        self.field = field
        self.value = value
        self.allowed = allowed

    def render(self, names: Optional[Mapping[str, str]] = None) -> str:
        """The message, with ``{field}`` read through ``names`` (e.g. the CLI's flag names)."""
        if self.field is None:
            return self.template
        name = (names or {}).get(self.field) or _PLAIN.get(self.field, self.field)
        return self.template.replace("{field}", name)

    def __str__(self) -> str:
        return self.render()


#: how the library itself names the fields that are not one keyword
_PLAIN = {"params": "parameter", "options": "option", "methods": "methods", "at": "the point (at)", "ks": "ks"}


class UsageError(OptbenchError, ValueError):
    """Bad input from the user: unknown names, malformed or out-of-range values."""

    exit_code = 2


class RunError(OptbenchError, RuntimeError):
    """The run could not be carried out (objective raised at x0, not finite, I/O)."""

    exit_code = 1


class PluginError(RunError, ValueError):
    """A problem or solver plugin is broken (syntax error, bad factory, bad objective): exit 1."""

    exit_code = 1


def _fold(name: str) -> str:
    return "".join(c for c in str(name).casefold() if c not in "-_ ")


def closest(name: str, choices: Iterable[str]) -> list[str]:
    """The closest of ``choices`` to ``name`` (at most one), comparing without case, ``-`` or ``_``:
    ``scipy:lbfgsb`` → ``scipy:L-BFGS-B``."""
    by_fold: dict[str, str] = {}
    for c in choices:
        by_fold.setdefault(_fold(c), c)
    close = difflib.get_close_matches(_fold(name), list(by_fold), n=1, cutoff=0.6)
    return [by_fold[c] for c in close]


def resolve_name(name: str, choices: Iterable[str]) -> Optional[str]:
    """``name`` as spelled in ``choices``: exact, else the one choice equal to it ignoring case; else None."""
    choices = list(choices)
    if name in choices:
        return name
    folded = [c for c in choices if c.casefold() == str(name).casefold()]
    return folded[0] if len(folded) == 1 else None


def unknown_name(kind: str, name: str, choices: Iterable[str], hint: str = "optbench list shows all") -> UsageError:
    """`problem 'rosenbrok' not found; did you mean 'rosenbrock'? (optbench list shows all)`."""
    choices = sorted(choices)
    close = closest(name, choices)
    msg = f"{kind} '{name}' not found"
    if close:
        msg += f"; did you mean '{close[0]}'?"
    if choices:
        shown = ", ".join(choices) if len(choices) <= 12 else ", ".join(choices[:12]) + ", ..."
        msg += f" (choices: {shown}"
        msg += f"; {hint})" if hint else ")"
    elif hint:
        msg += f" ({hint})"
    return UsageError(msg)
