"""Trust-region Newton with the generalized Lanczos method GLTR (Gould, Lucidi, Roma & Toint 1999).

Outer iteration: the trust-region step of N&W Alg. 4.1 (:mod:`.trust`). Subproblem
(:func:`.trsub.gltr`): Lanczos on B = ∇²f(x_k) (HVPs through the gradient's linearization)
from q₁ = g/‖g‖ builds the tridiagonal T_j = Q_jᵀBQ_j; the subproblem restricted to the
Krylov space, min ‖g‖e₁ᵀh + ½hᵀT_jh over ‖h‖ ≤ Δ, is solved nearly exactly by Moré–Sorensen
on T_j (banded Cholesky, O(j) per factorisation), and p = Q_jh. Unlike Steihaug's CG it does
not stop at the boundary or at negative curvature: it keeps improving the boundary solution
until the residual β_j|e_jᵀh| ≤ η_k‖g‖ (same forcing terms as ``trust-ncg``) or ``max_lanczos``
steps (default min(n, 100), fewer when the kept Lanczos vectors, j·n floats, would pass 256 MiB:
33 at n = 10⁶). Up to n = 10⁴ each new
Lanczos vector is reorthogonalised against the kept ones (cheap there, and it keeps T_j
faithful on ill-conditioned Hessians); beyond, the plain three-term recurrence, as CG.

References: Gould, Lucidi, Roma & Toint, "Solving the trust-region subproblem using the
Lanczos method", SIAM J. Optim. 9 (1999) 504–525; Conn, Gould & Toint, *Trust-Region
Methods* (2000), §7.5; Nocedal & Wright, 2nd ed., Alg. 4.1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

import numpy as np

from ..core.methods import Capability
from .registry import register_method
from .trsub import Subproblem, gltr
from .trust import TrustRegion, TrustState, forcing_tolerance


LANCZOS_MEMORY = 256 * 2**20  # bytes of kept Lanczos vectors the default max_lanczos allows
REORTHOGONALIZE_MAX_N = 10_000  # up to this n the Lanczos vectors are fully reorthogonalised (O(k n) per step)


def default_max_lanczos(n: int) -> int:
    """min(n, 100) Lanczos steps, fewer (but at least 10) when n·steps floats would pass 256 MiB."""
    return min(n, 100, max(10, LANCZOS_MEMORY // (8 * n)))


@register_method
@dataclass(frozen=True)
class TrustKrylov(TrustRegion):
    """Trust-region Newton with GLTR: Lanczos tridiagonalisation + Moré–Sorensen on the tridiagonal."""

    cg_eta: float = 0.5
    forcing: Literal["superlinear", "quadratic", "constant"] = "superlinear"
    max_lanczos: Optional[int] = None

    name = "trust-krylov"
    capabilities = frozenset({Capability.GRADIENT, Capability.HVP_OPERATOR})
    summary = "trust-region Newton, GLTR: Lanczos + Moré-Sorensen on the tridiagonal (Gould et al. 1999)"

    def __post_init__(self) -> None:
        self._check_radius_options()
        self._in_open("cg_eta", 0.0, 1.0)
        self._one_of("forcing", ("superlinear", "quadratic", "constant"))
        self._positive_int("max_lanczos", allow_none=True)

    def subproblem(self, x, g, radius: float, state: TrustState, oracle) -> Subproblem:
        tol = forcing_tolerance(float(np.linalg.norm(g)), self.forcing, self.cg_eta)
        k = self.max_lanczos if self.max_lanczos is not None else default_max_lanczos(x.size)
        return gltr(oracle.hvp_operator(x), g, radius, tol, k, reorthogonalize=x.size <= REORTHOGONALIZE_MAX_N)
