"""Benchmarks against scipy.optimize, measured in one process: the suite and the core micro-benchmarks.

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

Core (:func:`run_core`)
    Ratios of per-call times (min of k repeats of an auto-ranged loop, ``time.perf_counter``):
    autograd and analytic gradients over f, HVPs over a gradient, dense Hessians, the driver's
    overhead per iteration, and the CLI's start-up — each with the issue's target where it sets one.

BLAS threads are pinned (threadpoolctl) for the whole measurement and recorded in
:func:`environment`.
"""

from __future__ import annotations

import datetime
import math
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
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


def _one_run(problem, method: str, options: dict, case: Case, max_time: Optional[float]):
    from ..api import solve

    return solve(problem, method, options=options, gtol=case.gtol, max_iter=case.max_iter, max_time=max_time,
                 trace_x=False)


def _options(method: str, case: Case) -> dict:
    if method.startswith("scipy:"):
        return dict(case.scipy_options.get(method, SCIPY_OPTIONS.get(method, {})))
    return dict(case.options)


def _timed(problem, method: str, case: Case, max_time: Optional[float]):
    t0 = time.perf_counter()
    r = _one_run(problem, method, _options(method, case), case, max_time)
    return time.perf_counter() - t0, r


def _counts(r) -> tuple:
    return (r.nit, r.nfev, r.njev, r.nhvp, r.nhev)


def retime(problem, rec: dict, case: Case, max_time: Optional[float]) -> None:
    """Run the record's method once more and add the wall time (min kept in ``time``)."""
    dt, r = _timed(problem, rec["method"], case, max_time)
    rec["times"].append(dt)
    rec["time"], rec["repeats"] = min(rec["times"]), len(rec["times"])
    c = (rec["nit"], rec["nfev"], rec["ngev"], rec["nhvp"], rec["nhev"])
    if _counts(r) != c and not rec["note"]:
        rec["note"] = f"repeats differ in counts ({c} then {_counts(r)}); the minimum time is of mixed work"


def measure_run(problem, method: str, case: Case, *, max_time: Optional[float] = 60.0,
                repeats: Optional[int] = 1, min_total: float = 0.5, max_repeats: int = 50) -> dict:
    """One record (:data:`RECORD_KEYS`) for ``method`` on the case's problem.

    ``repeats=None``: one run, then more (up to ``max_repeats``) while they add up to less than
    ``min_total`` seconds. Every repeat must do the same work (same counts), else the note says so.
    """
    from ..compare.profiles import grad_equivalents

    side = "scipy" if method.startswith("scipy:") else "optbench"
    dt, r = _timed(problem, method, case, max_time)
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
              progress: Optional[Callable[[str], None]] = None) -> list[dict]:
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
            ours = measure_run(problem, case.method, case, max_time=max_time)
            fresh, refs = [], []
            for ref in case.references:
                key = (case.problem, tuple(sorted(case.params.items())), ref, case.gtol, case.max_iter,
                       repr(case.scipy_options.get(ref)))
                if key not in memo:
                    if progress:
                        progress(f"{case.name} vs {ref}")
                    memo[key] = measure_run(problem, ref, case, max_time=max_time)
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
def _core_row(group, metric, n, t, baseline, tb, target=None, note="") -> dict:
    """A ratio t / tb against ``target``; without a baseline the target bounds t itself (seconds)."""
    ratio = t / tb if tb else None
    value = ratio if tb else t
    met = None if target is None or value is None else bool(value <= target)
    return {"group": group, "metric": metric, "n": n, "time": t, "baseline": baseline, "baseline_time": tb,
            "ratio": ratio, "target": target, "met": met, "note": note}


