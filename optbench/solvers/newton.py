"""Newton's method: line search where the Hessian is positive definite, a trust-region step where not.

Update rule (default ``hessian_modification=auto`` = ``trust``):

* if ∇²f(x_k) ≻ 0 (its Cholesky factorisation succeeds): d_k = −∇²f(x_k)⁻¹∇f(x_k) and
  x_{k+1} = x_k + t_k d_k with a line search (the Newton iteration, unchanged);
* otherwise one step of the trust-region method N&W Alg. 4.1 with the nearly exact
  Moré–Sorensen step (N&W Alg. 4.3, :func:`.trsub.more_sorensen`): p solves (∇²f + λI)p = −∇f
  with ∇²f + λI ⪰ 0 and ‖p‖ ≤ Δ_k, the hard case included; x_{k+1} = x_k + p if the actual
  reduction is > η = 0.15 of the predicted one, else x is kept (a rejected step, reported).
  Δ is updated by Alg. 4.1 (¼ / ¾ thresholds, Δmax = ``max_radius``), starts at
  ``initial_radius`` and grows to the length of the accepted Newton steps, so it tracks the
  scale of the iteration. The note reads "H+λI trust region". This is the hybrid of Dennis &
  Schnabel (1983, §6.4) / Moré & Sorensen (1983), chosen because every modification of the
  Hessian by a shift fixed in advance crawls where ∇²f is singular along a valley: N&W Alg. 3.3
  with τ = β = 10⁻³ moved 1.8·10⁻⁴ per iteration for 15 896 iterations on Moré–Garbow–Hillstrom's
  Box 3D (the gradient along the valley is ~10⁻⁷), and the Cheng–Higham δ = √ε‖H‖ below crawls
  the same way on Meyer, where ‖H‖ ≈ 10¹⁴; the radius instead doubles after each good step.
  Box 3D from (0, 10, 20) now converges in 16 iterations.
* ``hessian_modification=ldl`` (dense only): the modified symmetric indefinite factorisation of
  Cheng & Higham (1998; N&W §3.4, Alg. 3.4). Bunch–Kaufman PᵀHP = LDLᵀ (D has 1×1 and 2×2
  blocks and, by Sylvester's law, the inertia of H); each block's eigenvalues μ are raised to
  max(μ, δ), δ = √ε·‖H‖_∞, and d solves (H + E)d = −∇f, then a line search.
* ``hessian_modification=cholesky``: τ_k by a factorisation with added multiple of the identity (N&W Alg. 3.3): τ = 0 if
  the Hessian's smallest diagonal entry is positive, else −min(diag) + β; while
  H + τI is not found positive definite, τ ← max(2τ, β). With τ > 0 the step notes the
  modification ("H+τI"; the Hessian was not positive definite).
* t_k from Armijo backtracking from t = 1 (default), strong Wolfe, or
  ``line_search=none``: t = 1, the pure Newton iteration x ← x − H⁻¹∇f.
* ``hessian_modification=none`` solves with the unmodified Hessian (the textbook
  iteration, which may step towards a saddle or maximum).

``hessian=dense``: the n × n Hessian from the oracle (autograd: n HVPs at one x), dense
Cholesky; n is capped by ``max_n`` so that it fits in memory. ``hessian=sparse``: the
problem's declared ``hess_sparsity`` is coloured once and each Hessian costs one HVP per
colour (3 for a tridiagonal pattern, whatever n; see :mod:`optbench.coloring`); H + τI is
factorised by sparse LU (SuperLU) with a symmetric fill-reducing ordering Pᵀ(H + τI)P
and diagonal pivots only. When no row interchange happened the factorisation is
LDLᵀ with D = diag(U), so by Sylvester's law of inertia H + τI is positive definite
exactly when every diagonal entry of U is positive — the sparse analogue of "Cholesky
succeeded". A narrow band (half-bandwidth ≤ 16: tridiagonal, 2×2 blocks) skips SuperLU for
LAPACK's banded Cholesky (dpbtrf, O(n b²); Golub & Van Loan §4.3), an order of magnitude
faster at n = 10⁶. ``hessian=auto`` (default) is sparse when the problem declares a pattern.

References: Nocedal & Wright, *Numerical Optimization*, 2nd ed., §3.3–3.4, Alg. 3.3 and 3.4,
§4.3, Alg. 4.1 and 4.3; Moré & Sorensen, SIAM J. Sci. Stat. Comput. 4 (1983) 553–572;
Dennis & Schnabel, *Numerical Methods for Unconstrained Optimization* (1983), §6.4;
Cheng & Higham, "A modified Cholesky algorithm based on a symmetric indefinite factorization",
SIAM J. Matrix Anal. Appl. 19 (1998) 1097–1110; Bunch & Kaufman, Math. Comp. 31 (1977);
Curtis, Powell & Reid (1974) and Gebremedhin, Manne & Pothen (2005) for the colouring;
Li, "An overview of SuperLU", ACM TOMS 31 (2005).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Callable, Literal, Optional

import numpy as np

from ..core.errors import UsageError
from ..core.methods import Capability
from ..core.status import Status
from .base import LineSearchSolver, StepInfo
from .curvature import SecondOrderStationarity
from .hessians import hessian_mode
from .registry import register_method
from .trsub import banded_factor, dense_ops, more_sorensen, sparse_ops
from .trust import UNBOUNDED_STEPS, trust_step, unbounded_info, unbounded_streak

EIGVALS_MAX_N = 2000  # up to this n the negative-curvature flag comes from the exact spectrum
BANDED_MAX = 16  # sparse Hessians of half-bandwidth up to this use banded Cholesky instead of SuperLU


def modified_solve(attempt: Callable[[float], Optional[np.ndarray]], min_diag: float, beta: float,
                   max_tries: int = 60):
    """N&W Alg. 3.3's τ schedule around ``attempt(τ)`` (d, or None if H + τI is not positive definite)."""
    tau = 0.0 if min_diag > 0 else -min_diag + beta
    for _ in range(max_tries):
        d = attempt(tau)
        if d is not None and np.all(np.isfinite(d)):
            return d, tau
        tau = max(2.0 * tau, beta)
    return None, tau


