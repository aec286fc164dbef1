"""The solver contract, the solver registry, and hyperparameter validation helpers.

A solver is a small frozen dataclass of hyperparameters with

* ``init(x, oracle) -> state`` and
* ``step(x, state, oracle) -> (x_new, state, StepInfo)``.

It chooses a direction and a step length. It never decides when to stop (the
driver in :mod:`optbench.run` does), never prints, and never mutates its inputs.
When it cannot produce a step it returns the *old* x and a :class:`StepInfo`
whose ``failure`` names the status (e.g. ``line_search_failed``).
"""

from __future__ import annotations

import dataclasses
import types
import math
from dataclasses import dataclass
from typing import Any, ClassVar, Optional

from ..errors import UsageError, unknown_name
from ..params import Param, bind, signature_params
from ..status import Status


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
    #: trust-region methods: the trial step was rejected and x kept (the driver then skips ftol/xtol)
    rejected: bool = False


class Solver:
    """Base class for solver plugins (subclasses are frozen dataclasses)."""

    name: ClassVar[str] = ""
    needs: ClassVar[str] = "f, grad"
    summary: ClassVar[str] = ""
    default_max_iter: ClassVar[int] = 1000

    def init(self, x, oracle) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def step(self, x, state, oracle):  # pragma: no cover - interface
        raise NotImplementedError

    # -- validation helpers used in __post_init__ ------------------------------
    def _fail(self, field: str, requirement: str, value: Any) -> None:
        raise UsageError(f"`{self.name}` option `{field}` must be {requirement}, got {value!r}")

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


def _fmt(v: float) -> str:
    return "inf" if v == math.inf else f"{v:g}"


_SOLVERS: dict[str, type] = {}
_LOAD_ERRORS: dict[str, str] = {}
_loaded_entry_points = False


def register_solver(cls: type) -> type:
    """Class decorator: register a solver dataclass under ``cls.name``."""
    if not cls.name:
        raise TypeError(f"solver class {cls.__name__} needs a `name`")
    _SOLVERS[cls.name] = cls
    return cls


def solver_registry() -> dict[str, type]:
    global _loaded_entry_points
    from . import gd, lbfgs, newton, newton_cg, trust_exact, trust_krylov, trust_ncg  # noqa: F401  (registration side effects)

    if not _loaded_entry_points:
        _loaded_entry_points = True
        from importlib.metadata import entry_points

        for ep in entry_points(group="optbench.solvers"):
            try:
                cls = ep.load()
            except Exception as e:  # noqa: BLE001 - a broken plugin must not take others down
                _LOAD_ERRORS[f"solver entry point '{ep.name}' ({ep.value})"] = f"{type(e).__name__}: {e}"
                continue
            if isinstance(cls, type) and issubclass(cls, Solver) and cls.name:
                register_solver(cls)
            elif not isinstance(cls, types.ModuleType):  # a module registers its solvers on import
                _LOAD_ERRORS[f"solver entry point '{ep.name}' ({ep.value})"] = (
                    "not a Solver subclass with a `name` (nor a module that registers one)"
                )
    return dict(_SOLVERS)


def solver_load_errors() -> dict[str, str]:
    """Broken solver entry points: where, and why (shown by ``optbench list``)."""
    solver_registry()
    return dict(_LOAD_ERRORS)


def solver_params(cls: type) -> list[Param]:
    return [p for p in signature_params(cls) if not p.name.startswith("_")]


def make_solver(method: Any, options: Optional[dict] = None) -> Solver:
    """A solver instance from a name (``"lbfgs"``), a class, or an instance, with options.

    Options may be strings (from the CLI, parsed by the declared field types) or values.
    """
    options = dict(options or {})
    if isinstance(method, Solver):
        if options:
            return dataclasses.replace(method, **bind(solver_params(type(method)), options, method.name, "option"))
        return method
    if isinstance(method, type) and issubclass(method, Solver):
        cls = method
    else:
        reg = solver_registry()
        if method not in reg:
            raise unknown_name("method", str(method), reg)
        cls = reg[method]
    kwargs = bind(solver_params(cls), options, cls.name, "option")
    return cls(**kwargs)