def core_derivatives(n: int, repeats: int = 5) -> list[dict]:
    """Chained Rosenbrock at n: gradients over f, HVPs over a gradient (per call)."""
    from ..core.oracle import Oracle
    from ..core.problem import make_problem

    p = make_problem("rosenbrock", {"n": n})
    pa = make_problem("rosenbrock", {"n": n, "derivatives": "analytic"})
    rng = np.random.default_rng(0)
    x1 = p.x0 + 0.1 * rng.standard_normal(n)
    x2 = x1 + 1e-3
    v = rng.standard_normal(n)
    o = Oracle(p)
    pts = [x1, x2]
    k = [0]

    def grad_alternating():  # two points in turn, so the oracle's cache never answers
        k[0] ^= 1
        o.value_and_grad(pts[k[0]])

    t_f = per_call(lambda: p.f(x1), repeats)
    t_g = per_call(grad_alternating, repeats)
    t_ga = per_call(lambda: pa.grad(x1), repeats)
    t_hvp = per_call(lambda: o.hvp(x1, v), repeats)
    t_lin = per_call(lambda: o.hvp_operator(x1), repeats)
    op = o.hvp_operator(x1)
    t_op = per_call(lambda: op(v), repeats)
    big = n >= 100_000
    return [
        _core_row("derivatives", "autograd value_and_grad / f", n, t_g, "f", t_f),
        _core_row("derivatives", "analytic grad (rosen_der) / f", n, t_ga, "f", t_f),
        _core_row("derivatives", "HVP forward-over-reverse (Oracle.hvp) / grad", n, t_hvp, "autograd grad", t_g),
        _core_row("derivatives", "hvp_operator linearization / grad", n, t_lin, "autograd grad", t_g,
                  note="once per x"),
        _core_row("derivatives", "HVP re-applied (hvp_operator) / grad", n, t_op, "autograd grad", t_g,
                  1.3 if big else None, "target at n ≥ 1e5" if big else ""),
    ]


def core_dense_hessian(n: int = 1000, repeats: int = 3) -> list[dict]:
    """Dense ∇²f of chained Rosenbrock at n: Oracle.hess vs autograd.hessian vs analytic.

    Oracle.hess is timed twice: as the problem comes (it declares its tridiagonal sparsity, so
    the Hessian is recovered from a few coloured HVPs) and with the declaration removed (one
    linearization, then n backward passes — what any problem without a declared pattern gets).
    """
    from dataclasses import replace

    from ..lab.autodiff import hessian_dense
    from ..core.oracle import Oracle
    from ..core.problem import make_problem

    p = make_problem("rosenbrock", {"n": n})
    plain = replace(p, hess_sparsity=None)
    pa = make_problem("rosenbrock", {"n": n, "derivatives": "analytic"})
    x = p.x0 + 0.1 * np.random.default_rng(0).standard_normal(n)
    o, op, oa = Oracle(p), Oracle(plain), Oracle(pa)
    t_ag = per_call(lambda: hessian_dense(p.f, x), repeats, 0.0)
    rows = []
    if p.hess_sparsity is not None:
        t_o = per_call(lambda: o.hess(x), repeats, 0.0)
        rows.append(_core_row("dense Hessian", "Oracle.hess, declared sparsity / autograd.hessian", n, t_o,
                              "autograd.hessian", t_ag, 0.3, "coloured HVPs, made dense"))
    t_p = per_call(lambda: op.hess(x), repeats, 0.0)
    t_an = per_call(lambda: oa.hess(x), repeats, 0.0)
    return rows + [
        _core_row("dense Hessian", "Oracle.hess, no sparsity / autograd.hessian", n, t_p, "autograd.hessian", t_ag,
                  0.3, "n backward passes through one linearization"),
        _core_row("dense Hessian", "analytic hess / autograd.hessian", n, t_an, "autograd.hessian", t_ag),
    ]