def modified_cholesky_solve(H: np.ndarray, g: np.ndarray, beta: float, max_tries: int = 60):
    """Solve (H + τI) d = −g (dense Cholesky) with τ from N&W Alg. 3.3; return (d, τ) or (None, τ)."""
    from scipy.linalg import LinAlgError, cho_factor, cho_solve

    n = H.shape[0]

    def attempt(tau: float) -> Optional[np.ndarray]:
        try:
            factor = cho_factor(H + tau * np.eye(n), lower=True, check_finite=False)
        except LinAlgError:
            return None
        return -cho_solve(factor, g, check_finite=False)

    return modified_solve(attempt, float(np.min(np.diag(H))), beta, max_tries)


def ldl_modified_solve(H: np.ndarray, g: np.ndarray):
    """Cheng–Higham modified LDLᵀ solve of (H + E) d = −g; return (d, raised, negative, δ).

    Bunch–Kaufman H = L D Lᵀ (scipy.linalg.ldl: L is a row permutation of a unit lower
    triangle); in every 1×1 or 2×2 block of D the eigenvalues μ < δ are replaced by δ =
    √ε·‖H‖_∞ (Cheng & Higham 1998, with their δ). ``raised`` counts the replaced eigenvalues
    (0: d is the Newton step), ``negative`` says whether H has a negative eigenvalue (exactly:
    D has the inertia of H). None for d when the factorisation is not finite.
    """
    from scipy.linalg import ldl, solve_triangular

    n = H.shape[0]
    delta = math.sqrt(np.finfo(float).eps) * max(float(np.max(np.abs(H).sum(axis=1))), np.finfo(float).tiny)
    L, D, perm = ldl(H, lower=True, check_finite=False)
    Lp = L[perm]  # unit lower triangular: P H Pᵀ = Lp D Lpᵀ
    if not (np.all(np.isfinite(Lp)) and np.all(np.isfinite(D))):
        return None, 0, False, delta
    sub = np.diag(D, -1)
    Dinv = np.zeros((n, n))
    raised, negative, i = 0, False, 0
    while i < n:
        size = 2 if i + 1 < n and sub[i] != 0.0 else 1
        mu, V = np.linalg.eigh(D[i:i + size, i:i + size])
        negative = negative or bool(np.any(mu < 0))
        raised += int(np.sum(mu < delta))
        Dinv[i:i + size, i:i + size] = (V / np.maximum(mu, delta)) @ V.T
        i += size
    y = solve_triangular(Lp, -g[perm], lower=True, unit_diagonal=True, check_finite=False)
    z = solve_triangular(Lp.T, Dinv @ y, lower=False, unit_diagonal=True, check_finite=False)
    d = np.empty(n)
    d[perm] = z
    return (d if np.all(np.isfinite(d)) else None), raised, negative, delta


