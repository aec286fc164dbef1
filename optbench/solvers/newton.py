"""Newton's method with Hessian modification and a line search; dense or sparse Hessians.

Update rule: solve (∇²f(x_k) + τ_k I) d_k = −∇f(x_k), then x_{k+1} = x_k + t_k d_k.

* τ_k by a factorisation with added multiple of the identity (N&W Alg. 3.3): τ = 0 if
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
colour (3 for a tridiagonal pattern, whatever n; see :mod:`optbench.core.coloring`); H + τI is
factorised by sparse LU (SuperLU) with a symmetric fill-reducing ordering Pᵀ(H + τI)P
and diagonal pivots only. When no row interchange happened the factorisation is
LDLᵀ with D = diag(U), so by Sylvester's law of inertia H + τI is positive definite
exactly when every diagonal entry of U is positive — the sparse analogue of "Cholesky
succeeded". A narrow band (half-bandwidth ≤ 16: tridiagonal, 2×2 blocks) skips SuperLU for
LAPACK's banded Cholesky (dpbtrf, O(n b²); Golub & Van Loan §4.3), an order of magnitude
faster at n = 10⁶. ``hessian=auto`` (default) is sparse when the problem declares a pattern.

References: Nocedal & Wright, *Numerical Optimization*, 2nd ed., §3.3–3.4, Alg. 3.3;
Curtis, Powell & Reid (1974) and Gebremedhin, Manne & Pothen (2005) for the colouring;
Li, "An overview of SuperLU", ACM TOMS 31 (2005).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal, Optional

import numpy as np

from ..core.errors import UsageError
from ..core.methods import Capability
from ..core.status import Status
from .base import LineSearchSolver, StepInfo
from .curvature import SecondOrderStationarity
from .registry import register_method

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
    from scipy.linalg import LinAlgError, cho_solve_banded, cholesky_banded

    n = H.shape[0]
    ab = np.zeros((b + 1, n))  # upper banded storage: ab[b − k, k:] = k-th superdiagonal
    for k in range(b + 1):
        ab[b - k, k:] = H.diagonal(k)

    def attempt(tau: float) -> Optional[np.ndarray]:
        shifted = ab.copy()
        shifted[b] += tau
        try:
            c = cholesky_banded(shifted, lower=False, overwrite_ab=True, check_finite=False)
        except LinAlgError:
            return None
        return -cho_solve_banded((c, False), g, check_finite=False)

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


@register_method
@dataclass(frozen=True)
class Newton(SecondOrderStationarity, LineSearchSolver):
    """Newton's method: autograd Hessian (dense, or sparse by colouring), modified factorisation, line search."""

    line_search: Literal["armijo", "wolfe", "none"] = "armijo"
    hessian_modification: Literal["cholesky", "none"] = "cholesky"
    hessian: Literal["auto", "dense", "sparse"] = "auto"
    beta: float = 1e-3
    max_n: int = 10_000

    name = "newton"
    capabilities = frozenset({Capability.GRADIENT, Capability.HESSIAN})
    summary = "Newton with modified Cholesky (N&W Alg. 3.3) and a line search; sparse Hessians by colouring"
    default_max_iter = 1000

    def __post_init__(self) -> None:
        super().__post_init__()
        self._one_of("hessian_modification", ("cholesky", "none"))
        self._one_of("hessian", ("auto", "dense", "sparse"))
        self._positive("beta")
        self._positive_int("max_n")

    def init(self, x, oracle):
        """The state is the Hessian representation in use: "dense" or "sparse"."""
        declared = oracle.problem.hess_sparsity is not None
        if self.hessian == "sparse" and not declared:
            raise UsageError(
                f"`newton` option hessian=sparse needs a Hessian sparsity pattern, but problem '{oracle.name}' "
                "declares no hess_sparsity; use the option hessian=dense, or the method newton-cg or lbfgs",
                field="options", value="hessian=sparse")
        mode = "sparse" if self.hessian == "sparse" or (self.hessian == "auto" and declared) else "dense"
        if mode == "dense" and x.size > self.max_n:
            gib = x.size**2 * 8 / 2**30
            way = ("use the option hessian=sparse (the problem declares hess_sparsity)" if declared else
                   "declare hess_sparsity in the problem (sparse path)")
            raise UsageError(
                f"`newton` forms the dense {x.size}×{x.size} Hessian ({gib:.1f} GiB), above max_n={self.max_n}; "
                f"{way}, the method newton-cg or lbfgs, or raise the option max_n", field="options",
                value=f"max_n={self.max_n}")
        return mode

    def step(self, x, state, oracle):
        f, g = oracle.value_and_grad(x)
        sparse = state == "sparse"
        H = oracle.sparse_hess(x) if sparse else oracle.hess(x)
        if not np.all(np.isfinite(H.data if sparse else H)):
            return x, state, StepInfo(failure=Status.NONFINITE, message="the Hessian has NaN or infinite entries")
        note, tau, negative = "", 0.0, False
        if self.hessian_modification == "cholesky":
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
        return ls.x, state, StepInfo(alpha=ls.t, note=note, negative_curvature=negative)


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
