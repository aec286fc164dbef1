"""Benchmarks against scipy.optimize, measured in one process: the suite of solver runs.

Pure functions returning records (dicts with fixed keys); nothing here prints. The scripts
``benchmarks/bench_suite.py``, ``benchmarks/bench_core.py`` and ``optbench bench`` render them.

Suite (:func:`run_suite`)
    Each :class:`Case` is one problem instance, one optbench method and one or more
    ``scipy:`` reference methods. Both sides get the same :class:`~optbench.core.problem.Problem`,
    the same autograd derivatives through the same counted :class:`~optbench.core.oracle.Oracle`
    and record the same trace (our driver :func:`optbench.core.driver.run`; scipy through
    :class:`optbench.solvers.scipy.ScipyMethod`). One record per run:

    * counts ``nit, nfev, ngev, nhvp, nhev`` are the oracle's real counts and ``grad_equiv``
      is :func:`optbench.compare.profiles.grad_equivalents` of them (the compare layer's ``cost``);
    * ``grad_norm`` is ‖∇f‖∞ recomputed at the *returned* x by a fresh, uncounted oracle, and
      ``reached_gtol`` is ``grad_norm <= gtol``; ``claimed_success`` is what the method itself
      said (our status ``converged``; scipy's ``success`` flag, or our callback test), so a run
      with ``claimed_success and not reached_gtol`` stopped early claiming success;
    * ``time`` is the wall time of the whole call (min over ``repeats`` runs, which must all
      do the same work); on reference rows ``ratio_time`` = our time / its time,
      ``ratio_grads`` = our gradient-equivalents / its, ``ratio_ngev`` = our gradients / its.

    Stopping rule, the same on both sides: ‖∇f‖∞ ≤ gtol, checked after every iteration (our
    driver; for scipy, :mod:`optbench.solvers.scipy` applies the test in the callback and stops
    scipy). Where scipy has tests of its own they are set so they do not fire first
    (:data:`STOPPING` says how for each method); ``max_iter`` and ``max_time`` are the same
    budgets on both sides, and a run that hits ``max_time`` is reported with status
    ``max_time``, never as a success.

The core micro-benchmarks are in :mod:`optbench.bench.core`. BLAS threads are pinned
(threadpoolctl) for the whole measurement and recorded in
:func:`optbench.bench.environment.environment`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

RECORD_KEYS = (
    "case", "problem", "params", "n", "method", "side", "reference_for", "options", "gtol",
    "nit", "nfev", "ngev", "nhvp", "nhev", "grad_equiv", "grad_norm", "reached_gtol",
    "claimed_success", "status", "success", "message", "time", "repeats", "times",
    "ratio_time", "ratio_grads", "ratio_ngev", "stopping", "note",
)
CORE_KEYS = ("group", "metric", "n", "time", "baseline", "baseline_time", "ratio", "target", "met", "note")

#: How each side is told "stop when ‖∇f‖∞ ≤ gtol" (and what it cannot be told).
STOPPING = {
    "optbench": "driver: ‖∇f‖∞ ≤ gtol after every iteration; ftol, xtol off",
    "scipy:L-BFGS-B": "pgtol = gtol (‖proj ∇f‖∞ ≤ gtol: the same test), ftol = 0, maxfun unbounded; "
                      "plus our test in the callback",
    "scipy:Newton-CG": "no gradient test in scipy: our test in the callback; its step test "
                       "Σ|Δx| ≤ n·xtol is switched off with xtol = 1e-300 (it cannot be removed)",
    "scipy:trust-ncg": "gtol on ‖∇f‖₂ (stricter than ∞-norm, never fires first); our ∞-norm test in the callback",
    "scipy:trust-krylov": "gtol on ‖∇f‖₂ (stricter than ∞-norm, never fires first); our ∞-norm test in the callback",
}
#: scipy options that make scipy's own tests not fire before ours.
SCIPY_OPTIONS = {"scipy:Newton-CG": {"xtol": 1e-300}}

SECOND_ORDER_REFS = ("scipy:Newton-CG", "scipy:trust-ncg", "scipy:trust-krylov")


@dataclass(frozen=True)
class Case:
    """One problem instance, our method, the scipy references, the test and the budgets."""

    name: str
    problem: str
    params: dict
    method: str
    references: tuple = ("scipy:L-BFGS-B",)
    gtol: float = 1e-6
    options: dict = field(default_factory=dict)
    max_iter: int = 20_000
    tier: str = "quick"
    skip: str = ""  # why the case is not run (recorded, not hidden)
    dim: Optional[int] = None  # the problem's dimension when it is not the parameter n (for max_n)
    scipy_options: dict = field(default_factory=dict)  # method → options replacing SCIPY_OPTIONS[method]

    @property
    def size(self) -> int:
        return int(self.params.get("n", self.dim or 0))


def _sparse_newton_available() -> bool:
    """True once ``newton`` has the ``hessian`` option (sparse path, branch `sparse`)."""
    from dataclasses import fields

    from ..solvers.registry import method_registry

    cls = method_registry().get("newton")
    return cls is not None and "hessian" in {f.name for f in fields(cls)}


def suite_cases(quick: bool = False, max_n: Optional[int] = None) -> list[Case]:
    """The issue's cases; ``quick`` keeps the small ones (about 30 s), ``max_n`` drops larger n."""
    ros = "rosenbrock"
    sparse = _sparse_newton_available()
    cases = [Case("rosen-ext n=2 lbfgs", ros, {"variant": "extended", "n": 2}, "lbfgs")]
    for n in (100, 10_000, 100_000, 1_000_000):
        tier = "quick" if n <= 100 else "full"
        p = {"variant": "extended", "n": n}
        tag = f"n=1e{round(math.log10(n))}"
        cases.append(Case(f"rosen-ext {tag} lbfgs", ros, p, "lbfgs", tier=tier))
        cases.append(Case(f"rosen-ext {tag} newton-cg", ros, p, "newton-cg", SECOND_ORDER_REFS, 1e-8, tier=tier))
        skip = "" if n < 10_000 or sparse else (
            "newton has no `hessian` option yet (sparse path, branch `sparse`): the dense Hessian "
            f"at n = {n} would need {n * n * 8 / 2**30:.1f} GiB")
        cases.append(Case(f"rosen-ext {tag} newton", ros, p, "newton", ("scipy:trust-ncg",), 1e-8, tier=tier,
                          skip=skip))
    # chained Rosenbrock (scipy's rosen), the core issue's benchmark: n = 2, 1e3, 1e5
    for n, tier in ((2, "quick"), (1000, "full"), (100_000, "full")):
        tag = f"n={n}" if n == 2 else f"n=1e{round(math.log10(n))}"
        cases.append(Case(f"rosen-chained {tag} lbfgs", ros, {"n": n}, "lbfgs", tier=tier))
        cases.append(Case(f"rosen-chained {tag} newton-cg", ros, {"n": n}, "newton-cg", ("scipy:Newton-CG",),
                          tier=tier))
    # scipy's Newton-CG with its own step test left on (default xtol): it stops claiming success far from gtol
    cases.append(Case("rosen-chained n=1e3 newton-cg, scipy default xtol", ros, {"n": 1000}, "newton-cg",
                      ("scipy:Newton-CG",), 1e-8, tier="full", scipy_options={"scipy:Newton-CG": {}}))
    for n, conds, tier in ((100, (1e2, 1e4), "quick"), (1000, (1e2, 1e4, 1e6), "full"),
                           (100_000, (1e2, 1e4, 1e6), "full")):
        for cond in conds:
            p = {"n": n, "cond": cond}
            tag = f"n={n:g} cond=1e{round(math.log10(cond))}"
            cases.append(Case(f"quadratic {tag} lbfgs", "quadratic", p, "lbfgs", tier=tier))
            cases.append(Case(f"quadratic {tag} newton-cg", "quadratic", p, "newton-cg",
                              ("scipy:Newton-CG", "scipy:trust-ncg"), tier=tier))
    cases += [
        Case("mlp default lbfgs", "mlp", {}, "lbfgs", gtol=1e-5, dim=82),
        Case("mlp default newton-cg", "mlp", {}, "newton-cg", ("scipy:Newton-CG", "scipy:trust-ncg"), 1e-5, dim=82),
        Case("mlp 64,64 N=2000 lbfgs", "mlp", {"hidden": "64,64", "n_samples": 2000}, "lbfgs", gtol=1e-5,
             tier="full", dim=4482),
        Case("logistic default lbfgs", "logistic", {}, "lbfgs", dim=21),
        Case("logistic default newton-cg", "logistic", {}, "newton-cg", ("scipy:Newton-CG", "scipy:trust-ncg"),
             dim=21),
        Case("logistic N=20000 d=500 lbfgs", "logistic", {"n_samples": 20_000, "n_features": 500}, "lbfgs",
             tier="full", dim=501),
    ]
    if quick:
        cases = [c for c in cases if c.tier == "quick"]
    if max_n is not None:
        cases = [c for c in cases if c.size <= max_n]
    return cases


