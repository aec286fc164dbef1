"""The stopping test and budgets of a run: one value, validated once.

A run stops (see :mod:`optbench.core.loop`) when

* ‖∇f(x)‖ ≤ ``gtol`` (∞-norm by default, ``norm="2"`` for the 2-norm; off when 0) — ``converged``;
* |f_k − f_{k+1}| ≤ ``ftol``·max(|f_k|, |f_{k+1}|, 1) — ``ftol`` (off by default);
* ‖x_{k+1} − x_k‖ ≤ ``xtol``·(1 + ‖x_k‖) — ``xtol`` (off by default);
* or a budget is used up: ``max_iter`` iterations (default: the method's own),
  ``max_evals`` calls of f, ``max_time`` seconds (off unless asked for: wall-clock time
  depends on the machine and its load, so it is measured and reported but never a
  default stopping rule).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Optional

import numpy as np

from .errors import UsageError
from .norms import norm2, norm_inf


def grad_norm(g: np.ndarray, norm: str) -> float:
    """‖g‖∞ (``norm="inf"``) or ‖g‖₂ (``norm="2"``)."""
    return norm_inf(g) if norm == "inf" else norm2(g)


def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


@dataclass(frozen=True)
class Stopping:
    """Stopping tests and budgets; every field checked when the value is made."""

    gtol: float = 1e-6
    ftol: float = 0.0
    xtol: float = 0.0
    norm: str = "inf"
    max_iter: Optional[int] = None
    max_evals: Optional[int] = None
    max_time: Optional[float] = None

    def __post_init__(self) -> None:
        for name in ("gtol", "ftol", "xtol"):
            v = getattr(self, name)
            if not _is_number(v) or not v >= 0 or math.isnan(v):
                raise UsageError(f"{{field}} must be ≥ 0 (0 switches the test off), got {v!r}",
                                 field=name, value=v, allowed="≥ 0")
        if self.norm not in ("inf", "2"):
            raise UsageError(f"{{field}} must be 'inf' or '2', got {self.norm!r}", field="norm", value=self.norm,
                             allowed="inf, 2")
        for name in ("max_iter", "max_evals"):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 0):
                raise UsageError(f"{{field}} must be a non-negative integer, got {v!r}", field=name, value=v,
                                 allowed="integer ≥ 0")
        t = self.max_time
        if t is not None and (not _is_number(t) or not t > 0):
            raise UsageError(f"{{field}} must be a positive number of seconds, got {t!r}", field="max_time",
                             value=t, allowed="> 0")

    def grad_norm(self, g: np.ndarray) -> float:
        return grad_norm(g, self.norm)

    def gradient_test(self, g: np.ndarray) -> bool:
        """Does ‖∇f‖ ≤ gtol hold (never, when gtol = 0)?"""
        return self.gtol > 0 and self.grad_norm(g) <= self.gtol

    @property
    def norm_symbol(self) -> str:
        return "∞" if self.norm == "inf" else "₂"

    def with_default_max_iter(self, default: int) -> "Stopping":
        """The same settings with ``max_iter`` filled in from the method's default when not given."""
        return self if self.max_iter is not None else replace(self, max_iter=default)

    def as_dict(self) -> dict:
        return asdict(self)