def sparse_ldl_solve(H, g: np.ndarray, tau: float):
    """(d, inertia) for (H + τI) d = −g by SuperLU with diagonal pivots and a symmetric ordering.

    ``inertia`` is "pd" (no row interchange, all pivots > 0: LDLᵀ, positive definite), "indefinite"
    (no interchange and a pivot ≤ 0) or "unknown" (row interchange or exactly singular); d is
    returned only for "pd".
    """
    import scipy.sparse as sp
    from scipy.sparse.linalg import splu

    A = (H + tau * sp.identity(H.shape[0], format="csr")).tocsc()
    try:
        lu = splu(A, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options=dict(SymmetricMode=True))
    except RuntimeError:  # exactly singular
        return None, "unknown"
    if not np.array_equal(lu.perm_r, lu.perm_c):
        return None, "unknown"
    if not np.all(lu.U.diagonal() > 0):
        return None, "indefinite"
    return -lu.solve(np.asarray(g, dtype=float)), "pd"


def bandwidth(H) -> int:
    """Half-bandwidth max |i − j| over the stored entries of a sparse matrix."""
    C = H.tocoo()
    return int(np.max(np.abs(C.row - C.col))) if C.nnz else 0


def banded_cholesky_solve(H, g: np.ndarray, b: int, beta: float, max_tries: int = 60):
    """:func:`modified_cholesky_solve` for a sparse H of half-bandwidth b: LAPACK banded Cholesky (dpbtrf), O(n b²)."""

    n = H.shape[0]
    ab = np.zeros((b + 1, n))  # upper banded storage: ab[b − k, k:] = k-th superdiagonal
    for k in range(b + 1):
        ab[b - k, k:] = H.diagonal(k)

    factor = banded_factor(ab, b)  # the trust-region subproblem's banded Cholesky of H + τI

    def attempt(tau: float) -> Optional[np.ndarray]:
        solve = factor(tau)
        return None if solve is None else -solve(g)

    return modified_solve(attempt, float(ab[b].min()), beta, max_tries)


