"""The recorder: one trace row per iterate, built once for every method.

Each row has the fixed columns of :mod:`optbench.core.trace` — iteration, time since the
start, f, f − f* (when known), the gradient norm of the stopping test, step length, line
search step, the oracle's cumulative counts, inner iterations and a note — and is passed
to the run's callback (progress bars, user hooks) after it is stored.
"""

from __future__ import annotations

import time
from typing import Callable, Optional

import numpy as np

from .budgets import grad_norm
from .oracle import Oracle
from .trace import Trace


class Recorder:
    """Appends rows to a :class:`Trace` and remembers the last recorded iterate."""

    def __init__(self, oracle: Oracle, trace: Trace, norm: str, f_star: Optional[float], start: float,
                 callback: Optional[Callable[[dict], None]] = None):
        self.oracle, self.trace, self.norm, self.f_star = oracle, trace, norm, f_star
        self.start, self.callback = start, callback
        self.k = 0  # iteration number of the last row
        self.last: Optional[tuple[np.ndarray, float, np.ndarray]] = None  # (x, f, ∇f) of the last row
        self.previous_g: Optional[np.ndarray] = None  # ∇f of the row before the last

    def __call__(self, k: int, x, f: float, g, step=None, alpha=None, inner: int = 0, note: str = "",
                 radius=None) -> dict:
        c = self.oracle.counts
        rec = {
            "iter": k,
            "time": time.perf_counter() - self.start,
            "f": f,
            "f_minus_fstar": None if self.f_star is None else f - self.f_star,
            "grad_norm": grad_norm(g, self.norm),
            "step": step,
            "alpha": alpha,
            "nfev": c.nfev,
            "ngev": c.ngev,
            "nhvp": c.nhvp,
            "nhev": c.nhev,
            "inner_iter": inner,
            "radius": radius,
            "note": note,
            "x": x,
        }
        self.trace.append(**rec)
        self.previous_g = None if self.last is None else self.last[2]
        self.k, self.last = k, (x, f, g)
        if self.callback is not None:
            self.callback(rec)
        return rec
