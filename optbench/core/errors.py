"""Exceptions that carry a one-line message and the exit code the CLI should use.

Exit codes (documented in the README):

* 0 — the run finished and was reported, whatever its status;
* 1 — the run could not be carried out (:class:`RunError`, :class:`PluginError`);
* 2 — usage error: unknown name, malformed or out-of-range value (:class:`UsageError`);
* 130 — interrupted with Ctrl-C.
"""

from __future__ import annotations

import difflib
from typing import Iterable


class OptbenchError(Exception):
    """Base class: a message meant for the user, and an exit code."""

    exit_code = 1


class UsageError(OptbenchError, ValueError):
    """Bad input from the user: unknown names, malformed or out-of-range values."""

    exit_code = 2


class RunError(OptbenchError, RuntimeError):
    """The run could not be carried out (objective raised at x0, not finite, I/O)."""

    exit_code = 1


class PluginError(RunError, ValueError):
    """A problem or solver plugin is broken (syntax error, bad factory, bad objective): exit 1."""

    exit_code = 1


def unknown_name(kind: str, name: str, choices: Iterable[str], hint: str = "optbench list shows all") -> UsageError:
    """`problem 'rosenbrok' not found; did you mean 'rosenbrock'? (optbench list shows all)`."""
    choices = sorted(choices)
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
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
