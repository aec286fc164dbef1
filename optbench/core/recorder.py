"""The recorder: one trace row per iterate, built once for every method.

Each row has the fixed columns of :mod:`optbench.core.trace` — iteration, time since the
start, f, f − f* (when known), the gradient norm of the stopping test, step length, line
search step, the oracle's cumulative counts, inner iterations and a note — and is passed
to the run's callback (progress bars, user hooks) after it is stored.

A callback may end the run by raising ``StopIteration`` (scipy's convention since 1.11):
the recorder turns it into :class:`CallbackStop`, which is not a ``StopIteration`` — so a
library that uses ``StopIteration`` for its own purposes (scipy's callback protocol, a
generator) cannot mistake the user's request for its own — and the driver ends the run
with status ``stopped``, keeping the trace (the row the callback saw is recorded).
"""

from __future__ import annotations

import time
from typing import Callable, Optional

import numpy as np

from .budgets import grad_norm
from .oracle import Oracle
from .trace import Trace


class CallbackStop(Exception):
    """The run's callback asked to stop (it raised ``StopIteration``) after row ``k``."""

    def __init__(self, k: int, reason: str = ""):
        super().__init__(f"stopped by the callback after iteration {k}" + (f": {reason}" if reason else ""))
        self.k = k


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
            try:
                self.callback(rec)
            except StopIteration as e:  # the user's request, told apart from any library's own StopIteration
                raise CallbackStop(k, str(e)) from None
        return rec
