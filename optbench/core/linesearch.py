"""Line searches along a descent direction d from x: Armijo backtracking and strong Wolfe.

A line search is a *value* a solver is given — :class:`Armijo` ``(c1, rho)``,
:class:`StrongWolfe` ``(c1, c2)`` or :class:`FullStep` — validated once when it is
made, and called as ``search(oracle, x, f, g, d, t0)``. Each returns a
:class:`LineSearchResult`; none raises when no acceptable step exists — ``ok`` is
false and ``message`` says why, so the run can end with ``line_search_failed``.
Trial points where f is NaN or infinite are treated as "too long" and shrunk,
never accepted. ``conditions`` says honestly what holds at an accepted step:
``"armijo"`` (sufficient decrease) or ``"strong-wolfe"`` (sufficient decrease and
the strong curvature condition), or their approximate forms (below); a strong Wolfe search
that could only find sufficient decrease returns that point with ``conditions="armijo"`` (or
``"approx-armijo"``) and says so in ``message`` (the trace note), never claiming the Wolfe
conditions.

Near a minimizer the decrease the Armijo test asks for, c₁ t |∇fᵀd|, falls below the
rounding error of f itself (Newton on Jennrich–Sampson stalls at ‖∇f‖ ≈ 1e-6 with f ≈ 124,
where one ulp of f is 1.4e-14): the test then passes or fails by the last bits of f, which
differ between machines. There both searches use Hager & Zhang's *approximate Armijo*
condition, the sufficient decrease of the quadratic interpolating φ(0), φ'(0), φ'(t):
φ'(t) ≤ (2c₁ − 1) φ'(0) (and, where f rose, ‖∇f‖₂ not grown), in place of the Armijo test
when the change in f and the decrease asked for are both within the rounding level of f
(|Δf|, c₁ t |φ'(0)| ≤ 1e-12 |f|; there f(x) + c₁ t φ'(0) may round to f(x) and accept any
step that leaves f flat, an overshoot too). An accepted step says so
(``conditions="approx-armijo"``, a trace note); backtracking pays one gradient for it.

References: Nocedal & Wright, *Numerical Optimization*, 2nd ed., §3.1 (Armijo
condition, backtracking Alg. 3.1), §3.5 (strong Wolfe: Alg. 3.5 bracketing and
Alg. 3.6 zoom, cubic interpolation eq. 3.59); W. W. Hager and H. Zhang, "A new conjugate
gradient method with guaranteed descent and an efficient line search", SIAM J. Optim. 16(1),
2005, §4 (the approximate Wolfe conditions, eq. 4.1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .errors import UsageError
from .norms import norm2
from .oracle import Oracle
from .status import Status


@dataclass
class LineSearchResult:
    """Outcome of a line search: step length t, the new point and what is known there."""

    ok: bool
    t: float
    x: np.ndarray
    f: float
    g: Optional[np.ndarray] = None
    evals: int = 0
    message: str = ""
    unbounded: bool = False
    nonfinite: bool = False
    #: at an accepted step: "armijo", "approx-armijo", "strong-wolfe", "approx-wolfe" or "none" (full step)
    conditions: str = "armijo"

    def noted(self, note: str = "") -> str:
        """A solver's trace note with this search's own note added where the step is an approximate one."""
        if not self.conditions.startswith("approx"):
            return note
        return f"{note}; {self.message}" if note else self.message

    @property
    def failure_status(self) -> Status:
        """The run status a failed search implies: ``unbounded``, ``nonfinite`` or ``line_search_failed``."""
        if self.unbounded:
            return Status.UNBOUNDED
        return Status.NONFINITE if self.nonfinite else Status.LINE_SEARCH_FAILED


#: f values closer than this, relative to |f(x)|, are taken as indistinguishable: Hager & Zhang's
#: ε·|f| (their ε is 1e-6; ours is smaller). It allows thousands of ulps, as f's evaluation error
#: does when f sums large terms (Jennrich–Sampson: about 1e-12 at f ≈ 124).
NOISE_RTOL = 1e-12
APPROX_NOTE = "approx. Armijo (Δf below rounding)"


def within_rounding(f0: float, ft: float, t: float, slope: float, c1: float) -> bool:
    """Are the change f(x+td) − f(x) and the decrease c₁ t |∇fᵀd| both below f's rounding level?"""
    level = NOISE_RTOL * abs(f0)
    return abs(ft - f0) <= level and c1 * t * abs(slope) <= level