def sparse_modified_solve(H, g: np.ndarray, beta: float, max_tries: int = 60, banded_max: Optional[int] = None):
    """Sparse analogue of :func:`modified_cholesky_solve`: return (d, τ, negative) with the same τ schedule.

    Narrow bands (half-bandwidth ≤ ``banded_max``, default :data:`BANDED_MAX`) use banded Cholesky; other patterns sparse LDLᵀ by
    SuperLU (:func:`sparse_ldl_solve`). ``negative`` is True when H is known to have negative
    curvature (a negative diagonal entry, or a negative pivot of the unmodified LDLᵀ), False when H
    itself was positive definite, and None when the factorisations do not tell.
    """
    min_diag = float(H.diagonal().min())
    b = bandwidth(H)
    if b <= (BANDED_MAX if banded_max is None else banded_max):
        d, tau = banded_cholesky_solve(H, g, b, beta, max_tries)
        return d, tau, (True if min_diag < 0 else False if tau == 0 else None)
    seen: dict[float, str] = {}

    def attempt(tau: float) -> Optional[np.ndarray]:
        d, seen[tau] = sparse_ldl_solve(H, g, tau)
        return d

    d, tau = modified_solve(attempt, min_diag, beta, max_tries)
    if min_diag < 0 or seen.get(0.0) == "indefinite":
        negative: Optional[bool] = True
    elif seen.get(0.0) == "pd":
        negative = False
    else:
        negative = None
    return d, tau, negative


@dataclass(frozen=True)
class NewtonState:
    """The Hessian representation in use ("dense"/"sparse") and the radius of the trust-region fallback."""

    mode: str
    radius: float
    rejected: int = 0
    unbounded_streak: int = 0  # consecutive full-radius steps along negative curvature (trust.unbounded_streak)


