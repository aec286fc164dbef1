"""The method protocol: what every method — ours or a reference library's — declares and does.

A method is a small frozen dataclass of options (its fields; validated in
``__post_init__``) with

* ``name`` (how the CLI and the registry call it), ``summary`` (one line for ``optbench list``),
* ``capabilities``: the derivatives it asks of the oracle, a frozenset of :class:`Capability`
  — the driver reads it to configure the oracle (no attribute poking, no string search),
* ``default_max_iter``: its iteration budget when none is given,
* ``stopping_tests``: which of the driver's tests it honours (``gtol``, ``ftol``, ``xtol``),
* ``setup(context)``: check the method can run on this problem (raise :class:`UsageError`
  if not) and return what ``minimize`` starts from (default: nothing);
* ``minimize(context, prepared) -> Ending``: carry the run out from the evaluated start in
  ``context`` (a :class:`RunContext`), recording each iterate with ``context.record`` and
  applying ``context.stopping``; return how it ended.

Iterative methods written here (:class:`optbench.solvers.base.Solver`) only implement
``init``/``step`` and inherit ``setup``/``minimize`` that runs the generic loop of
:mod:`optbench.core.loop`; a method from another library (:mod:`optbench.solvers.scipy`)
implements ``minimize`` by calling that library with a callback. Both go through the one
driver, :func:`optbench.core.driver.run`, which owns the start, the faults, the clock and
the result.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, ClassVar, Optional

import numpy as np

from .budgets import Stopping
from .oracle import Oracle
from .problem import Problem
from .status import Status


class Capability(str, Enum):
    """A derivative a method asks of the oracle."""

    GRADIENT = "grad"
    #: single Hessian-vector products at changing points (forward-over-reverse, one pass each)
    HVP = "hvp"
    #: many Hessian-vector products at each iterate: the oracle takes each gradient as a
    #: linearization, so the products at that point reuse its recorded pass
    HVP_OPERATOR = "hvp-operator"
    #: Hessians (dense, or coloured sparse when the problem declares a pattern)
    HESSIAN = "hess"


def needs_text(capabilities: frozenset) -> str:
    """``"f, grad, hess"``: what ``optbench list`` shows."""
    words = ["f"]
    if Capability.GRADIENT in capabilities:
        words.append("grad")
    if Capability.HVP in capabilities or Capability.HVP_OPERATOR in capabilities:
        words.append("hvp")
    if Capability.HESSIAN in capabilities:
        words.append("hess")
    return ", ".join(words)


def oracle_for(problem: Problem, capabilities: frozenset, backend: str = "autograd",
               x0: Optional[np.ndarray] = None) -> Oracle:
    """An oracle configured for a method's capabilities, on an AD backend (:mod:`optbench.core.backends`).

    A method that asks for Hessians or for many products per iterate gets gradients computed
    as linearizations (:meth:`Oracle.value_and_grad`): the products at the same x then cost
    no extra pass of f. On ``jax`` the derivatives the method needs are compiled at ``x0`` first.
    """
    repeated = {Capability.HESSIAN, Capability.HVP_OPERATOR}
    linearize = bool(repeated & set(capabilities))
    if backend == "autograd":
        return Oracle(problem, linearize_gradients=linearize)
    from .backends import make_oracle

    return make_oracle(problem, backend, linearize_gradients=linearize, capabilities=frozenset(capabilities), x0=x0)


@dataclass
class Ending:
    """How a method ended: a status and message, and the point it returns (None: the last recorded)."""

    status: Status
    message: str = ""
    x: Optional[np.ndarray] = None
    f: Optional[float] = None
    g: Optional[np.ndarray] = None


@dataclass
class RunContext:
    """What a method's ``minimize`` is given: the problem, the configured oracle, the stopping
    value (``max_iter`` filled in), the evaluated start, and the recorder of the trace."""

    problem: Problem
    oracle: Oracle
    stopping: Stopping
    x0: np.ndarray
    f0: float
    g0: np.ndarray
    record: Callable[..., dict]
    start: float
    check_curvature: bool = True
    extra: dict = field(default_factory=dict)

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def out_of_time(self) -> bool:
        return self.stopping.max_time is not None and self.elapsed() >= self.stopping.max_time


class Method:
    """Base class of every registered method (subclasses are frozen dataclasses of options)."""

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    capabilities: ClassVar[frozenset] = frozenset({Capability.GRADIENT})
    default_max_iter: ClassVar[int] = 1000
    stopping_tests: ClassVar[frozenset] = frozenset({"gtol", "ftol", "xtol"})

    def setup(self, context: RunContext) -> Any:
        """Refuse a problem the method cannot handle (UsageError); return what minimize starts from."""
        return None

    def minimize(self, context: RunContext, prepared: Any) -> Ending:  # pragma: no cover - interface
        raise NotImplementedError

    def options(self) -> dict[str, Any]:
        """The option values of this instance (its dataclass fields)."""
        import dataclasses

        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if not f.name.startswith("_")}
