"""Derivative lab: verify a problem's derivatives with finite differences and a Taylor test.

``check(problem)`` returns a :class:`CheckReport` (data only, nothing printed):

* **gradient sweep** — the autograd gradient against forward differences
  (f(x+h d) − f(x))/h and central differences (f(x+h d) − f(x−h d))/(2h) for
  h = 1e-1 … 1e-12, along the coordinate axes (n ≤ ``fd_max_coords``) or a few
  random unit directions. The error is V-shaped: truncation O(h) / O(h²) falls,
  rounding O(ε|f|/h) rises; the best central h is near ε^(1/3)
  (Nocedal & Wright §8.1, eq. 8.7).
* **HVP sweep** — the autograd Hessian-vector product against
  (∇f(x+rv) − ∇f(x−rv))/(2r) over the same r.
* **agreements** — every derivative the problem supplies by hand (``grad``,
  ``hvp``, ``hess``) against autograd (to rounding, ``tol_ad``) and against the
  best finite-difference estimate (``tol_fd``); autograd itself against FD.
* **Taylor test** — for a random unit direction v and h halving, the remainders
  r0 = |f(x+hv) − f(x)|, r1 = |r0-term − h∇f·v|, r2 = |r1-term − ½h²vᵀ∇²f v|
  decay as O(h), O(h²), O(h³) when the derivatives are right; the observed
  orders are least-squares slopes of log r against log h over the smallest steps
  whose remainders stand well above rounding (Farrell et al., dolfin-adjoint's
  "Taylor remainder convergence test"; Nocedal & Wright Thm 2.1).
* **HVP strategies** — forward-over-reverse, reverse-over-reverse, dense
  Hessian × v (and the supplied ones), their agreement and time.
* **symmetry** — ‖H − Hᵀ‖∞/‖H‖∞ of the autograd dense Hessian and of a supplied one.

The derivatives under test in the Taylor test are the problem's own: the
supplied ``grad``/``hvp``/``hess`` when given, autograd's otherwise.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Optional

import numpy as onp

from . import autodiff
from .finite_differences import (DEFAULT_STEPS, StepSweep, TaylorTest, _timed, gradient_sweep, hvp_sweep, relerr,
                                 taylor_test)
from ..core.errors import PluginError, RunError, UsageError
from ..core.problem import Problem, make_problem


# ---------------------------------------------------------------------------- data


@dataclass
class Agreement:
    """One derivative (``source``) compared with a reference; ``error`` is relative (∞-norm)."""

    derivative: str
    source: str
    reference: str
    error: float
    tol: float
    ok: bool


@dataclass
class StrategyTiming:
    """One HVP strategy: seconds per product and its difference from forward-over-reverse."""

    name: str
    seconds: Optional[float]
    error: Optional[float]
    note: str = ""


@dataclass
class Symmetry:
    source: str
    asymmetry: float
    tol: float
    ok: bool


@dataclass
class SparsityCheck:
    """Does the declared ``hess_sparsity`` cover every nonzero of the autograd dense Hessian at x?"""

    declared_nnz: int
    hessian_nnz: int
    missing: int
    example: Optional[list[int]]  # (i, j), 1-based, of a nonzero outside the pattern
    ok: bool


@dataclass
class CheckReport:
    """Everything ``optbench check`` measured; ``failures`` names each wrong derivative."""

    problem: str
    n: int
    at: str
    x: list[float]
    seed: int
    supplied: list[str]
    gradient: StepSweep
    hvp: StepSweep
    agreements: list[Agreement]
    taylor: TaylorTest
    strategies: list[StrategyTiming]
    symmetry: list[Symmetry]
    failures: list[str] = field(default_factory=list)
    sparsity: Optional[SparsityCheck] = None

    @property
    def passed(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict:
        d = asdict(self)
        d["passed"] = self.passed
        d["verdict"] = self.taylor.verdict()
        return d


# ---------------------------------------------------------------------------- helpers


def _call(prob: Problem, which: str, *args: Any) -> Any:
    """Call the problem's hand-written ``grad``/``hvp``/``hess``; its exceptions become one-line errors."""
    try:
        return getattr(prob, which)(*args)
    except Exception as e:
        raise PluginError(f"problem '{prob.label or '?'}': the supplied {which} raised {type(e).__name__}: {e}") from None