# ---------------------------------------------------------------------------- measurement helpers
def pinned_threads(threads: Optional[int]):
    """Limit BLAS/OpenMP threads for the block (:func:`optbench.core.threads.blas_threads`); ``None`` leaves them alone."""
    from ..core.threads import blas_threads

    return blas_threads(threads)


def per_call(fn: Callable[[], Any], repeats: int = 5, min_sample: float = 0.02) -> float:
    """Seconds per call: min over ``repeats`` samples of a loop sized so a sample lasts ≥ min_sample."""
    number = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_sample or number >= 1 << 20:
            break
        number *= 2 if dt <= 0 else max(2, min(10, int(min_sample / dt * 1.2) + 1))
    best = dt / number
    for _ in range(repeats - 1):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def fresh_grad_norm(problem, x: np.ndarray) -> float:
    """‖∇f(x)‖∞ by a fresh oracle (never counted in any run's budget)."""
    from ..core.oracle import Oracle

    g = Oracle(problem).grad(np.asarray(x, dtype=float))
    return float(np.max(np.abs(g))) if np.all(np.isfinite(g)) else math.nan


def _claimed(result) -> bool:
    """What the method itself said: our status, or scipy's own success flag / our callback test."""
    if not result.method.startswith("scipy:"):
        return bool(result.success)
    msg = result.message
    return "success=True" in msg or "stopped by optbench's gradient test" in msg


