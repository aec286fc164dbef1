"""Reference methods from ``scipy.optimize.minimize``, driven through the same :class:`Oracle`.

``scipy:L-BFGS-B``, ``scipy:BFGS``, ``scipy:CG``, ``scipy:Newton-CG``, ``scipy:trust-ncg``,
``scipy:trust-krylov`` and ``scipy:trust-exact`` (Moré–Sorensen, N&W Alg. 4.3) run scipy's own implementations (Nocedal & Wright:
L-BFGS-B = Byrd, Lu, Nocedal & Zhu 1995; BFGS Alg. 6.1; CG = Polak–Ribière, Alg. 5.4;
Newton-CG = line-search Newton–CG, Alg. 7.1; trust-ncg = Steihaug CG, Alg. 7.2;
trust-krylov = GLTR, Gould et al. 1999) with the derivatives our optbench
methods get, so the counters mean the same thing:

* ``fun`` + ``jac=True`` → :meth:`Oracle.value_and_grad` (one reverse pass gives f and ∇f;
  every call scipy makes at a new point counts one f and one gradient);
* ``hessp`` → :meth:`Oracle.hvp` (forward-over-reverse; each product is one pass, counted
  in ``nhvp`` and, since it runs f, in ``nfev``) — for Newton-CG, trust-ncg, trust-krylov;
* ``hess`` → :meth:`Oracle.hess` (the dense autograd Hessian, counted in ``nhev``; a few
  products by colouring when the problem declares a pattern) — for trust-exact.

The trace is recorded through scipy's ``callback(intermediate_result)``: one row per
scipy iteration with the same columns as our driver's trace. ‖∇f‖ at an iterate is
read from the evaluations scipy already made there; in the rare case scipy never
evaluated ∇f at its iterate, it is measured by a separate, uncounted oracle (the
row's note says so) so that measuring never changes the counts.

Stopping, as with our driver: after each iteration the callback applies our test
‖∇f(x_k)‖ ≤ gtol and stops scipy (``StopIteration``) when it holds; scipy's own tests
stay active too (with ``gtol`` passed where scipy has one), except L-BFGS-B's
relative-reduction test ``ftol``, which is set to 0 like our driver's ``ftol`` (give
``ftol`` as an option to restore it). Newton-CG keeps its step test ``xtol``: it has
no gradient test of its own.

Status is mapped honestly: ``converged`` only if *our* test ‖∇f(x)‖ ≤ gtol holds at
the x scipy returns; scipy's own success flag and message go into the message.

Each method is a registered :class:`~optbench.core.methods.Method` (a frozen dataclass whose
fields are scipy's options, ``None`` = scipy's default) run by the one driver,
:func:`optbench.core.driver.run`; only ``minimize`` — calling scipy with the recording
callback — is particular to scipy. ``ftol``/``xtol`` of the driver are not available
(scipy's own options are).
"""

from __future__ import annotations

import math
from dataclasses import make_dataclass
from typing import Any, ClassVar, Optional

import numpy as np

from ..core.methods import Capability, Ending, Method, RunContext
from ..core.oracle import Oracle
from ..core.status import Status
from .registry import register_method

PREFIX = "scipy:"

#: scipy method → (second derivatives it is given: "" / "hessp" / "hess", the options a user may set with their types)
_TRUST = {"initial_trust_radius": float, "max_trust_radius": float, "eta": float}
SCIPY_METHODS: dict[str, tuple[str, dict[str, type]]] = {
    "L-BFGS-B": ("", {"maxcor": int, "ftol": float, "maxls": int, "maxfun": int}),
    "BFGS": ("", {"c1": float, "c2": float, "xrtol": float}),
    "CG": ("", {"c1": float, "c2": float}),
    "Newton-CG": ("hessp", {"xtol": float, "c1": float, "c2": float}),
    "trust-ncg": ("hessp", dict(_TRUST)),
    "trust-krylov": ("hessp", dict(_TRUST, inexact=bool)),
    "trust-exact": ("hess", dict(_TRUST)),
}
_POSITIVE_INTS = {"maxcor", "maxls", "maxfun"}