def _vec(value: Any, n: int, what: str) -> onp.ndarray:
    arr = onp.asarray(value, dtype=float)
    if hasattr(value, "toarray"):
        arr = onp.asarray(value.toarray(), dtype=float)
    arr = arr.reshape(-1)
    if arr.size != n:
        raise PluginError(f"{what} returned {arr.size} entries, expected {n}")
    return arr


def _matrix(value: Any, n: int, what: str) -> onp.ndarray:
    H = onp.asarray(value.toarray() if hasattr(value, "toarray") else value, dtype=float)
    if H.shape != (n, n):
        raise PluginError(f"{what} returned shape {H.shape}, expected ({n}, {n})")
    return H


def start_point(prob: Problem, at: Any, rng: onp.random.Generator) -> tuple[onp.ndarray, str]:
    """The point to check at: ``"x0"``, ``"random"`` (x0 + N(0, I), seeded) or explicit numbers."""
    if isinstance(at, str):
        key = at.strip().lower()
        if key == "x0":
            return prob.x0.copy(), "x0"
        if key == "random":
            return prob.x0 + rng.standard_normal(prob.n), "random (x0 + N(0, I))"
        parts = [p.strip() for p in at.replace(";", ",").split(",")]
        try:
            x = onp.array([float(p) for p in parts])
        except ValueError:
            raise UsageError(f"{{field}} expects x0, random or comma-separated numbers such as '-1.2,1'; got '{at}'",
                             field="at", value=at) from None
        label = "given"
    else:
        x = onp.asarray(at, dtype=float).reshape(-1)
        label = "given"
    if x.size != prob.n:
        raise UsageError(f"{{field}} has {x.size} numbers but problem '{prob.label}' has n = {prob.n}; give {prob.n} "
                         "or use x0/random", field="at", value=at)
    return x, label


# ---------------------------------------------------------------------------- sweeps