def _one_run(problem, method: str, options: dict, case: Case, max_time: Optional[float], backend: str = "autograd"):
    from ..api import solve

    return solve(problem, method, options=options, gtol=case.gtol, max_iter=case.max_iter, max_time=max_time,
                 trace_x=False, backend=backend)


def _options(method: str, case: Case) -> dict:
    if method.startswith("scipy:"):
        return dict(case.scipy_options.get(method, SCIPY_OPTIONS.get(method, {})))
    return dict(case.options)


def _timed(problem, method: str, case: Case, max_time: Optional[float], backend: str = "autograd"):
    t0 = time.perf_counter()
    r = _one_run(problem, method, _options(method, case), case, max_time, backend)
    return time.perf_counter() - t0, r


def _counts(r) -> tuple:
    return (r.nit, r.nfev, r.njev, r.nhvp, r.nhev)


def retime(problem, rec: dict, case: Case, max_time: Optional[float]) -> None:
    """Run the record's method once more and add the wall time (min kept in ``time``)."""
    dt, r = _timed(problem, rec["method"], case, max_time, rec.get("backend", "autograd"))
    rec["times"].append(dt)
    rec["time"], rec["repeats"] = min(rec["times"]), len(rec["times"])
    c = (rec["nit"], rec["nfev"], rec["ngev"], rec["nhvp"], rec["nhev"])
    if _counts(r) != c and not rec["note"]:
        rec["note"] = f"repeats differ in counts ({c} then {_counts(r)}); the minimum time is of mixed work"


def measure_run(problem, method: str, case: Case, *, max_time: Optional[float] = 60.0,
                repeats: Optional[int] = 1, min_total: float = 0.5, max_repeats: int = 50,
                backend: str = "autograd") -> dict:
    """One record (:data:`RECORD_KEYS`) for ``method`` on the case's problem.

    ``repeats=None``: one run, then more (up to ``max_repeats``) while they add up to less than
    ``min_total`` seconds. Every repeat must do the same work (same counts), else the note says so.
    """
    from ..compare.profiles import grad_equivalents

    side = "scipy" if method.startswith("scipy:") else "optbench"
    dt, r = _timed(problem, method, case, max_time, backend)
    gn = fresh_grad_norm(problem, r.x)
    rec = {
        "case": case.name, "problem": case.problem, "params": dict(case.params), "n": int(r.x.size),
        "method": method, "side": side, "reference_for": None if side == "optbench" else case.method,
        "options": _options(method, case), "gtol": case.gtol, "nit": r.nit, "nfev": r.nfev, "ngev": r.njev,
        "nhvp": r.nhvp, "nhev": r.nhev, "grad_equiv": grad_equivalents(r.nfev, r.njev, r.nhvp, r.nhev, r.x.size),
        "grad_norm": gn, "reached_gtol": bool(gn <= case.gtol), "claimed_success": _claimed(r),
        "status": r.status.value, "success": bool(r.success), "message": r.message, "time": dt,
        "repeats": 1, "times": [dt], "ratio_time": None, "ratio_grads": None, "ratio_ngev": None,
        "stopping": STOPPING.get(method, STOPPING["optbench"]), "note": "",
    }
    if backend != "autograd":  # compiled once per problem instance: the first run pays it, the minimum does not
        rec.update(backend=backend, compile_time=r.compile_time)
    want = wanted_repeats(dt, repeats, min_total, max_repeats)
    while rec["repeats"] < want and rec["status"] != "max_time":
        retime(problem, rec, case, max_time)
    return rec


