"""The result of one run; fields follow ``scipy.optimize.OptimizeResult`` where one exists."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from .status import Status
from .trace import Trace


@dataclass
class Result:
    """Outcome of running one solver on one problem.

    ``x, fun, jac, nit, nfev, njev, nhev, status, message, success`` as in scipy
    (``status`` is a :class:`~optbench.core.status.Status`, not an integer), plus
    ``nhvp``, the ``trace``, wall ``time``, and what identifies the run.
    """

    x: np.ndarray
    fun: float
    jac: np.ndarray
    nit: int
    nfev: int
    njev: int
    nhev: int
    nhvp: int
    status: Status
    message: str
    trace: Trace
    time: float
    problem: str = ""
    method: str = ""
    f_star: Optional[float] = None
    grad_norm: float = math.nan
    gtol: float = 0.0
    norm: str = "inf"
    metrics: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return self.status.success

    @property
    def ngev(self) -> int:
        return self.njev

    @property
    def f_minus_fstar(self) -> Optional[float]:
        return None if self.f_star is None else self.fun - self.f_star

    def to_csv(self, path_or_stream: Any) -> None:
        """Write the trace as CSV (see :mod:`optbench.core.trace` for the columns)."""
        self.trace.to_csv(path_or_stream)

    def summary(self) -> dict:
        """A flat, JSON-friendly summary (no trace)."""
        out = {
            "problem": self.problem,
            "method": self.method,
            "status": self.status.value,
            "success": self.success,
            "message": self.message,
            "fun": self.fun,
            "f_minus_fstar": self.f_minus_fstar,
            "grad_norm": self.grad_norm,
            "gtol": self.gtol,
            "norm": self.norm,
            "nit": self.nit,
            "nfev": self.nfev,
            "ngev": self.njev,
            "nhvp": self.nhvp,
            "nhev": self.nhev,
            "time": self.time,
            "n": int(self.x.size),
            "options": self.options,
            "metrics": self.metrics,
        }
        if self.x.size <= 100:
            out["x"] = [float(v) for v in self.x]
        return out

    def to_json(self, with_trace: bool = True) -> str:
        data = _clean(self.summary())
        if with_trace:
            data["trace"] = [_clean(r) for r in self.trace.rows()]
        return json.dumps(data, default=_json_default, allow_nan=False)

    def __repr__(self) -> str:
        return (
            f"Result(problem={self.problem!r}, method={self.method!r}, status={self.status.value!r}, "
            f"fun={self.fun:.6g}, grad_norm={self.grad_norm:.3g}, nit={self.nit})"
        )


def _clean(rec: dict) -> dict:
    return {k: _json_default(v) if isinstance(v, float) else v for k, v in rec.items()}


def _json_default(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, (np.floating, np.integer)):
        return _json_default(v.item())
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, Status):
        return v.value
    return v