# ---------------------------------------------------------------------------- main
def check(
    problem: Any,
    params: Optional[dict] = None,
    *,
    at: Any = "x0",
    seed: int = 0,
    steps: tuple = DEFAULT_STEPS,
    fd_max_coords: int = 32,
    fd_directions: int = 8,
    taylor_halvings: int = 30,
    dense_max: int = 400,
    tol_ad: float = 1e-8,
    tol_fd: float = 1e-5,
    tol_sym: float = 1e-8,
) -> CheckReport:
    """Check a problem's derivatives at a point; see the module docstring for what is measured.

    ``problem`` is a name, ``file.py:name``, a factory or a :class:`Problem`;
    ``at`` is ``"x0"``, ``"random"`` or a vector. A supplied derivative fails when
    it differs from autograd by more than ``tol_ad`` or from the best central
    difference by more than ``tol_fd`` (relative, ∞-norm).
    """
    prob = make_problem(problem, params)
    rng = onp.random.default_rng(seed)
    x, at_label = start_point(prob, at, rng)
    n = prob.n
    f = prob.f
    supplied = [k for k in ("grad", "hvp", "hess") if getattr(prob, k) is not None]

    try:
        with onp.errstate(all="ignore"):  # a non-finite f is reported below, not warned about
            fx = float(f(x))
    except Exception as e:
        raise RunError(f"problem '{prob.label}': f raised {type(e).__name__} at the check point: {e}") from None
    if not onp.isfinite(fx):
        raise RunError(f"problem '{prob.label}': f(x) = {fx} at the check point; choose another with {{field}}",
                       field="at", value=fx)

    def ad_grad(z: onp.ndarray) -> onp.ndarray:
        try:
            return onp.asarray(autodiff.gradient(f, z), dtype=float).reshape(-1)
        except TypeError as e:
            raise PluginError(f"problem '{prob.label}': autograd cannot differentiate f ({e}); "
                              "write f with autograd.numpy and avoid in-place assignment") from None

    g_ad = ad_grad(x)
    if n <= fd_max_coords:
        D, directions = onp.eye(n), "coordinate axes"
    else:
        D = rng.standard_normal((n, fd_directions))
        D /= onp.linalg.norm(D, axis=0)
        directions = f"{fd_directions} random unit directions"
    gsweep, g_fd = gradient_sweep(f, x, g_ad, D, directions, steps)

    v = rng.standard_normal(n)
    v /= onp.linalg.norm(v)
    hv_ad = onp.asarray(autodiff.hvp_forward_over_reverse(f, x, v), dtype=float).reshape(-1)
    hsweep, hv_fd = hvp_sweep(ad_grad, x, v, hv_ad, steps)

    agreements = [
        Agreement("gradient", "autograd", f"central FD (h={gsweep.best_step:.0e})", gsweep.best_error, tol_fd,
                  gsweep.best_error <= tol_fd),
        Agreement("Hessian-vector product", "autograd", f"central FD (r={hsweep.best_step:.0e})",
                  hsweep.best_error, tol_fd, hsweep.best_error <= tol_fd),
    ]

    def agree(derivative: str, source: str, value: onp.ndarray, ad_ref: onp.ndarray, fd_ref: onp.ndarray,
              fd_label: str) -> None:
        e_ad, e_fd = relerr(value, ad_ref), relerr(value, fd_ref)
        agreements.append(Agreement(derivative, source, "autograd", e_ad, tol_ad, e_ad <= tol_ad))
        agreements.append(Agreement(derivative, source, fd_label, e_fd, tol_fd, e_fd <= tol_fd))

    g_test, gsrc = g_ad, "autograd"
    if prob.grad is not None:
        g_test, gsrc = _vec(_call(prob, "grad", x), n, "grad"), "supplied grad"
        agree("gradient", gsrc, D.T @ g_test, D.T @ g_ad, g_fd[gsweep.best_step],
              f"central FD (h={gsweep.best_step:.0e})")
    hsrc, H_supplied = "autograd", None
    fd_label = f"central FD (r={hsweep.best_step:.0e})"
    if prob.hess is not None:
        H_supplied, hsrc = _matrix(_call(prob, "hess", x), n, "hess"), "supplied hess"
        agree("Hessian", hsrc, H_supplied @ v, hv_ad, hv_fd[hsweep.best_step], fd_label)
    if prob.hvp is not None:
        hsrc = "supplied hvp"
        agree("Hessian-vector product", hsrc, _vec(_call(prob, "hvp", x, v), n, "hvp"), hv_ad,
              hv_fd[hsweep.best_step], fd_label)
    if prob.hess_sparsity is not None:
        H_colored = _colored_hessian(prob, x)
        agree("sparse Hessian", "declared hess_sparsity", H_colored @ v, hv_ad,
              hv_fd[hsweep.best_step], fd_label)

    w = rng.standard_normal(n)
    w /= onp.linalg.norm(w)
    if prob.hvp is not None:
        Hw = _vec(_call(prob, "hvp", x, w), n, "hvp")
    elif H_supplied is not None:
        Hw = H_supplied @ w
    else:
        Hw = onp.asarray(autodiff.hvp_forward_over_reverse(f, x, w), dtype=float).reshape(-1)
    taylor = taylor_test(f, x, w, g_test, Hw, gsrc, hsrc, halvings=taylor_halvings)

    strategies, H_ad = _strategies(prob, x, v, hv_ad, dense_max)
    symmetry = []
    if H_ad is not None:
        a = _asymmetry(H_ad)
        symmetry.append(Symmetry("autograd dense Hessian", a, tol_sym, a <= tol_sym))
    if H_supplied is not None:
        a = _asymmetry(H_supplied)
        symmetry.append(Symmetry("supplied hess", a, tol_sym, a <= tol_sym))

    report = CheckReport(prob.label or "problem", n, at_label, [float(t) for t in x], seed, supplied,
                         gsweep, hsweep, agreements, taylor, strategies, symmetry)
    if H_ad is not None and prob.hess_sparsity is not None:
        report.sparsity = sparsity_check(prob.hess_sparsity, H_ad)
    report.failures = _failures(report)
    return report


def _colored_hessian(prob: Problem, x: onp.ndarray):
    """The sparse Hessian recovered from autograd HVPs on the declared pattern (wrong if it misses a nonzero)."""
    from ..core.coloring import hessian_coloring, recover_hessian, seed_matrix

    try:
        pattern, colors, kind = hessian_coloring(prob.hess_sparsity)
    except (TypeError, ValueError) as e:
        raise PluginError(f"problem '{prob.label}': hess_sparsity is not a sparsity pattern ({e})") from None
    if pattern.shape != (prob.n, prob.n):
        raise PluginError(f"problem '{prob.label}': hess_sparsity has shape {pattern.shape}, "
                          f"expected ({prob.n}, {prob.n})")
    S = seed_matrix(colors)
    B = onp.stack([onp.asarray(autodiff.hvp_forward_over_reverse(prob.f, x, S[:, c]), dtype=float).reshape(-1)
                   for c in range(S.shape[1])], axis=1)
    return recover_hessian(pattern, colors, kind, B)