@register_method
@dataclass(frozen=True)
class Newton(SecondOrderStationarity, LineSearchSolver):
    """Newton's method: autograd Hessian (dense, or sparse by colouring), line search; trust-region step where H ⋡ 0."""

    line_search: Literal["armijo", "wolfe", "none"] = "armijo"
    hessian_modification: Literal["auto", "trust", "ldl", "cholesky", "none"] = "auto"
    hessian: Literal["auto", "dense", "sparse"] = "auto"
    beta: float = 1e-3
    max_n: int = 10_000
    initial_radius: float = 1.0
    max_radius: float = 1000.0
    eta: float = 0.15

    name = "newton"
    capabilities = frozenset({Capability.GRADIENT, Capability.HESSIAN})
    summary = "Newton: line search where ∇²f ≻ 0, else a Moré-Sorensen trust-region step; sparse Hessians by colouring"
    default_max_iter = 1000

    def __post_init__(self) -> None:
        super().__post_init__()
        self._one_of("hessian_modification", ("auto", "trust", "ldl", "cholesky", "none"))
        self._one_of("hessian", ("auto", "dense", "sparse"))
        self._positive("beta")
        self._positive_int("max_n")
        self._positive("initial_radius")
        self._positive("max_radius")
        if self.max_radius < self.initial_radius:
            self._fail("max_radius", f"≥ initial_radius = {self.initial_radius:g}", self.max_radius)
        if not (isinstance(self.eta, (int, float)) and not isinstance(self.eta, bool) and 0.0 <= self.eta < 0.25):
            self._fail("eta", "in [0, 0.25) (N&W Alg. 4.1)", self.eta)

    def init(self, x, oracle):
        """The state: the Hessian representation in use ("dense" or "sparse") and the fallback radius Δ₀."""
        mode = hessian_mode("newton", self.hessian, self.max_n, x.size, oracle, "newton-cg or lbfgs")
        if mode == "sparse" and self.hessian_modification == "ldl":
            raise UsageError(
                "`newton` option hessian_modification=ldl needs a dense Hessian (there is no sparse Bunch–Kaufman "
                "here); use the option hessian_modification=trust or cholesky, or hessian=dense", field="options",
                value="hessian_modification=ldl")
        return NewtonState(mode, float(self.initial_radius))

    def step(self, x, state, oracle):
        f, g = oracle.value_and_grad(x)
        sparse = state.mode == "sparse"
        H = oracle.sparse_hess(x) if sparse else oracle.hess(x)
        if not np.all(np.isfinite(H.data if sparse else H)):
            return x, state, StepInfo(failure=Status.NONFINITE, message="the Hessian has NaN or infinite entries")
        note, tau, negative = "", 0.0, False
        modification = "trust" if self.hessian_modification == "auto" else self.hessian_modification
        if modification == "trust":
            ops = sparse_ops(H, BANDED_MAX) if sparse else dense_ops(H)
            solve = ops.factor(0.0)
            d = -solve(g) if callable(solve) else None
            if d is None or not np.all(np.isfinite(d)):
                return self._trust_step(x, f, g, H, ops, sparse, state, oracle)
        elif modification == "ldl":
            d, raised, negative, delta = ldl_modified_solve(H, g)
            if d is None:
                return x, state, StepInfo(failure=Status.SOLVER_FAILED, message="the LDLᵀ factorisation is not finite")
            if raised:
                note = f"H+E ({raised} eigenvalue{'s' if raised > 1 else ''} of D raised to δ={delta:.2g})"
        elif modification == "cholesky":
            if sparse:
                d, tau, known = sparse_modified_solve(H, g, self.beta)
            else:
                d, tau = modified_cholesky_solve(H, g, self.beta)
                known = None
            if d is None:
                what = "sparse LDLᵀ" if sparse else "Cholesky"
                return x, state, StepInfo(failure=Status.SOLVER_FAILED, message=f"modified {what} did not succeed")
            if tau > 0:
                negative = _negative_curvature(H, sparse, known)
                note = f"H+{tau:.2g}I"
        else:
            d = _plain_solve(H, g, sparse)
            if d is None:
                return x, state, StepInfo(failure=Status.SOLVER_FAILED, message="the Hessian is singular")
        ls = self.search(oracle, x, f, g, d, t0=1.0)
        if not ls.ok:
            return x, state, StepInfo(failure=ls.failure_status, message=ls.message, note=note)
        # the fallback radius follows the length of the Newton steps taken
        radius = min(self.max_radius, max(state.radius, float(np.linalg.norm(ls.x - x))))
        new_state = dataclasses.replace(state, radius=radius) if radius != state.radius else state
        return ls.x, new_state, StepInfo(alpha=ls.t, note=ls.noted(note), negative_curvature=negative)

    def _trust_step(self, x, f, g, H, ops, sparse: bool, state: NewtonState, oracle):
        """∇²f is not positive definite: one step of N&W Alg. 4.1 with the Moré–Sorensen step (N&W Alg. 4.3)."""
        sub = more_sorensen(g, state.radius, ops)
        x_new, radius, info = trust_step(oracle, x, f, sub, state.radius, self.eta, self.max_radius, state.rejected,
                                         note_prefix=f"H+{sub.lam:.2g}I trust region")
        if info.failure is not None:
            return x, state, info
        streak = unbounded_streak(state.unbounded_streak, sub, info, state.radius, self.max_radius)
        if streak >= UNBOUNDED_STEPS:
            return x, state, unbounded_info(self.max_radius, f, info)
        info.negative_curvature = _negative_curvature(H, sparse, sub.negative_curvature or None)
        return x_new, dataclasses.replace(state, radius=radius, rejected=state.rejected + info.rejected,
                                          unbounded_streak=streak), info


def _negative_curvature(H, sparse: bool, known: Optional[bool]) -> bool:
    """Does H have a negative eigenvalue? Exact up to EIGVALS_MAX_N, else from the factorisations (or True)."""
    if H.shape[0] <= EIGVALS_MAX_N:
        return bool(np.min(np.linalg.eigvalsh(H.toarray() if sparse else H)) < 0)
    return True if known is None else known


def _plain_solve(H, g, sparse: bool) -> Optional[np.ndarray]:
    """−H⁻¹g without modification, or None if H is singular."""
    if sparse:
        import warnings

        from scipy.sparse.linalg import MatrixRankWarning, spsolve

        with warnings.catch_warnings():
            warnings.simplefilter("error", MatrixRankWarning)
            try:
                d = -spsolve(H.tocsc(), g)
            except (MatrixRankWarning, RuntimeError):
                return None
        return d if np.all(np.isfinite(d)) else None
    try:
        return -np.linalg.solve(H, g)
    except np.linalg.LinAlgError:
        return None
