"""Trust-region subproblems and the radius update, as pure functions (no oracle, no state).

Each subproblem solver approximately minimises the quadratic model

    m(p) = gᵀp + ½ pᵀBp   subject to ‖p‖₂ ≤ Δ

and returns a :class:`Subproblem` with the step p and the predicted reduction
m(0) − m(p) computed from quantities it already has (no extra products).

* :func:`steihaug_cg` — truncated CG on products v ↦ Bv (Steihaug 1983, Toint 1981;
  N&W Alg. 7.2): stops at negative curvature or at the boundary, or when ‖r‖ ≤ tol.
* :func:`more_sorensen` — the nearly exact solution (Moré & Sorensen 1983; N&W Alg. 4.3,
  safeguarded as in Conn, Gould & Toint, *Trust-Region Methods*, 2000, Alg. 7.3.6) for any
  B given by a factorisation callable ``factor(λ)`` of B + λI: dense Cholesky
  (:func:`dense_ops`), banded Cholesky or sparse LDLᵀ (:func:`sparse_ops`), a tridiagonal
  (:func:`tridiagonal_ops`, used by GLTR). Includes the hard case.
* :func:`gltr` — the generalized Lanczos trust-region method (Gould, Lucidi, Roma & Toint,
  SIAM J. Optim. 9, 1999): Lanczos tridiagonalisation T_k of B on the Krylov space of g and
  :func:`more_sorensen` on the tridiagonal subproblem, p = Q_k h.
* :func:`update_radius` — N&W Alg. 4.1 with the constants named there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

EPS = float(np.finfo(float).eps)

# N&W Alg. 4.1: shrink when ρ < ¼ (Δ ← ¼Δ), expand when ρ > ¾ on the boundary (Δ ← min(2Δ, Δmax)).
SHRINK_BELOW, SHRINK_FACTOR = 0.25, 0.25
EXPAND_ABOVE, EXPAND_FACTOR = 0.75, 2.0
# Moré–Sorensen termination (CGT 2000 §7.3.4; scipy uses the same): |‖p‖ − Δ| ≤ κ_easy Δ, and the hard-case test
K_EASY, K_HARD = 0.1, 0.2


@dataclass(frozen=True)
class Subproblem:
    """An approximate minimiser p of m(p) = gᵀp + ½pᵀBp over ‖p‖ ≤ Δ, and what is known about it."""

    p: np.ndarray
    pred: float  # m(0) − m(p), the predicted reduction (≥ 0 for a useful step)
    boundary: bool  # ‖p‖ = Δ (to the solver's tolerance)
    iterations: int  # CG / Lanczos / factorisation iterations
    negative_curvature: bool = False  # B was found indefinite
    lam: float = 0.0  # the multiplier λ of (B + λI)p = −g when known
    hard_case: bool = False
    failure: str = ""  # non-empty when the products became non-finite


def update_radius(radius: float, rho: float, step_norm: float, boundary: bool, max_radius: float) -> float:
    """N&W Alg. 4.1: Δ ← ¼Δ if ρ < ¼; Δ ← min(2Δ, Δmax) if ρ > ¾ and the step reached the boundary; else Δ."""
    if not rho >= SHRINK_BELOW:  # also NaN / −inf (non-finite trial value)
        return SHRINK_FACTOR * radius
    if rho > EXPAND_ABOVE and boundary:
        return min(EXPAND_FACTOR * radius, max_radius)
    return radius


def reduction_ratio(f: float, f_new: float, pred: float) -> float:
    """ρ = (f − f_new) / pred, guarded against rounding: both differences get δ = 10 ε max(1, |f|) added.

    Near a solution both reductions are at the rounding level of f and their quotient is
    noise; adding δ drives ρ to 1 there instead of rejecting good steps (Conn, Gould & Toint
    2000, §17.4.2). A non-finite f_new gives ρ = −inf (the step is rejected).
    """
    if not math.isfinite(f_new):
        return -math.inf
    delta = 10.0 * EPS * max(1.0, abs(f))
    if not pred + delta > 0:  # the model predicts an increase (rounding in the subproblem): reject
        return -math.inf
    return ((f - f_new) + delta) / (pred + delta)


def to_boundary(z: np.ndarray, d: np.ndarray, radius: float) -> tuple[float, float]:
    """The two roots τ₋ ≤ 0 ≤ τ₊ of ‖z + τd‖ = Δ (for ‖z‖ ≤ Δ), computed without cancellation."""
    a = float(d @ d)
    b = float(z @ d)
    c = float(z @ z) - radius * radius
    root = math.sqrt(max(b * b - a * c, 0.0))
    q = -(b + math.copysign(root, b))  # τ = q/a and c/q are the roots
    if q == 0.0:
        return 0.0, 0.0
    t1, t2 = q / a, c / q
    return min(t1, t2), max(t1, t2)


# --------------------------------------------------------------------------- Steihaug–Toint CG
def steihaug_cg(hvp: Callable[[np.ndarray], np.ndarray], g: np.ndarray, radius: float, tol: float,
                max_iter: int) -> Subproblem:
    """Truncated CG for min m(p), ‖p‖ ≤ Δ (N&W Alg. 7.2).

    z₀ = 0, r₀ = g, d₀ = −g; for j = 0, 1, …: if d_jᵀBd_j ≤ 0 return the boundary point
    z_j + τd_j with the lower model value; α = r_jᵀr_j / d_jᵀBd_j; if ‖z_j + αd_j‖ ≥ Δ return
    z_j + τ₊d_j; r_{j+1} = r_j + αBd_j; stop when ‖r_{j+1}‖ ≤ tol; d_{j+1} = −r_{j+1} + β d_j.
    The model value is tracked through r = Bz + g, so pred costs no product.
    """
    z = np.zeros_like(g)
    r = np.array(g, dtype=float, copy=True)
    d = -r
    rr = float(r @ r)
    if math.sqrt(rr) <= tol:
        return Subproblem(z, 0.0, False, 0)
    for j in range(max_iter):
        Bd = hvp(d)
        dBd = float(d @ Bd)
        if not math.isfinite(dBd):
            return Subproblem(z, _pred_cg(g, z, r), False, j + 1, failure="a Hessian-vector product is not finite")
        alpha = rr / dBd if dBd > 0 else math.inf
        z_new = z + alpha * d if dBd > 0 else z
        if dBd <= 0 or float(z_new @ z_new) >= radius * radius:
            t_lo, t_hi = to_boundary(z, d, radius)
            rd = float(r @ d)  # m(z + τd) = m(z) + τ rᵀd + ½ τ² dᵀBd
            if dBd <= 0:
                t = min((t_lo, t_hi), key=lambda t: t * rd + 0.5 * t * t * dBd)
            else:
                t = t_hi
            p = z + t * d
            pred = _pred_cg(g, z, r) - (t * rd + 0.5 * t * t * dBd)
            return Subproblem(p, pred, True, j + 1, negative_curvature=dBd <= 0)
        z = z_new
        r = r + alpha * Bd
        rr_new = float(r @ r)
        if math.sqrt(rr_new) <= tol:
            return Subproblem(z, _pred_cg(g, z, r), False, j + 1)
        d = -r + (rr_new / rr) * d
        rr = rr_new
    return Subproblem(z, _pred_cg(g, z, r), False, max_iter)


def _pred_cg(g: np.ndarray, z: np.ndarray, r: np.ndarray) -> float:
    """m(0) − m(z) with Bz = r − g: −(gᵀz + ½zᵀ(r − g)) = −½(gᵀz + rᵀz)."""
    return -0.5 * (float(g @ z) + float(r @ z))


# --------------------------------------------------------------------------- Moré–Sorensen
@dataclass(frozen=True)
class MatrixOps:
    """What :func:`more_sorensen` needs of B: products, Gershgorin/norm bounds, and B + λI factorisations.

    ``factor(λ)`` returns a solver b ↦ (B + λI)⁻¹b when B + λI is positive definite. Otherwise it
    returns None, or — when the factorisation tells more — a float λ_L ≥ λ that is a lower bound on
    −λ_min(B) (:func:`breakdown_bound`, from where the Cholesky factorisation broke down).
    """

    matvec: Callable[[np.ndarray], np.ndarray]
    factor: Callable[[float], Optional[Callable[[np.ndarray], np.ndarray]]]
    min_diag: float
    gershgorin_lo: float  # min_i (B_ii − Σ_{j≠i} |B_ij|) ≤ λ_min
    gershgorin_hi: float  # max_i (B_ii + Σ_{j≠i} |B_ij|) ≥ λ_max
    norm: float  # min(‖B‖_F, ‖B‖_∞) ≥ |λ|_max
    n: int


def dense_ops(B: np.ndarray) -> MatrixOps:
    """:class:`MatrixOps` for a dense symmetric B: LAPACK Cholesky (potrf) of B + λI; a breakdown gives a bound."""
    from scipy.linalg.lapack import dpotrf

    B = np.asarray(B, dtype=float)
    n = B.shape[0]
    diag = np.diag(B).copy()
    off = np.abs(B).sum(axis=1) - np.abs(diag)
    eye = np.eye(n)

    def factor(lam: float):
        A = B + lam * eye
        L, info = dpotrf(A, lower=1, clean=1, overwrite_a=0)  # as cho_factor(lower=True): the same L
        if info > 0:  # the leading info × info block of B + λI is not positive definite
            return breakdown_bound(A, L.T, int(info), lam)
        if info < 0 or not np.all(np.isfinite(L.diagonal())):
            return None
        return CholeskySolve(L)

    norm = min(float(np.linalg.norm(B, "fro")), float(np.max(np.abs(B).sum(axis=1))) if n else 0.0)
    return MatrixOps(lambda v: B @ v, factor, float(diag.min()), float((diag - off).min()),
                     float((diag + off).max()), norm, n)


class CholeskySolve:
    """b ↦ (B + λI)⁻¹b from the lower Cholesky factor L (B + λI = LLᵀ), and a small singular direction of Lᵀ."""

    def __init__(self, L: np.ndarray):
        self.L = L

    def __call__(self, b: np.ndarray) -> np.ndarray:
        from scipy.linalg import cho_solve

        return cho_solve((self.L, True), b, check_finite=False)

    def smallest_direction(self) -> np.ndarray:
        return linpack_small_direction(self.L.T)


def linpack_small_direction(U: np.ndarray) -> np.ndarray:
    """A unit z with small ‖Uz‖ (so small zᵀ(B + λI)z) by the LINPACK condition estimator, O(n²).

    Cline, Moler, Stewart & Wilkinson (SIAM J. Numer. Anal. 16, 1979), as Golub & Van Loan,
    *Matrix Computations*, 4th ed., Alg. 3.5.1: solve Uᵀw = e by forward substitution, choosing
    each e_k ∈ {+1, −1} to make |w_k| + ‖(running sums of the later equations)‖₁ the larger
    (a look-ahead that makes ‖w‖ large); then solve Uv = w and return z = v/‖v‖, with
    ‖Uz‖ = ‖w‖/‖v‖ ≈ σ_min(U). This is the z of Moré & Sorensen (1983, §3) and of scipy's
    ``estimate_smallest_singular_value``.
    """
    from scipy.linalg import solve_triangular

    n = U.shape[0]
    s = np.zeros(n)  # s_j = Σ_{i<k} U_ij w_i for j ≥ k
    w = np.empty(n)
    for k in range(n):
        wp = (1.0 - s[k]) / U[k, k]
        wm = (-1.0 - s[k]) / U[k, k]
        sp_ = s[k + 1:] + U[k, k + 1:] * wp
        sm_ = s[k + 1:] + U[k, k + 1:] * wm
        if abs(wp) + np.abs(sp_).sum() >= abs(wm) + np.abs(sm_).sum():
            w[k], s[k + 1:] = wp, sp_
        else:
            w[k], s[k + 1:] = wm, sm_
    v = solve_triangular(U, w, check_finite=False)
    return v / np.linalg.norm(v)


def breakdown_bound(A: np.ndarray, U: np.ndarray, k: int, lam: float) -> float:
    """A lower bound on −λ_min(B) from a Cholesky factorisation of A = B + λI that broke down at column k.

    The first k − 1 columns of U are those of the factor of the leading (k−1)×(k−1) block, so
    δ = Σ_{i<k} U_ik² − A_kk ≥ 0 makes the leading k × k block of A + δ e_k e_kᵀ singular, with
    null vector v (v_k = 1, U_{1:k−1,1:k−1} v_{1:k−1} = −U_{1:k−1,k}). Then vᵀ(B + λI)v = −δ and, by
    the Rayleigh quotient, −λ_min(B) ≥ λ + δ/‖v‖² (Moré & Sorensen 1983, §3; Conn, Gould & Toint
    2000, §7.3; scipy's ``singular_leading_submatrix``). Returns λ when that is not finite.
    """
    from scipy.linalg import solve_triangular

    u = U[:k - 1, k - 1]
    delta = float(u @ u) - float(A[k - 1, k - 1])
    v = np.zeros(k)
    v[-1] = 1.0
    if k > 1:
        v[:-1] = solve_triangular(U[:k - 1, :k - 1], -u, check_finite=False)
    bound = lam + delta / float(v @ v)
    return bound if math.isfinite(bound) and bound > lam else lam


def banded_factor(ab: np.ndarray, b: int):
    """factor(λ) for a symmetric matrix in LAPACK upper banded storage (half-bandwidth b): dpbtrf, O(n b²)."""
    from scipy.linalg import LinAlgError, cho_solve_banded, cholesky_banded

    def factor(lam: float):
        shifted = ab.copy()
        shifted[b] += lam
        try:
            c = cholesky_banded(shifted, lower=False, overwrite_ab=True, check_finite=False)
        except LinAlgError:
            return None
        return lambda v: cho_solve_banded((c, False), v, check_finite=False)

    return factor


def sparse_ops(B, banded_max: int = 16) -> MatrixOps:
    """:class:`MatrixOps` for a scipy.sparse symmetric B.

    Half-bandwidth ≤ ``banded_max``: banded Cholesky (as ``newton``'s sparse path). Otherwise
    SuperLU with a symmetric ordering and diagonal pivots: positive definite exactly when no
    row interchange happened and every pivot is positive (LDLᵀ and Sylvester's law of inertia);
    a factorisation that needed interchanges is treated as "not positive definite".
    """
    import scipy.sparse as sp

    B = sp.csr_matrix(B, dtype=float)
    n = B.shape[0]
    diag = B.diagonal()
    absB = abs(B)
    rows = np.asarray(absB.sum(axis=1)).ravel()
    off = rows - np.abs(diag)
    norm = min(float(math.sqrt(float(B.multiply(B).sum()))), float(rows.max()) if n else 0.0)
    C = B.tocoo()
    bw = int(np.max(np.abs(C.row - C.col))) if C.nnz else 0
    if bw <= banded_max:
        ab = np.zeros((bw + 1, n))
        for k in range(bw + 1):
            ab[bw - k, k:] = B.diagonal(k)
        factor = banded_factor(ab, bw)
    else:
        from scipy.sparse.linalg import splu

        eye = sp.identity(n, format="csr")

        def factor(lam: float):
            try:
                lu = splu((B + lam * eye).tocsc(), permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                          options=dict(SymmetricMode=True))
            except RuntimeError:
                return None
            if not np.array_equal(lu.perm_r, lu.perm_c) or not np.all(lu.U.diagonal() > 0):
                return None
            return lu.solve

    return MatrixOps(lambda v: B @ v, factor, float(diag.min()), float((diag - off).min()),
                     float((diag + off).max()), norm, n)


def tridiagonal_ops(alpha: np.ndarray, beta: np.ndarray) -> MatrixOps:
    """:class:`MatrixOps` for the symmetric tridiagonal T with diagonal α and off-diagonal β."""
    k = alpha.size
    ab = np.zeros((2, k))
    ab[1] = alpha
    ab[0, 1:] = beta
    ab_beta = np.abs(beta)
    off = np.zeros(k)
    off[:-1] += ab_beta
    off[1:] += ab_beta

    def matvec(v):
        out = alpha * v
        out[:-1] += beta * v[1:]
        out[1:] += beta * v[:-1]
        return out

    fro = math.sqrt(float(alpha @ alpha) + 2.0 * float(beta @ beta))
    return MatrixOps(matvec, banded_factor(ab, 1), float(alpha.min()), float((alpha - off).min()),
                     float((alpha + off).max()), min(fro, float((np.abs(alpha) + off).max())), k)


def _safeguard(lo: float, hi: float, theta: float = 0.01) -> float:
    """A λ strictly inside (lo, hi), leaning to lo: max(√(lo·hi), lo + θ(hi − lo)) (Moré & Sorensen 1983, §3)."""
    return max(math.sqrt(max(lo, 0.0) * hi), lo + theta * (hi - lo))


def _smallest_direction(solve, n: int, steps: int = 3) -> np.ndarray:
    """A unit z with small zᵀ(B + λI)z.

    A dense Cholesky factor (:class:`CholeskySolve`) gives the LINPACK estimate of Moré &
    Sorensen (1983, §3), :func:`linpack_small_direction`. The other factorisations (banded,
    SuperLU, tridiagonal) stand in for it with inverse iteration from a fixed start: a few
    solves with the factor already computed amplify the eigenvector of the smallest
    eigenvalue of B + λI by (λ₂/λ₁)^steps.
    """
    if isinstance(solve, CholeskySolve):
        return solve.smallest_direction()
    z = np.random.default_rng(12345).standard_normal(n)
    z /= np.linalg.norm(z)
    for _ in range(steps):
        w = solve(z)
        nw = float(np.linalg.norm(w))
        if not (math.isfinite(nw) and nw > 0):
            break
        z = w / nw
    return z


def more_sorensen(g: np.ndarray, radius: float, ops: MatrixOps, k_easy: float = K_EASY, k_hard: float = K_HARD,
                  max_iter: int = 60) -> Subproblem:
    """Nearly exact solution of min gᵀp + ½pᵀBp, ‖p‖ ≤ Δ (N&W Alg. 4.3; Moré & Sorensen 1983).

    Find λ ≥ 0 with B + λI ⪰ 0, (B + λI)p = −g, λ(Δ − ‖p‖) = 0 by safeguarded Newton on
    1/‖p(λ)‖ − 1/Δ: with B + λI = LLᵀ, p = −(B+λI)⁻¹g and ‖L⁻¹p‖² = pᵀ(B+λI)⁻¹p,
        λ ← λ + (‖p‖ / ‖L⁻¹p‖)² (‖p‖ − Δ)/Δ,
    kept inside a bracket [λ_L, λ_U] that starts from Gershgorin and norm bounds and shrinks
    with every factorisation (a failed one raises λ_L to λ, or to λ + δ/‖v‖² from where a dense
    Cholesky broke down, :func:`breakdown_bound`). Stops when
    * λ = 0 and ‖p‖ ≤ Δ (interior Newton step), or
    * |‖p‖ − Δ| ≤ κ_easy Δ, or
    * (hard case) ‖p‖ < Δ and a unit z with small zᵀ(B+λI)z gives the boundary point p + τz
      with τ²zᵀ(B+λI)z ≤ κ_hard (pᵀ(B+λI)p + λΔ²): then m(p + τz) ≤ (1 − κ_hard) m*, whichever
      of the two tests is met first (Moré & Sorensen 1983, §3; CGT 2000, Thm 7.3.7 / Alg. 7.3.6).
    """
    n = ops.n
    gnorm = float(np.linalg.norm(g))
    lam_lo = max(0.0, -ops.min_diag, gnorm / radius - min(ops.gershgorin_hi, ops.norm))
    lam_hi = max(0.0, gnorm / radius + min(-ops.gershgorin_lo, ops.norm))
    lam_hi = lam_hi * (1.0 + 4 * EPS) + 4 * EPS * max(ops.norm, 1.0)  # strictly above −λ_min
    lam = 0.0 if lam_lo == 0.0 else _safeguard(lam_lo, lam_hi)
    negative = ops.min_diag < 0
    best: Optional[Subproblem] = None
    for it in range(1, max_iter + 1):
        solve = ops.factor(lam)
        if not callable(solve):  # B + λI is not positive definite: λ_L ← λ, or the breakdown bound when known
            lam_lo = max(lam_lo, lam if solve is None else float(solve))
            if lam_hi - lam_lo <= 4 * EPS * max(lam_hi, 1.0):
                break
            lam = _safeguard(lam_lo, lam_hi)
            continue
        p = -solve(g)
        pn = float(np.linalg.norm(p))
        Bp = -g - lam * p  # B p = −g − λp
        pred = -(float(g @ p) + 0.5 * float(p @ Bp))
        if lam == 0.0 and pn <= radius:
            return Subproblem(p, pred, pn >= (1 - k_easy) * radius, it, negative, 0.0)
        if abs(pn - radius) <= k_easy * radius:
            return Subproblem(p, pred, True, it, negative, lam)
        w2 = float(p @ solve(p))  # ‖L⁻¹p‖²
        lam_new = lam + (pn * pn / w2) * (pn - radius) / radius if w2 > 0 else math.nan
        if pn < radius:
            lam_hi = min(lam_hi, lam)
            z = _smallest_direction(solve, n)
            Az = ops.matvec(z) + lam * z  # (B + λI) z
            zAz = float(z @ Az)
            lam_lo = max(lam_lo, lam - zAz)
            t_lo, t_hi = to_boundary(p, z, radius)

            def model(t: float) -> float:  # m(p + tz) − m(p), with Bz = Az − λz
                return t * float((g + Bp) @ z) + 0.5 * t * t * (zAz - lam)

            t = min((t_lo, t_hi), key=model)
            pAp = float(p @ (Bp + lam * p))
            hard = Subproblem(p + t * z, pred - model(t), True, it, negative or zAz < lam, lam, hard_case=True)
            best = hard
            # Moré & Sorensen's test (1983, §3; CGT 2000, Alg. 7.3.6): as m* ≥ −½(pᵀ(B+λI)p + λΔ²) and
            # m(p + τz) = −½(pᵀ(B+λI)p + λΔ²) + ½τ²zᵀ(B+λI)z, the test gives m(p + τz) ≤ (1 − κ_hard) m*
            bound = pAp + lam * radius * radius
            if t * t * zAz <= k_hard * bound:
                # p itself meets the same bound, m(p) = −½(pᵀ(B+λI)p + λ‖p‖²) ≤ (1 − κ_hard) m*, when
                # λ(Δ² − ‖p‖²) ≤ κ_hard (…): then p is taken without the arbitrary z (B singular, λ* ≈ 0)
                if lam * (radius * radius - pn * pn) <= k_hard * bound:
                    return Subproblem(p, pred, False, it, negative, lam)
                return hard
        else:
            lam_lo = max(lam_lo, lam)
        if lam_hi - lam_lo <= 4 * EPS * max(lam_hi, 1.0):
            break
        lam = lam_new if lam_lo < lam_new < lam_hi else _safeguard(lam_lo, lam_hi)
    if best is not None:
        return best
    # bracket collapsed or iterations exhausted without meeting a test: the step at λ_U is feasible
    solve = ops.factor(lam_hi)
    if not callable(solve):  # cannot happen for a symmetric B unless the factorisation breaks down numerically
        p = -(radius / max(gnorm, 1e-300)) * g
        Bp = ops.matvec(p)
        return Subproblem(p, -(float(g @ p) + 0.5 * float(p @ Bp)), True, max_iter, negative, lam_hi)
    p = -solve(g)
    pn = float(np.linalg.norm(p))
    if pn > radius:
        p *= radius / pn
    Bp = ops.matvec(p)
    return Subproblem(p, -(float(g @ p) + 0.5 * float(p @ Bp)), pn >= (1 - k_easy) * radius, max_iter, negative,
                      lam_hi)


# --------------------------------------------------------------------------- GLTR
def gltr(hvp: Callable[[np.ndarray], np.ndarray], g: np.ndarray, radius: float, tol: float, max_iter: int,
         k_easy: float = 1e-6, reorthogonalize: bool = False) -> Subproblem:
    """Generalized Lanczos trust-region step (Gould, Lucidi, Roma & Toint 1999).

    Lanczos on B from q₁ = g/‖g‖ builds Q_k and the tridiagonal T_k = Q_kᵀBQ_k (α_j on the
    diagonal, β_j off it). On the Krylov space the subproblem is min ‖g‖e₁ᵀh + ½hᵀT_kh,
    ‖h‖ ≤ Δ, solved by :func:`more_sorensen` on T_k (banded Cholesky, O(k) per factorisation);
    p = Q_k h. The residual of the full problem is ‖(B + λI)p + g‖ = β_k |e_kᵀh|, so the
    iteration stops when β_k |h_k| ≤ tol, at an invariant subspace, or after ``max_iter``
    steps. While the solution is interior and T_k positive definite it is the CG iterate (the
    Steihaug path); past the boundary GLTR keeps improving the boundary solution. The Lanczos
    vectors are kept (k·n floats); ``reorthogonalize`` orthogonalises each new one against them
    all (else, as CG, only the three-term recurrence: orthogonality is lost on ill-conditioned B).
    """
    n = g.size
    gnorm = float(np.linalg.norm(g))
    if gnorm <= tol:
        return Subproblem(np.zeros_like(g), 0.0, False, 0)
    Q: list[np.ndarray] = []
    alphas: list[float] = []
    betas: list[float] = []
    q = g / gnorm
    q_prev = np.zeros_like(g)
    beta_prev = 0.0
    sub: Optional[Subproblem] = None
    kmax = min(max_iter, n)
    for k in range(kmax):
        Q.append(q)
        w = hvp(q)
        a = float(q @ w)
        if not math.isfinite(a):
            if sub is None:
                return Subproblem(np.zeros_like(g), 0.0, False, k + 1, failure="a Hessian-vector product is not finite")
            break
        w = w - a * q - beta_prev * q_prev  # three-term recurrence
        if reorthogonalize:  # against all kept vectors, twice (Golub & Van Loan §10.1); O(k n) per step
            Qm = np.asarray(Q)
            w = w - Qm.T @ (Qm @ w)
            w = w - Qm.T @ (Qm @ w)
        b = float(np.linalg.norm(w))
        alphas.append(a)
        ops = tridiagonal_ops(np.asarray(alphas), np.asarray(betas))
        e1 = np.zeros(k + 1)
        e1[0] = gnorm
        sub = more_sorensen(e1, radius, ops, k_easy=k_easy, k_hard=k_easy)
        residual = b * abs(float(sub.p[-1]))
        if residual <= tol or b <= 1e-12 * max(1.0, abs(a)) or k + 1 == kmax:
            break
        betas.append(b)
        q_prev, q, beta_prev = q, w / b, b
    h = sub.p
    p = np.asarray(Q).T @ h
    return Subproblem(p, sub.pred, sub.boundary, len(alphas), sub.negative_curvature, sub.lam, sub.hard_case)
