"""Run statuses: a named ``str`` enum with a human description; never a bare integer."""

from __future__ import annotations

from enum import Enum


class Status(str, Enum):
    """How a run ended. ``success`` is true only when a requested stopping test holds at x."""

    CONVERGED = "converged"
    FTOL = "ftol"
    XTOL = "xtol"
    MAX_ITER = "max_iter"
    MAX_EVALS = "max_evals"
    MAX_TIME = "max_time"
    LINE_SEARCH_FAILED = "line_search_failed"
    NONFINITE = "nonfinite"
    UNBOUNDED = "unbounded"
    SOLVER_FAILED = "solver_failed"
    ERROR = "error"
    CRASHED = "crashed"
    INTERRUPTED = "interrupted"
    STOPPED = "stopped"
    NOT_RUN = "not_run"

    def __str__(self) -> str:  # "converged", not "Status.CONVERGED"
        return self.value

    @property
    def success(self) -> bool:
        return self in (Status.CONVERGED, Status.FTOL, Status.XTOL)

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    Status.CONVERGED: "the gradient test ‖∇f(x)‖ ≤ gtol holds at the returned x",
    Status.FTOL: "the relative change in f fell below ftol (the gradient test may not hold)",
    Status.XTOL: "the step fell below xtol relative to ‖x‖ (the gradient test may not hold)",
    Status.MAX_ITER: "the iteration budget (max_iter) was used up",
    Status.MAX_EVALS: "the evaluation budget (max_evals, calls of f) was used up",
    Status.MAX_TIME: "the time budget (max_time) was used up",
    Status.LINE_SEARCH_FAILED: "the line search found no acceptable step; x is the last accepted iterate",
    Status.NONFINITE: "f or its gradient became NaN or infinite; x is the last finite iterate",
    Status.UNBOUNDED: "f fell below -1e20 or ‖x‖ ran past 1e20: the problem looks unbounded below",
    Status.SOLVER_FAILED: "the solver could not produce a step (e.g. a singular Hessian without modification)",
    Status.ERROR: "the objective or a derivative raised an exception; the trace so far is kept",
    Status.CRASHED: "the process running it died (a signal, os._exit, a crash in an extension); nothing of the run is kept",
    Status.INTERRUPTED: "stopped by the user (Ctrl-C); the trace so far is kept",
    Status.STOPPED: "stopped by the callback (it raised StopIteration); the trace so far is kept",
    Status.NOT_RUN: "the run did not start",
}
