"""Iterative solvers: the ``init``/``step`` contract, the line-search options they share, validation helpers.

A solver is a :class:`~optbench.core.methods.Method` written as a small frozen dataclass of
hyperparameters with

* ``init(x, oracle) -> state`` and
* ``step(x, state, oracle) -> (x_new, state_new, StepInfo)``.

It chooses a direction and a step length. It never decides when to stop (the generic
loop in :mod:`optbench.core.loop` does, under the run's stopping value), never prints,
and never mutates its inputs: ``step`` returns a *new* state (optax's rule), so calling
it twice with the same arguments gives the same result (a test holds every registered
solver to this). When it cannot produce a step it returns the old x and a
:class:`StepInfo` whose ``failure`` names the status (e.g. ``line_search_failed``).

Second-order methods opt into the stationary-point hook
:meth:`Solver.escape_stationary_point` (see :class:`~optbench.solvers.curvature.SecondOrderStationarity`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Optional

from ..core.errors import UsageError
from ..core.linesearch import make_line_search
from ..core.loop import iterate
from ..core.methods import Capability, Ending, Method, RunContext
from ..core.status import Status


@dataclass
class StepInfo:
    """What one step did: step length, inner iterations, notes, or why it failed."""

    alpha: float = math.nan
    inner_iter: int = 0
    note: str = ""
    failure: Optional[Status] = None
    message: str = ""
    negative_curvature: bool = False
    #: trust-region methods: the radius Δ_k the step was computed with (None for line-search methods)
    radius: Optional[float] = None
    #: trust-region methods: the trial step was rejected and x kept (the loop then skips ftol/xtol)
    rejected: bool = False
    #: trust-region methods: ρ, the actual over the predicted reduction of f
    ratio: Optional[float] = None


class Solver(Method):
    """Base class for iterative solver plugins (subclasses are frozen dataclasses)."""

    capabilities: ClassVar[frozenset] = frozenset({Capability.GRADIENT})

    def init(self, x, oracle) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def step(self, x, state, oracle):  # pragma: no cover - interface
        raise NotImplementedError

    def escape_stationary_point(self, x, oracle) -> Optional[Any]:
        """At a point where the gradient test holds: a step ``(x_new, t, λmin)`` leaving a saddle, else
        None or the :class:`~optbench.solvers.curvature.Curvature` found (the run is converged and
        its message says what was certified).

        First-order methods cannot tell a saddle from a minimum: None (converged).
        """
        return None

    # -- the Method protocol, by the generic loop ---------------------------------------
    def setup(self, context: RunContext) -> Any:
        return self.init(context.x0, context.oracle)

    def minimize(self, context: RunContext, prepared: Any) -> Ending:
        return iterate(self, context, prepared)

    # -- validation helpers used in __post_init__ ------------------------------
    def _fail(self, field: str, requirement: str, value: Any) -> None:
        raise UsageError(f"`{self.name}` option `{field}` must be {requirement}, got {value!r}", field=field,
                         value=value, allowed=requirement)

    def _in_open(self, field: str, lo: float, hi: float) -> None:
        v = getattr(self, field)
        if not (isinstance(v, (int, float)) and lo < v < hi):
            self._fail(field, f"in ({_fmt(lo)}, {_fmt(hi)})", v)

    def _positive(self, field: str, allow_none: bool = False) -> None:
        v = getattr(self, field)
        if v is None and allow_none:
            return
        if not (isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 and math.isfinite(v)):
            self._fail(field, "a positive number" + (" or none" if allow_none else ""), v)

    def _positive_int(self, field: str, allow_none: bool = False) -> None:
        v = getattr(self, field)
        if v is None and allow_none:
            return
        if not (isinstance(v, int) and not isinstance(v, bool) and v >= 1):
            self._fail(field, "a positive integer" + (" or none" if allow_none else ""), v)

    def _one_of(self, field: str, choices: tuple) -> None:
        v = getattr(self, field)
        if v not in choices:
            self._fail(field, "one of " + ", ".join(choices), v)


@dataclass(frozen=True)
class LineSearchSolver(Solver):
    """A solver that searches along its direction: options ``line_search``, ``c1``, ``c2``, ``rho``.

    The options are turned once, in ``__post_init__``, into the line-search value
    (:class:`~optbench.core.linesearch.Armijo` ``(c1, rho)``,
    :class:`~optbench.core.linesearch.StrongWolfe` ``(c1, c2)`` or
    :class:`~optbench.core.linesearch.FullStep`), which validates them; the solver calls
    ``self.search(oracle, x, f, g, d, t0)``. Subclasses narrow ``line_search``'s choices
    and default by redeclaring the field.
    """

    line_search: Literal["armijo", "wolfe"] = "armijo"
    c1: float = 1e-4
    c2: float = 0.9
    rho: float = 0.5

    def __post_init__(self) -> None:
        import typing

        from ..core.params import type_hints

        self._one_of("line_search", typing.get_args(type_hints(type(self))["line_search"]))
        from ..core.linesearch import Armijo, StrongWolfe

        try:  # every option is checked, whichever search is used (a bad c2 is an error with armijo too)
            Armijo(self.c1, self.rho)
            StrongWolfe(self.c1, self.c2)
        except UsageError as e:
            self._fail(e.field, e.allowed, e.value)
        object.__setattr__(self, "_search", make_line_search(self.line_search, self.c1, self.c2, self.rho))

    def search(self, oracle, x, f, g, d, t0: float = 1.0):
        """The configured line search along d from x (see :mod:`optbench.core.linesearch`)."""
        return self._search(oracle, x, f, g, d, t0)


def _fmt(v: float) -> str:
    return "inf" if v == math.inf else f"{v:g}"
