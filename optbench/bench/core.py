"""Core micro-benchmarks: ratios of per-call times measured in one process (:func:`run_core`).

Per-call times are the min of k repeats of an auto-ranged loop (``time.perf_counter``):
autograd and analytic gradients over f, HVPs over a gradient, dense Hessians, the driver's
overhead per iteration, and the CLI's start-up — each with the issue's target where it
sets one. Pure functions returning records; nothing here prints.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from .suite import per_call, pinned_threads


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
