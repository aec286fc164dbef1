"""Trust-region Newton with the nearly exact (Moré–Sorensen) subproblem solution; dense or sparse Hessians.

Outer iteration: the trust-region step of N&W Alg. 4.1 (:mod:`.trust`). Subproblem
(:func:`.trsub.more_sorensen`, N&W Alg. 4.3 safeguarded as in Moré & Sorensen 1983 and
Conn, Gould & Toint 2000, Alg. 7.3.6): find λ ≥ 0 with ∇²f + λI ⪰ 0, (∇²f + λI)p = −∇f and
λ(Δ − ‖p‖) = 0 by safeguarded Newton iterations on 1/‖p(λ)‖ − 1/Δ, each one a Cholesky
factorisation of ∇²f + λI; the hard case (∇f orthogonal to the eigenvectors of λ_min) is
handled by stepping to the boundary along a direction of small curvature of ∇²f + λI.

``hessian=dense``: the n × n Hessian (n ≤ ``max_n``), LAPACK Cholesky. ``hessian=sparse``:
the problem's ``hess_sparsity`` is coloured once and each Hessian costs one HVP per colour
(as ``newton``'s sparse path); ∇²f + λI is factorised by banded Cholesky (half-bandwidth ≤ 16)
or by SuperLU as LDLᵀ with a symmetric ordering and diagonal pivots (positive definite exactly
when no interchange happened and every pivot is positive). ``hessian=auto`` (default) is
sparse when the problem declares a pattern.

References: Moré & Sorensen, "Computing a trust region step", SIAM J. Sci. Stat. Comput. 4
(1983) 553–572; Nocedal & Wright, 2nd ed., §4.3, Alg. 4.3 and Alg. 4.1; Conn, Gould & Toint,
*Trust-Region Methods* (2000), §7.3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..core.methods import Capability
from .hessians import hessian_mode
from .registry import register_method
from .trsub import Subproblem, dense_ops, more_sorensen, sparse_ops
from .trust import TrustRegion, TrustState


@register_method
@dataclass(frozen=True)
class TrustExact(TrustRegion):
    """Trust-region Newton, Moré–Sorensen subproblem (N&W Alg. 4.3 inside Alg. 4.1); dense or coloured sparse Hessian."""

    hessian: Literal["auto", "dense", "sparse"] = "auto"
    max_n: int = 10_000

    name = "trust-exact"
    capabilities = frozenset({Capability.GRADIENT, Capability.HESSIAN})
    summary = "trust-region Newton, nearly exact subproblem (Moré-Sorensen, N&W Alg. 4.3); sparse Hessians by colouring"

    def __post_init__(self) -> None:
        self._check_radius_options()
        self._one_of("hessian", ("auto", "dense", "sparse"))
        self._positive_int("max_n")

    def mode(self, x, oracle) -> str:
        mode = hessian_mode("trust-exact", self.hessian, self.max_n, x.size, oracle, "trust-ncg or trust-krylov")
        return mode

    def subproblem(self, x, g, radius: float, state: TrustState, oracle) -> Subproblem:
        sparse = state.mode == "sparse"
        H = oracle.sparse_hess(x) if sparse else oracle.hess(x)
        if not np.all(np.isfinite(H.data if sparse else H)):
            return Subproblem(np.zeros_like(g), 0.0, False, 0, failure="the Hessian has NaN or infinite entries")
        return more_sorensen(g, radius, sparse_ops(H) if sparse else dense_ops(H))
