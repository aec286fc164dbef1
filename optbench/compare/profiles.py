"""Benchmark statistics: the cost model, performance profiles, data profiles, shifted geometric means.

Cost in gradient-equivalents (``cost``)
    Every method in a comparison goes through the same :class:`~optbench.core.oracle.Oracle`,
    whose counters mean: ``nfev`` = runs of the user's f (also those inside derivative
    computations), ``ngev`` = gradients, ``nhvp`` = Hessian-vector products, ``nhev`` =
    dense Hessians. With reverse mode a gradient is one forward run of f plus one
    backward pass, and the backward pass costs about twice the forward run (the
    cheap-gradient principle, Griewank & Walther 2008, §4.6). In units of one gradient::

        cost = nfev/3 + (2/3)·ngev + nhvp + n·nhev

    so a value-and-gradient costs 1, an f alone 1/3, a forward-over-reverse HVP
    4/3 (its f run + one gradient-sized pass), a product through a shared
    linearization 1, and a dense Hessian (n such products) n + 1/3.

Performance profile (Dolan & Moré 2002)
    For cost t_{p,s} of solver s on problem p (∞ when s failed on p), the ratio
    r_{p,s} = t_{p,s} / min_s t_{p,s}, and ρ_s(τ) = |{p : r_{p,s} ≤ τ}| / |P|.

Data profile (Moré & Wild 2009)
    d_s(κ) = |{p : t_{p,s} / w_p ≤ κ}| / |P|, with w_p = 1 for a cost in
    gradient-equivalents or iterations and w_p = n_p + 1 ("simplex gradients") for a
    cost in f-evaluations, as in the paper.

Convergence test for a profile
    ``"gtol"``: ‖∇f(x_k)‖ ≤ gtol; ``"f"``: f(x_k) − f_L ≤ τ·(f(x_0) − f_L), where f_L is
    f* when known, else the smallest f any method reached on that instance (Moré & Wild).
    The cost of a run is the cost at the first trace row passing the test (∞ if none).

Shifted geometric mean (Achterberg 2007, §A.3; Mittelmann's benchmarks)
    sgm(t; s) = exp(mean(log(t_i + s))) − s, which damps the influence of tiny costs.
"""

from __future__ import annotations

import math
from typing import Iterable, Optional, Sequence

import numpy as np

COSTS = ("cost", "time", "iter", "nfev")
TESTS = ("gtol", "f")


#: the cost model, as tables, captions and manifests state it
COST_MODEL = "nfev/3 + 2*ngev/3 + nhvp + n*nhev"


def grad_equivalents(nfev, ngev, nhvp, nhev, n) -> float:
    """Work in gradient-equivalents: nfev/3 + (2/3)·ngev + nhvp + n·nhev (see module doc)."""
    return nfev / 3.0 + 2.0 * ngev / 3.0 + float(nhvp) + float(n) * nhev


def performance_profile(costs: np.ndarray, taus: Sequence[float]) -> np.ndarray:
    """ρ[i, s] = fraction of problems where solver s is within a factor taus[i] of the best.

    ``costs`` has shape (problems, solvers); failures are ``inf`` (or NaN). A problem no
    solver solved counts against every solver.
    """
    t = np.asarray(costs, dtype=float)
    t = np.where(np.isnan(t), np.inf, t)
    if t.ndim != 2 or t.shape[0] == 0:
        raise ValueError("costs must be a non-empty (problems, solvers) array")
    if np.any(t < 0):
        raise ValueError("costs must be non-negative")
    best = np.min(t, axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(np.isfinite(t), t / best, np.inf)
    r = np.where((best == 0) & (t == 0), 1.0, r)  # zero cost on both: ratio 1
    taus = np.asarray(taus, dtype=float)
    return (r[None, :, :] <= taus[:, None, None]).mean(axis=1)


def data_profile(costs: np.ndarray, kappas: Sequence[float], weights: Optional[Sequence[float]] = None) -> np.ndarray:
    """d[i, s] = fraction of problems solver s solved within kappas[i] units of cost (÷ weight)."""
    t = np.asarray(costs, dtype=float)
    t = np.where(np.isnan(t), np.inf, t)
    w = np.ones(t.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    kappas = np.asarray(kappas, dtype=float)
    return ((t / w[:, None])[None, :, :] <= kappas[:, None, None]).mean(axis=1)


def profile_taus(costs: np.ndarray, points: int = 200) -> np.ndarray:
    """A log-spaced τ grid from 1 to just past the largest finite ratio."""
    t = np.asarray(costs, dtype=float)
    t = np.where(np.isnan(t), np.inf, t)
    best = np.min(t, axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = t / best
    finite = r[np.isfinite(r)]
    top = max(2.0, float(finite.max()) * 1.05) if finite.size else 2.0
    return np.logspace(0.0, math.log10(top), points)


def shifted_geometric_mean(values: Iterable[float], shift: float) -> float:
    """exp(mean(log(v + shift))) − shift; NaN for an empty input."""
    v = np.asarray(list(values), dtype=float)
    if v.size == 0:
        return math.nan
    return float(np.exp(np.mean(np.log(v + shift))) - shift)


def trace_costs(trace: dict, cost: str, n: int) -> np.ndarray:
    """The chosen cost at each trace row (``trace`` maps column names to lists)."""
    if cost == "cost":
        return np.array([
            grad_equivalents(a, b, c, d, n)
            for a, b, c, d in zip(trace["nfev"], trace["ngev"], trace["nhvp"], trace["nhev"])
        ], dtype=float)
    if cost in ("time", "iter", "nfev"):
        return np.asarray(trace[cost], dtype=float)
    raise ValueError(f"cost must be one of {', '.join(COSTS)}, got {cost!r}")


def cost_to_solve(trace: dict, cost: str, n: int, test: str, gtol: float, tau: float,
                  f_low: Optional[float]) -> float:
    """The cost at the first trace row passing the convergence test, or ∞."""
    if not trace["iter"]:
        return math.inf
    if test == "gtol":
        ok = np.asarray(trace["grad_norm"], dtype=float) <= gtol
    elif test == "f":
        if f_low is None or not math.isfinite(f_low):
            return math.inf
        f = np.asarray(trace["f"], dtype=float)
        ok = f - f_low <= tau * (f[0] - f_low)
    else:
        raise ValueError(f"test must be one of {', '.join(TESTS)}, got {test!r}")
    ok &= np.isfinite(np.asarray(trace["f"], dtype=float))
    hits = np.flatnonzero(ok)
    return float(trace_costs(trace, cost, n)[hits[0]]) if hits.size else math.inf