def scipy_method_names() -> list[str]:
    """``["scipy:L-BFGS-B", ...]``."""
    return [PREFIX + m for m in SCIPY_METHODS]


def is_scipy_method(name: Any) -> bool:
    return isinstance(name, str) and name.startswith(PREFIX)


class _Memo:
    """Wraps the oracle for scipy: remembers recent (x, f, g) so the callback can read them."""

    SIZE = 8

    def __init__(self, problem, oracle: Oracle):
        self.problem, self.oracle = problem, oracle
        self.memo: list[tuple[np.ndarray, float, np.ndarray]] = []
        self.side: Optional[Oracle] = None

    def fun(self, x):
        f, g = self.oracle.value_and_grad(np.asarray(x, dtype=float))
        self.memo.append((np.array(x, dtype=float, copy=True), f, g))
        del self.memo[: -self.SIZE]
        return f, g

    def hessp(self, x, p):
        return self.oracle.hvp(np.asarray(x, dtype=float), np.asarray(p, dtype=float))

    def hess(self, x):
        return self.oracle.hess(np.asarray(x, dtype=float))

    def lookup(self, x) -> tuple[Optional[float], Optional[np.ndarray], str]:
        for xm, f, g in reversed(self.memo):
            if np.array_equal(xm, x):
                return f, g, ""
        if self.side is None:
            self.side = Oracle(self.problem)
        f, g = self.side.value_and_grad(np.asarray(x, dtype=float))
        return f, g, "∇f measured off-budget"


class ScipyMethod(Method):
    """``scipy.optimize.minimize(method=scipy_name)`` with the oracle's derivatives and a recording callback."""

    scipy_name: ClassVar[str] = ""
    second: ClassVar[str] = ""  # "hessp" or "hess" when scipy is given second derivatives
    summary = "scipy.optimize.minimize reference, same autograd derivatives and counters"
    default_max_iter = 1000
    stopping_tests = frozenset({"gtol"})

    def __post_init__(self) -> None:
        for key, kind in SCIPY_METHODS[self.scipy_name][1].items():
            v = getattr(self, key)
            if v is None or kind is bool:
                continue
            if key in _POSITIVE_INTS and not v >= 1:
                raise _option_error(self.name, key, v, "a positive integer")
            if kind is float and not v >= 0:
                raise _option_error(self.name, key, v, "≥ 0")

    def minimize(self, context: RunContext, prepared: Any) -> Ending:
        from scipy.optimize import minimize

        st, name = context.stopping, self.scipy_name
        memo = _Memo(context.problem, context.oracle)
        memo.memo.append((np.array(context.x0, copy=True), context.f0, context.g0))  # f(x₀) was evaluated for scipy
        flags = {"stopped_at_gtol": False, "timed_out": False}
        last = {"x": context.x0}

        def callback(intermediate_result):
            x = np.asarray(intermediate_result.x, dtype=float)
            f_cached, g, note = memo.lookup(x)
            f = float(intermediate_result.fun) if "fun" in intermediate_result else f_cached
            step = float(np.linalg.norm(x - last["x"]))
            x = np.array(x, copy=True)
            last["x"] = x
            context.record(context.record.k + 1, x, f, g, step, None, 0, note)
            if st.gradient_test(g):  # our driver's test, checked as ours is
                flags["stopped_at_gtol"] = True
                raise StopIteration
            if context.out_of_time():
                flags["timed_out"] = True
                raise StopIteration

        options: dict = {"maxiter": st.max_iter}
        if name in ("L-BFGS-B", "BFGS", "CG", "trust-ncg", "trust-krylov", "trust-exact"):
            options["gtol"] = st.gtol
        if name in ("BFGS", "CG"):
            options["norm"] = np.inf if st.norm == "inf" else 2
        if name == "L-BFGS-B":
            options["maxfun"] = st.max_evals if st.max_evals is not None else 10**9
            options["ftol"] = 0.0  # like our driver's default (ftol = 0: off); the option ftol restores it
        options.update({k: v for k, v in self.options().items() if v is not None})
        kwargs = {"hessp": {"hessp": memo.hessp}, "hess": {"hess": memo.hess}}.get(self.second, {})
        res = minimize(memo.fun, context.x0, jac=True, method=name, callback=callback, options=options, **kwargs)
        xf = np.asarray(res.x, dtype=float)
        ff, gf, _ = memo.lookup(xf)
        ff = float(res.fun) if np.ndim(res.fun) == 0 else ff
        gn = st.grad_norm(gf) if np.all(np.isfinite(gf)) else math.nan
        status, message = _map_status(name, res, ff, gn, st, flags, context.record.k)
        return Ending(status, message, xf, ff, gf)