def wanted_repeats(first: float, repeats: Optional[int], min_total: float, max_repeats: int) -> int:
    if repeats is not None:
        return repeats
    return min(max_repeats, max(1, math.ceil(min_total / max(first, 1e-9))))


def _ratio(a, b) -> Optional[float]:
    return None if a is None or b is None or not b else float(a) / float(b)


def skipped_record(case: Case, method: str) -> dict:
    rec = dict.fromkeys(RECORD_KEYS)
    rec.update(case=case.name, problem=case.problem, params=dict(case.params), n=case.params.get("n"),
               method=method, side="optbench", status="skipped", gtol=case.gtol, note=case.skip,
               stopping=STOPPING["optbench"], times=[], options=dict(case.options))
    return rec


def run_suite(cases: list[Case], *, max_time: Optional[float] = 60.0, repeats: Optional[int] = None,
              min_total: float = 0.5, max_repeats: int = 50, threads: Optional[int] = 1,
              progress: Optional[Callable[[str], None]] = None, backend: str = "autograd") -> list[dict]:
    """Run every case; one record per run, our run first, then its references with the ratios.

    Repeats: ``repeats`` rounds, or (``None``) as many as make our first run add up to
    ``min_total`` seconds (at most ``max_repeats``); each round runs ours and then each reference
    once, so a burst of load from other processes hits both sides. A reference run shared by
    several cases (same problem, params, method, gtol, budget) is measured once and its
    record repeated for each case.
    """
    from ..core.problem import make_problem

    out: list[dict] = []
    memo: dict[tuple, dict] = {}
    with pinned_threads(threads):
        _warm_up()
        for case in cases:
            if case.skip:
                out.append(skipped_record(case, case.method))
                continue
            if progress:
                progress(case.name)
            problem = make_problem(case.problem, dict(case.params))
            # one run each, then (for short runs) more rounds alternating ours and the references,
            # so both sides see the same machine load; the minimum over the rounds is kept
            ours = measure_run(problem, case.method, case, max_time=max_time, backend=backend)
            fresh, refs = [], []
            for ref in case.references:
                key = (case.problem, tuple(sorted(case.params.items())), ref, case.gtol, case.max_iter,
                       repr(case.scipy_options.get(ref)))
                if key not in memo:
                    if progress:
                        progress(f"{case.name} vs {ref}")
                    memo[key] = measure_run(problem, ref, case, max_time=max_time, backend=backend)
                    fresh.append(memo[key])
                refs.append(memo[key])
            want = wanted_repeats(ours["time"], repeats, min_total, max_repeats)
            for _ in range(want - 1):
                for rec in [ours] + fresh:
                    if rec["status"] != "max_time":
                        retime(problem, rec, case, max_time)
            out.append(ours)
            for ref_rec in refs:
                rec = dict(ref_rec, case=case.name, reference_for=case.method, times=list(ref_rec["times"]))
                rec.update(ratio_time=_ratio(ours["time"], rec["time"]),
                           ratio_grads=_ratio(ours["grad_equiv"], rec["grad_equiv"]),
                           ratio_ngev=_ratio(ours["ngev"], rec["ngev"]))
                out.append(rec)
    return out


def _warm_up() -> None:
    """Import and run every method once on a tiny problem, so no timing pays for first use."""
    from ..core.problem import make_problem

    p = make_problem("rosenbrock", {"n": 2})
    case = Case("warm-up", "rosenbrock", {"n": 2}, "lbfgs", max_iter=5)
    for m in ("lbfgs", "newton-cg", "newton", "gd", "scipy:L-BFGS-B") + SECOND_ORDER_REFS:
        _one_run(p, m, dict(SCIPY_OPTIONS.get(m, {})), case, None)


# ---------------------------------------------------------------------------- core micro-benchmarks


# ---------------------------------------------------------------------------- environment