def approx_armijo(f0: float, ft: float, slope: float, dt: float, c1: float, g0: np.ndarray,
                  gt: np.ndarray) -> bool:
    """Hager–Zhang's approximate sufficient decrease φ'(t) ≤ (2c₁ − 1) φ'(0); where f rose, ‖∇f‖₂ not grown.

    The second test is ours. A step after which f is higher, if only within its rounding level,
    must at least not increase ‖∇f‖₂; this stops a gradient that does not belong to f (a sign
    error, say) from creeping uphill by rounding-sized steps. Where f did not rise (a concave
    stretch, say, along which ‖∇f‖ grows) Hager–Zhang's test alone decides.
    """
    if not dt <= (2.0 * c1 - 1.0) * slope:
        return False
    return ft <= f0 or norm2(gt) <= norm2(g0)


def _fail(x: np.ndarray, f0: float, t: float, evals: int, message: str) -> LineSearchResult:
    return LineSearchResult(False, t, x, f0, None, evals, message)


def backtracking(
    oracle: Oracle,
    x: np.ndarray,
    f0: float,
    g0: np.ndarray,
    d: np.ndarray,
    t0: float = 1.0,
    c1: float = 1e-4,
    rho: float = 0.5,
    max_evals: int = 60,
) -> LineSearchResult:
    """Armijo backtracking (N&W Alg. 3.1): t ← ρ·t until f(x + t d) ≤ f(x) + c₁ t ∇fᵀd.

    Uses f values only, except where f's change is within rounding (module docstring): there
    one gradient at the trial point decides by the approximate Armijo condition, and after a
    rejected trial the search skips the steps of its grid t·ρᵏ that the same condition on the
    secant of φ' rules out.
    """
    slope = float(g0 @ d)
    if not slope < 0:
        return _fail(x, f0, 0.0, 0, f"d is not a descent direction (∇fᵀd = {slope:.3g})")
    t = t0
    dnorm = norm2(d)
    xnorm = norm2(x)
    last_finite = True
    message = f"no sufficient decrease after {max_evals} trial steps"
    k = 0
    last_t = t
    gt = None  # ∇f at the trial: wanted once a trial was within rounding (so the next one is too)
    for k in range(1, max_evals + 1):
        last_t = t
        xt = x + t * d
        if gt is None:
            ft = oracle.f(xt)
        else:  # one pass for f and ∇f (f alone, then ∇f, would run f twice)
            ft, gt = oracle.value_and_grad(xt)
        last_finite = math.isfinite(ft)
        noise = math.isfinite(ft) and within_rounding(f0, ft, t, slope, c1)
        if not noise and math.isfinite(ft) and ft <= f0 + c1 * t * slope:
            return LineSearchResult(True, t, xt, ft, gt, k)
        if noise:
            if gt is None:
                ft, gt = oracle.value_and_grad(xt)  # reverse mode reruns f: the one double pass
            dt = float(gt @ d)
            if approx_armijo(f0, ft, slope, dt, c1, g0, gt):
                return LineSearchResult(True, t, xt, ft, gt, k, APPROX_NOTE, conditions="approx-armijo")
            # where φ'(t) failed the test, it is the Armijo test of the quadratic with this φ'(0) and
            # φ'(t), which holds up to 2(1 − c₁)·t* (t* the zero of the secant of φ'): skip the trials
            # of the grid t·ρᵏ beyond that (each would cost a gradient). (dt > (2c₁−1)·slope > slope
            # there, so slope − dt < 0; where only the ‖∇f‖ test failed, the grid goes on as usual.)
            fails_slope = math.isfinite(dt) and dt > (2.0 * c1 - 1.0) * slope
            limit = 2.0 * (1.0 - c1) * t * slope / (slope - dt) if fails_slope else t
            t *= rho
            while t > limit and t * dnorm > 1e-16 * (1.0 + xnorm):
                t *= rho
        else:
            t *= rho
        if t * dnorm <= 1e-16 * (1.0 + xnorm):
            message = "step became negligible without sufficient decrease"
            break
    if not last_finite:
        message = f"f was NaN or infinite at the trial steps down to t = {last_t:.3g}"
    else:
        message += f" (last t = {last_t:.3g})"
    result = _fail(x, f0, t, k, message)
    result.nonfinite = not last_finite
    return result


def _cubic_min(a: float, fa: float, da: float, b: float, fb: float, db: float) -> Optional[float]:
    """Minimizer of the cubic interpolating f and f' at a and b (N&W eq. 3.59), or None."""
    d1 = da + db - 3.0 * (fa - fb) / (a - b)
    disc = d1 * d1 - da * db
    if disc < 0 or not math.isfinite(disc):
        return None
    d2 = math.copysign(math.sqrt(disc), b - a)
    denom = db - da + 2.0 * d2
    if denom == 0:
        return None
    t = b - (b - a) * (db + d2 - d1) / denom
    return t if math.isfinite(t) else None