def core_driver_overhead(iters: int = 5000, repeats: int = 5) -> list[dict]:
    """Driver + trace cost per iteration on 2-D Rosenbrock, in autograd gradients.

    ``gd -o lr=1e-4`` with the gradient test off does exactly one value_and_grad per
    iteration (checked through the counts), so a run of K iterations costs K·(grad + step +
    driver + trace). Measured against (a) one ``Oracle.value_and_grad`` at a new point and
    (b) a bare loop ``x ← x − lr·g; f, g = oracle.value_and_grad(x)`` with the same oracle:
    driver + trace = (run/K − bare/K) / grad; everything but the gradient = (run/K − grad) / grad.
    """
    from ..core.oracle import Oracle
    from ..core.problem import make_problem
    from ..api import solve
    from ..solvers.registry import make_method

    p = make_problem("rosenbrock", {"n": 2})
    solver = make_method("gd", {"lr": 1e-4})
    r = solve(p, solver, gtol=0.0, max_iter=iters)
    if r.njev != iters + 1 or r.nit != iters:
        raise RuntimeError(f"gd with a fixed step did {r.njev} gradients in {r.nit} iterations")
    t_run = per_call(lambda: solve(p, solver, gtol=0.0, max_iter=iters), repeats, 0.0) / iters

    def bare():
        o = Oracle(p)
        x = p.x0.copy()
        f, g = o.value_and_grad(x)
        for _ in range(iters):
            x = x - 1e-4 * g
            f, g = o.value_and_grad(x)

    t_bare = per_call(bare, repeats, 0.0) / iters
    o = Oracle(p)
    pts = [p.x0, p.x0 + 1e-3]
    k = [0]

    def grad_alternating():
        k[0] ^= 1
        o.value_and_grad(pts[k[0]])

    t_g = per_call(grad_alternating, repeats)
    return [
        _core_row("driver", "driver + trace per iteration / grad", 2, t_run - t_bare, "autograd grad", t_g, 0.3,
                  f"gd lr=1e-4, {iters} iterations, minus a bare loop with the same oracle"),
        _core_row("driver", "all but the gradient per iteration / grad", 2, t_run - t_g, "autograd grad", t_g,
                  note="driver + trace + gd step + oracle cache"),
        _core_row("driver", "bare loop per iteration / grad", 2, t_bare, "autograd grad", t_g,
                  note="x ← x − lr·g; oracle.value_and_grad(x)"),
    ]


def core_cli(repeats: int = 5) -> list[dict]:
    """Wall time of ``optbench --help`` and ``optbench solve rosenbrock --method newton`` (subprocess, min of k)."""
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))

    def wall(args: list[str]) -> float:
        best = math.inf
        for _ in range(repeats):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           check=True)
            best = min(best, time.perf_counter() - t0)
        return best

    t_py = wall(["-c", "pass"])
    t_help = wall(["-m", "optbench", "--help"])
    t_solve = wall(["-m", "optbench", "solve", "rosenbrock", "--method", "newton"])
    return [
        _core_row("cli", "python -c pass", None, t_py, None, None, note="interpreter start, for reference"),
        _core_row("cli", "optbench --help", None, t_help, None, None, 0.3, "target in seconds"),
        _core_row("cli", "optbench solve rosenbrock --method newton", None, t_solve, None, None, 1.5,
                  "target in seconds"),
    ]


def run_core(sizes=(10, 1000, 100_000, 1_000_000), *, hessian_n: int = 1000, driver_iters: int = 5000,
             repeats: int = 5, cli: bool = True, threads: Optional[int] = 1,
             progress: Optional[Callable[[str], None]] = None) -> list[dict]:
    """All core micro-benchmarks (:data:`CORE_KEYS` records)."""
    out: list[dict] = []
    with pinned_threads(threads):
        for n in sizes:
            if progress:
                progress(f"derivatives n={n}")
            out += core_derivatives(int(n), repeats)
        if hessian_n:
            if progress:
                progress(f"dense Hessian n={hessian_n}")
            out += core_dense_hessian(hessian_n, min(repeats, 3))
        if driver_iters:
            if progress:
                progress("driver overhead")
            out += core_driver_overhead(driver_iters, repeats)
    if cli:
        if progress:
            progress("CLI start-up")
        out += core_cli(repeats)
    return out


# ---------------------------------------------------------------------------- environment
def _version(dist: str) -> Optional[str]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def environment(threads: Optional[int] = 1) -> dict:
    """Versions, machine, date, git commit and BLAS threading, for comparing results across commits."""
    import autograd  # noqa: F401
    import scipy

    root = Path(__file__).resolve().parents[2]
    commit, dirty = None, None
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=10).stdout.strip() or None
        dirty = bool(subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                                    capture_output=True, text=True, timeout=10).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        from threadpoolctl import threadpool_info

        with pinned_threads(threads):  # what the measurements ran with
            pools = [{k: i.get(k) for k in ("internal_api", "num_threads", "version")} for i in threadpool_info()]
    except Exception:  # noqa: BLE001 - informational only
        pools = []
    try:
        load = list(os.getloadavg())
    except OSError:
        load = None
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": {"optbench": _version("optbench"), "python": platform.python_version(),
                     "numpy": np.__version__, "scipy": scipy.__version__, "autograd": _version("autograd")},
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "cpus": os.cpu_count(), "loadavg": load},
        "git_commit": commit, "git_dirty": dirty,
        "blas_threads": threads, "threadpools": pools,
    }
