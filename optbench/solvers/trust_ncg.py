"""Trust-region Newton–CG (Steihaug–Toint): truncated CG on Hessian-vector products, N&W Alg. 7.2.

Outer iteration: the trust-region step of N&W Alg. 4.1 (:mod:`.trust`). Subproblem: CG on
B = ∇²f(x_k) from p = 0 (:func:`.trsub.steihaug_cg`), stopping at negative curvature (go to
the boundary along it), when the iterate leaves the region (stop on the boundary), or when
‖r_j‖ ≤ η_k‖g_k‖ with η_k = min(cg_eta, √‖g_k‖) (``forcing=superlinear``, as scipy's
trust-ncg), min(cg_eta, ‖g_k‖) (``quadratic``) or cg_eta (``constant``); at most ``max_cg``
iterations (default min(n, 1000)).

The Hessian is never formed: all products of one iteration go through the linearization the
oracle recorded when it computed ∇f(x_k) (one backward pass each), which is what makes
n = 10⁶ practical.

References: Steihaug, SIAM J. Numer. Anal. 20 (1983); Toint (1981); Nocedal & Wright,
*Numerical Optimization*, 2nd ed., §7.1, Alg. 7.2, and Ch. 4, Alg. 4.1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

import numpy as np

from ..core.methods import Capability
from .registry import register_method
from .trsub import Subproblem, steihaug_cg
from .trust import TrustRegion, TrustState, forcing_tolerance


@register_method
@dataclass(frozen=True)
class TrustNCG(TrustRegion):
    """Trust-region Newton–CG: Steihaug–Toint CG on autograd HVPs (N&W Alg. 7.2 inside Alg. 4.1)."""

    cg_eta: float = 0.5
    forcing: Literal["superlinear", "quadratic", "constant"] = "superlinear"
    max_cg: Optional[int] = None

    name = "trust-ncg"
    capabilities = frozenset({Capability.GRADIENT, Capability.HVP_OPERATOR})
    summary = "trust-region Newton-CG: Steihaug-Toint CG on Hessian-vector products (N&W Alg. 7.2, 4.1)"

    def __post_init__(self) -> None:
        self._check_radius_options()
        self._in_open("cg_eta", 0.0, 1.0)
        self._one_of("forcing", ("superlinear", "quadratic", "constant"))
        self._positive_int("max_cg", allow_none=True)

    def subproblem(self, x, g, radius: float, state: TrustState, oracle) -> Subproblem:
        tol = forcing_tolerance(float(np.linalg.norm(g)), self.forcing, self.cg_eta)
        max_cg = self.max_cg if self.max_cg is not None else min(x.size, 1000)
        return steihaug_cg(oracle.hvp_operator(x), g, radius, tol, max_cg)