EXTRAPOLATION = (1.1, 4.0)


def _extrapolate(t_prev: float, f_prev: float, d_prev: float, t: float, ft: float, dt: float) -> float:
    """Next bracketing trial beyond t: the cubic's minimizer, kept in [t + 1.1Δ, t + 4Δ], Δ = t − t_prev.

    While f still decreases with a negative slope, N&W §3.5 asks for t_(i+1) in (t_i, t_max);
    the safeguarded cubic extrapolation and its bounds are those of Moré & Thuente (1994),
    the search scipy's L-BFGS-B uses.
    """
    lo, hi = EXTRAPOLATION
    width = t - t_prev
    guess = _cubic_min(t_prev, f_prev, d_prev, t, ft, dt)
    if guess is None or not guess > t:
        return t + hi * width
    return min(max(guess, t + lo * width), t + hi * width)


def strong_wolfe(
    oracle: Oracle,
    x: np.ndarray,
    f0: float,
    g0: np.ndarray,
    d: np.ndarray,
    t0: float = 1.0,
    c1: float = 1e-4,
    c2: float = 0.9,
    t_max: float = 1e10,
    max_evals: int = 40,
) -> LineSearchResult:
    """Strong Wolfe line search (N&W Alg. 3.5 bracketing + Alg. 3.6 zoom).

    Finds t with f(x+td) ≤ f(x) + c₁ t ∇fᵀd and |∇f(x+td)ᵀd| ≤ c₂ |∇fᵀd|, using
    f and ∇f at each trial (one reverse-mode pass each). Zoom trials come from
    safeguarded cubic interpolation, falling back to bisection.
    """
    dphi0 = float(g0 @ d)
    if not dphi0 < 0:
        return _fail(x, f0, 0.0, 0, f"d is not a descent direction (∇fᵀd = {dphi0:.3g})")
    evals = 0
    last_finite = True
    # best point satisfying sufficient decrease, kept as a fallback
    best: Optional[LineSearchResult] = None

    def phi(t: float):
        """The trial at t: (x_t, f, ∇f, φ'(t), sufficient decrease (or its approximate form where f's
        change is within rounding: ``noise``), noise); keeps the best sufficient point as the fallback."""
        nonlocal evals, best, last_finite
        evals += 1
        xt = x + t * d
        ft, gt = oracle.value_and_grad(xt)
        last_finite = math.isfinite(ft) and bool(np.all(np.isfinite(gt)))
        dt = float(gt @ d) if math.isfinite(ft) else math.nan
        noise = math.isfinite(ft) and within_rounding(f0, ft, t, dphi0, c1)
        ok = approx_armijo(f0, ft, dphi0, dt, c1, g0, gt) if noise else math.isfinite(ft) and ft <= f0 + c1 * t * dphi0
        if ok and math.isfinite(dt) and (best is None or ft < best.f):
            note = "strong Wolfe curvature condition not met"
            best = (LineSearchResult(True, t, xt, ft, gt, evals, f"{APPROX_NOTE}; {note}", conditions="approx-armijo")
                    if noise else LineSearchResult(True, t, xt, ft, gt, evals, note))
        return xt, ft, gt, dt, ok, noise

    def accept(t, xt, ft, gt, noise: bool) -> LineSearchResult:
        if not noise:
            return LineSearchResult(True, t, xt, ft, gt, evals, conditions="strong-wolfe")
        return LineSearchResult(True, t, xt, ft, gt, evals, "approx. Wolfe (Δf below rounding)", conditions="approx-wolfe")

    def zoom(lo, f_lo, d_lo, hi, f_hi, d_hi) -> LineSearchResult:
        while evals < max_evals:
            width = hi - lo
            t = None
            if math.isfinite(f_hi) and math.isfinite(d_hi):
                t = _cubic_min(lo, f_lo, d_lo, hi, f_hi, d_hi)
            lo_edge, hi_edge = sorted((lo + 0.1 * width, hi - 0.1 * width))
            if t is None or not (lo_edge <= t <= hi_edge):
                t = lo + 0.5 * width
            xt, ft, gt, dt, ok, noise = phi(t)
            if not ok or ft >= f_lo:
                hi, f_hi, d_hi = t, ft, dt
            else:
                if abs(dt) <= -c2 * dphi0:
                    return accept(t, xt, ft, gt, noise)
                if dt * (hi - lo) >= 0:
                    hi, f_hi, d_hi = lo, f_lo, d_lo
                lo, f_lo, d_lo = t, ft, dt
            if abs(hi - lo) * norm2(d) <= 1e-16 * (1.0 + norm2(x)):
                break
        return _fallback(f"zoom did not meet the strong Wolfe conditions in {evals} evaluations")

    def _fallback(message: str) -> LineSearchResult:
        if best is not None and best.t > 0:
            best.evals = evals
            return best
        if not last_finite:
            message = "f or ∇f was NaN or infinite at the last trial steps; " + message
        result = _fail(x, f0, 0.0, evals, message)
        result.nonfinite = not last_finite
        return result

    t_prev, f_prev, d_prev = 0.0, f0, dphi0
    t = min(t0, t_max)
    for i in range(max_evals):
        xt, ft, gt, dt, ok, noise = phi(t)
        if not ok or not math.isfinite(dt) or (i > 0 and ft >= f_prev):
            return zoom(t_prev, f_prev, d_prev, t, ft, dt)
        if abs(dt) <= -c2 * dphi0:
            return accept(t, xt, ft, gt, noise)
        if dt >= 0:
            return zoom(t, ft, dt, t_prev, f_prev, d_prev)
        if t >= t_max:
            return LineSearchResult(
                False, t, x, f0, None, evals, f"f still decreasing at t = t_max = {t_max:.3g} (f = {ft:.3g})", True
            )
        t_next = _extrapolate(t_prev, f_prev, d_prev, t, ft, dt)
        t_prev, f_prev, d_prev = t, ft, dt
        t = min(t_next, t_max)
    return _fallback(f"no strong Wolfe step after {max_evals} evaluations")