def _option_error(method: str, key: str, value, requirement: str):
    from ..core.errors import UsageError

    return UsageError(f"`{method}` option `{key}` must be {requirement}, got {value}", field=key, value=value,
                      allowed=requirement)


def _map_status(name, res, f, gn, st, flags, nit) -> tuple[Status, str]:
    """Our status from scipy's result: converged only if our gradient test holds at res.x."""
    said = f"scipy: success={bool(res.success)}, status={res.status}, '{str(res.message).strip()}'"
    sym, gtol, max_iter = st.norm_symbol, st.gtol, st.max_iter
    if not (math.isfinite(f) and math.isfinite(gn)):
        return Status.NONFINITE, f"f or ∇f is not finite at scipy's x ({said})"
    if gtol > 0 and gn <= gtol:  # gtol = 0 switches the test off: never "converged" then
        if flags["stopped_at_gtol"]:
            said = "scipy stopped by optbench's gradient test in the callback"
        return Status.CONVERGED, f"‖∇f‖{sym} = {gn:.3g} ≤ gtol = {gtol:g} ({said})"
    if flags["timed_out"]:
        return Status.MAX_TIME, f"reached max_time = {st.max_time:g} s ({said})"
    msg = str(res.message).lower().replace("_", " ")  # older scipy says 'REL_REDUCTION_OF_F_<=_FACTR*EPSMCH'
    test = f"‖∇f‖{sym} = {gn:.3g} > gtol = {gtol:g}"
    if gtol == 0:
        test = f"‖∇f‖{sym} = {gn:.3g}; the gradient test is off (gtol = 0), scipy stopped on its own tests"
    if nit >= max_iter or "maximum number of iterations" in msg or "iterations reached limit" in msg:
        return Status.MAX_ITER, f"reached max_iter = {max_iter} ({said})"
    if "total no. of f" in msg or "function evaluations" in msg:
        return Status.MAX_EVALS, f"{test} ({said})"
    if "nan" in msg:
        return Status.NONFINITE, f"{test} ({said})"
    if res.success and name == "L-BFGS-B" and "reduction of f" in msg:
        return Status.FTOL, f"{test}; relative reduction of f fell below ftol ({said})"
    if res.success and name == "Newton-CG":
        return Status.XTOL, f"{test}; scipy's step test (xtol) holds ({said})"
    if "precision loss" in msg or "line search" in msg or "abnormal" in msg:
        return Status.LINE_SEARCH_FAILED, f"{test} ({said})"
    return Status.SOLVER_FAILED, f"{test} ({said})"


def _make_class(scipy_name: str, second: str, options: dict[str, type]) -> type:
    caps = {Capability.GRADIENT} | {"hessp": {Capability.HVP}, "hess": {Capability.HESSIAN}}.get(second, set())
    cls = make_dataclass(
        "Scipy" + "".join(c for c in scipy_name.title() if c.isalnum()),
        [(k, Optional[t], None) for k, t in options.items()],
        bases=(ScipyMethod,),
        frozen=True,
        namespace={"name": PREFIX + scipy_name, "scipy_name": scipy_name, "second": second,
                   "capabilities": frozenset(caps)},
    )
    cls.__module__ = __name__
    globals()[cls.__name__] = cls  # picklable by reference
    cls.__doc__ = f"scipy.optimize.minimize(method='{scipy_name}') through optbench's oracle and driver."
    return register_method(cls)


SCIPY_CLASSES = {name: _make_class(name, second, opts) for name, (second, opts) in SCIPY_METHODS.items()}
