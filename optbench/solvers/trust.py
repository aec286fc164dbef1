"""The trust-region iteration shared by ``trust-ncg``, ``trust-exact`` and ``trust-krylov`` (N&W Alg. 4.1).

Each iteration k, with the model m_k(p) = f_k + g_kᵀp + ½pᵀB_kp (B_k = ∇²f(x_k)):

1. p_k ≈ argmin m_k(p) over ‖p‖ ≤ Δ_k (the subclass's subproblem solver, :mod:`.trsub`);
2. ρ_k = (f(x_k) − f(x_k + p_k)) / (m_k(0) − m_k(p_k)) (guarded against rounding, see
   :func:`.trsub.reduction_ratio`);
3. Δ_{k+1} = ¼Δ_k if ρ_k < ¼; min(2Δ_k, Δmax) if ρ_k > ¾ and ‖p_k‖ = Δ_k; else Δ_k;
4. x_{k+1} = x_k + p_k if ρ_k > η, else x_{k+1} = x_k (a *rejected* step: still an iteration,
   reported with ``alpha`` 0, a note and the radius it was computed with).

Only f is evaluated at the trial point; the gradient there is taken by the driver once the
step is accepted, and the oracle keeps the previous point, so a rejection costs one call of f.
When rejections drive Δ below 10ε·max(1, ‖x‖), no representable step can reduce f: the run
ends with ``solver_failed`` and says so (never ``converged``; the driver grants that only when
the gradient test holds at the returned x).

Defaults: Δ₀ = 1, Δmax = 1000, η = 0.15 (scipy's; N&W require η ∈ [0, ¼)).

Reference: Nocedal & Wright, *Numerical Optimization*, 2nd ed., Ch. 4, Alg. 4.1.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from ..core.methods import Capability
from ..core.status import Status
from .base import Solver, StepInfo
from .curvature import SecondOrderStationarity
from .trsub import EPS, Subproblem, reduction_ratio, update_radius


@dataclass(frozen=True)
class TrustState:
    """Immutable state of a trust-region run: the radius, and what the subclass keeps (``mode``)."""

    radius: float
    mode: str = ""
    rejected: int = 0  # rejected steps so far
    unbounded_streak: int = 0  # consecutive accepted full-radius steps along negative curvature (see trust_step)


@dataclass(frozen=True)
class TrustRegion(SecondOrderStationarity, Solver):
    """Base of the trust-region plugins: radius options and the Alg. 4.1 step; subclasses solve the subproblem."""

    initial_radius: float = 1.0
    max_radius: float = 1000.0
    eta: float = 0.15

    capabilities = frozenset({Capability.GRADIENT, Capability.HVP_OPERATOR})
    default_max_iter = 10_000

    def _check_radius_options(self) -> None:
        self._positive("initial_radius")
        self._positive("max_radius")
        if self.max_radius < self.initial_radius:
            self._fail("max_radius", f"≥ initial_radius = {self.initial_radius:g}", self.max_radius)
        v = self.eta
        if not (isinstance(v, (int, float)) and not isinstance(v, bool) and 0.0 <= v < 0.25):
            self._fail("eta", "in [0, 0.25) (N&W Alg. 4.1)", v)

    def __post_init__(self) -> None:
        self._check_radius_options()

    def init(self, x, oracle):
        return TrustState(float(self.initial_radius), self.mode(x, oracle))

    def mode(self, x, oracle) -> str:
        """What the subclass records in the state (e.g. dense/sparse); checked before the first step."""
        return ""

    def subproblem(self, x, g, radius: float, state: TrustState, oracle) -> Subproblem:  # pragma: no cover
        raise NotImplementedError

    def step(self, x, state: TrustState, oracle):
        f, g = oracle.value_and_grad(x)
        sub = self.subproblem(x, g, state.radius, state, oracle)
        x_new, radius, info = trust_step(oracle, x, f, sub, state.radius, self.eta, self.max_radius, state.rejected)
        if info.failure is not None:
            return x, state, info
        streak = unbounded_streak(state.unbounded_streak, sub, info, state.radius, self.max_radius)
        if streak >= UNBOUNDED_STEPS:
            return x, state, unbounded_info(self.max_radius, f, info)
        return x_new, dataclasses.replace(state, radius=radius, rejected=state.rejected + info.rejected,
                                          unbounded_streak=streak), info


def trust_step(oracle, x, f: float, sub: Subproblem, radius: float, eta: float, max_radius: float,
               rejected_before: int = 0, note_prefix: str = ""):
    """Steps 2–4 of N&W Alg. 4.1 for a subproblem solution: (x_{k+1}, Δ_{k+1}, StepInfo).

    Evaluates f once at x + p (the only evaluation); a StepInfo with ``failure`` set when the
    subproblem failed, the step is zero or not finite, or the radius collapsed.
    """
    if sub.failure:
        return x, radius, StepInfo(failure=Status.NONFINITE, message=sub.failure, radius=radius)
    pn = float(np.linalg.norm(sub.p))
    if pn == 0.0 or not math.isfinite(pn):
        what = "not finite" if pn else "zero (∇f = 0 and no negative curvature found)"
        return x, radius, StepInfo(failure=Status.SOLVER_FAILED, message=f"the model step is {what}",
                                   radius=radius, inner_iter=sub.iterations)
    x_trial = x + sub.p
    f_trial = oracle.f(x_trial)
    rho = reduction_ratio(f, f_trial, sub.pred)
    new_radius = update_radius(radius, rho, pn, sub.boundary, max_radius)
    notes = ([note_prefix] if note_prefix else []) + ["boundary" if sub.boundary else "interior"]
    if sub.hard_case:
        notes.append("hard case")
    elif sub.negative_curvature:
        notes.append("neg. curvature")
    accepted = rho > eta
    if not accepted:
        notes.insert(0, f"rejected ρ={rho:.2g}")
        floor = 10.0 * EPS * max(1.0, float(np.linalg.norm(x)))
        if new_radius < floor:
            return x, radius, StepInfo(
                failure=Status.SOLVER_FAILED, radius=radius, inner_iter=sub.iterations,
                message=(f"trust radius collapsed to Δ = {new_radius:.3g} < 10ε·max(1, ‖x‖) = {floor:.3g} after "
                         f"{rejected_before + 1} rejected steps: no model step reduces f (f may be at rounding "
                         "level or its derivatives inaccurate)"),
            )
    info = StepInfo(alpha=1.0 if accepted else 0.0, inner_iter=sub.iterations, note=", ".join(notes),
                    negative_curvature=sub.negative_curvature, radius=radius, rejected=not accepted, ratio=rho)
    return (x_trial if accepted else x), new_radius, info


#: accepted steps of the largest radius along negative curvature, each predicted well, that make the run
#: report ``unbounded`` (a model unbounded below that f keeps following)
UNBOUNDED_STEPS = 10


def unbounded_streak(streak: int, sub: Subproblem, info: StepInfo, radius: float, max_radius: float) -> int:
    """The streak after this step: +1 for an accepted boundary step at Δ = Δmax along negative curvature
    whose actual reduction matched the model's (ρ ≥ ¾); back to 0 otherwise."""
    full = sub.boundary and sub.negative_curvature and radius >= max_radius and not info.rejected
    return streak + 1 if full and info.ratio is not None and info.ratio >= 0.75 else 0


def unbounded_info(max_radius: float, f: float, info: StepInfo) -> StepInfo:
    return StepInfo(failure=Status.UNBOUNDED, radius=info.radius, inner_iter=info.inner_iter,
                    message=(f"the quadratic model is unbounded below along negative curvature and f followed it: "
                             f"{UNBOUNDED_STEPS} accepted steps of the largest radius Δmax = {max_radius:g} "
                             f"(f = {f:.3g} before the last one); f looks unbounded below"))


def forcing_tolerance(gnorm: float, forcing: str, eta: float) -> float:
    """Inner CG/Lanczos tolerance ‖r‖ ≤ η_k‖g‖: η_k = min(eta, √‖g‖), min(eta, ‖g‖) or eta (N&W §7.1)."""
    if forcing == "superlinear":
        return min(eta, math.sqrt(gnorm)) * gnorm
    if forcing == "quadratic":
        return min(eta, gnorm) * gnorm
    return eta * gnorm