def _check_open(owner: str, name: str, value, lo: float, hi: float, lo_name: str = "") -> None:
    if not (isinstance(value, (int, float)) and not isinstance(value, bool) and lo < value < hi):
        lo_text = lo_name or f"{lo:g}"
        raise UsageError(f"{owner} option `{name}` must be in ({lo_text}, {hi:g}), got {value!r}", field=name,
                         value=value, allowed=f"in ({lo_text}, {hi:g})")


@dataclass(frozen=True)
class Armijo:
    """Backtracking until sufficient decrease, f(x + t d) ≤ f(x) + c₁ t ∇fᵀd; t ← ρ t (N&W Alg. 3.1)."""

    c1: float = 1e-4
    rho: float = 0.5
    kind = "armijo"

    def __post_init__(self) -> None:
        _check_open("Armijo", "c1", self.c1, 0.0, 1.0)
        _check_open("Armijo", "rho", self.rho, 0.0, 1.0)

    def __call__(self, oracle: Oracle, x, f0, g0, d, t0: float = 1.0) -> LineSearchResult:
        return backtracking(oracle, x, f0, g0, d, t0=t0, c1=self.c1, rho=self.rho)


@dataclass(frozen=True)
class StrongWolfe:
    """Sufficient decrease and |∇f(x + t d)ᵀd| ≤ c₂ |∇fᵀd| (N&W Alg. 3.5/3.6), 0 < c₁ < c₂ < 1."""

    c1: float = 1e-4
    c2: float = 0.9
    kind = "wolfe"

    def __post_init__(self) -> None:
        _check_open("StrongWolfe", "c1", self.c1, 0.0, 1.0)
        _check_open("StrongWolfe", "c2", self.c2, self.c1, 1.0)

    def __call__(self, oracle: Oracle, x, f0, g0, d, t0: float = 1.0) -> LineSearchResult:
        return strong_wolfe(oracle, x, f0, g0, d, t0=t0, c1=self.c1, c2=self.c2)


@dataclass(frozen=True)
class FullStep:
    """No search: the step t = t0 is taken as it is (pure Newton with t0 = 1)."""

    kind = "none"

    def __call__(self, oracle: Oracle, x, f0, g0, d, t0: float = 1.0) -> LineSearchResult:
        return LineSearchResult(True, t0, x + t0 * d, math.nan, None, 0, conditions="none")


def make_line_search(kind: str, c1: float = 1e-4, c2: float = 0.9, rho: float = 0.5):
    """The line-search value for a solver's options ``line_search=kind`` with c1, c2, rho."""
    if kind == "armijo":
        return Armijo(c1, rho)
    if kind == "wolfe":
        return StrongWolfe(c1, c2)
    if kind == "none":
        return FullStep()
    raise UsageError(f"unknown line search {kind!r} (choices: armijo, wolfe, none)", field="line_search", value=kind)