def _strategies(prob: Problem, x: onp.ndarray, v: onp.ndarray, ref: onp.ndarray,
                dense_max: int) -> tuple[list[StrategyTiming], Optional[onp.ndarray]]:
    out, H = [], None
    for name, fn in autodiff.HVP_STRATEGIES.items():
        if name.startswith("dense") and prob.n > dense_max:
            out.append(StrategyTiming(name, None, None, f"skipped: n = {prob.n} > {dense_max}"))
            continue
        hv, sec = _timed(lambda fn=fn: fn(prob.f, x, v))
        out.append(StrategyTiming(name, sec, relerr(onp.asarray(hv, dtype=float), ref)))
    if prob.n <= dense_max:
        H = autodiff.hessian_dense(prob.f, x)
    if prob.hvp is not None:
        hv, sec = _timed(lambda: _call(prob, "hvp", x, v))
        out.append(StrategyTiming("supplied hvp", sec, relerr(_vec(hv, prob.n, "hvp"), ref)))
    if prob.hess is not None:
        hv, sec = _timed(lambda: _matrix(_call(prob, "hess", x), prob.n, "hess") @ v)
        out.append(StrategyTiming("supplied hess × v", sec, relerr(hv, ref)))
    return out, H


def sparsity_check(pattern: Any, H: onp.ndarray) -> SparsityCheck:
    """Nonzeros of H (above 1e-13·max|H|) that the declared pattern leaves out.

    A pattern that is too large only costs extra Hessian-vector products; one that is
    too small makes the coloured (sparse) Hessian silently wrong, so it fails the check.
    """
    P = pattern.toarray() if hasattr(pattern, "toarray") else onp.asarray(pattern)
    P = P.astype(bool)
    if P.shape != H.shape:
        return SparsityCheck(int(P.sum()), 0, -1, None, False)
    scale = float(onp.max(onp.abs(H))) if H.size else 0.0
    nonzero = onp.abs(H) > 1e-13 * scale
    outside = nonzero & ~P
    missing = int(outside.sum())
    example = [int(i) + 1 for i in onp.argwhere(outside)[0]] if missing else None
    return SparsityCheck(int(P.sum()), int(nonzero.sum()), missing, example, missing == 0)


def _asymmetry(H: onp.ndarray) -> float:
    scale = float(onp.max(onp.abs(H)))
    diff = float(onp.max(onp.abs(H - H.T)))
    return diff / scale if scale > 0 else diff


def _failures(rep: CheckReport) -> list[str]:
    """One line per wrong derivative, naming it and the evidence."""
    lines: list[str] = []
    by_source: dict[str, list[Agreement]] = {}
    for a in rep.agreements:
        if not a.ok:
            by_source.setdefault(a.source, []).append(a)
    for source, bad in by_source.items():
        ev = "; ".join(f"differs from {a.reference} by {a.error:.1e} (tolerance {a.tol:.0e})" for a in bad)
        if source == "autograd":
            lines.append(f"autograd's {bad[0].derivative} disagrees with finite differences: {ev} "
                         "(is f smooth near this point?)")
        else:
            lines.append(f"the {source} ({bad[0].derivative}) is wrong: {ev}")
    t = rep.taylor
    if not t.gradient_ok:
        lines.append(f"Taylor test: the gradient ({t.gradient_source}) gives order {t.order1:.2f}, expected 2")
    elif t.hessian_ok is False:
        lines.append(f"Taylor test: the Hessian ({t.hessian_source}) gives order {t.order2:.2f}, expected 3")
    for s in rep.symmetry:
        if not s.ok:
            lines.append(f"the {s.source} is not symmetric: ‖H − Hᵀ‖∞/‖H‖∞ = {s.asymmetry:.1e}")
    sp = rep.sparsity
    if sp is not None and not sp.ok:
        if sp.missing < 0:
            lines.append(f"the declared hess_sparsity has the wrong shape (expected {rep.n}×{rep.n})")
        else:
            i, j = sp.example
            lines.append(f"the declared hess_sparsity misses {sp.missing} nonzero entries of ∇²f at x, e.g. ({i}, {j}); "
                         "a Hessian recovered from it (sparse Newton) would be wrong — widen the pattern")
    return lines


# ---------------------------------------------------------------------------- float32 demo


