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
    params: dict = field(default_factory=dict)  # the problem's parameters, defaults included
    backend: str = "autograd"  # the automatic differentiation used (optbench.core.backends)
    compile_time: float = 0.0  # seconds compiling derivatives before the run (jax), not in ``time``

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

    def summary(self, full_vectors: bool = False) -> dict:
        """A JSON-friendly summary (no trace).

        ``params`` holds the problem's parameters (defaults included) as an object. The
        vectors ``x`` and ``jac`` are included while n ≤ :data:`VECTOR_LIMIT` (100) — or always
        with ``full_vectors`` — so that a summary of a large problem stays a few hundred bytes;
        ``jac_norm_2`` and ``jac_norm_inf`` are always there.
        """
        finite = bool(np.all(np.isfinite(self.jac))) if self.jac.size else True
        out = {
            "problem": self.problem,
            "params": {k: _json_value(v) for k, v in self.params.items()},
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
            "jac_norm_2": float(np.linalg.norm(self.jac)) if finite else math.nan,
            "jac_norm_inf": float(np.max(np.abs(self.jac), initial=0.0)) if finite else math.nan,
        }
        if self.backend != "autograd":  # the default backend's summary stays as it was
            out["backend"], out["compile_time"] = self.backend, self.compile_time
        if full_vectors or self.x.size <= VECTOR_LIMIT:
            out["x"] = [_json_default(float(v)) for v in self.x]
            out["jac"] = [_json_default(float(v)) for v in np.asarray(self.jac, dtype=float).ravel()]
        return out

    def to_json(self, with_trace: bool = True, full_vectors: bool = False) -> str:
        """The summary and (by default) the trace rows as one JSON object; see :meth:`summary`."""
        data = _clean(self.summary(full_vectors))
        if with_trace:
            data["trace"] = [_clean(r) for r in self.trace.rows()]
        return json.dumps(data, default=_json_default, allow_nan=False)

    def __repr__(self) -> str:
        return (
            f"Result(problem={self.problem!r}, method={self.method!r}, status={self.status.value!r}, "
            f"fun={self.fun:.6g}, grad_norm={self.grad_norm:.3g}, nit={self.nit})"
        )


#: up to this dimension the summary and ``--json`` carry the vectors x and jac (beyond it, their norms)
VECTOR_LIMIT = 100


def _json_value(v: Any) -> Any:
    """A parameter value as JSON: numbers, strings, booleans, lists (tuples, arrays) — else its text."""
    if isinstance(v, (np.generic, np.ndarray)):
        v = v.tolist()
    if isinstance(v, (tuple, list)):
        return [_json_value(u) for u in v]
    if isinstance(v, dict):
        return {str(k): _json_value(u) for k, u in v.items()}
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return _json_default(v)
    return str(v)


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
