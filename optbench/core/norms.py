"""Vector norms for the per-iteration hot paths, without numpy's wrapper overhead.

For 1-d contiguous float64 arrays (what the solvers pass: iterates, gradients, their
differences) they are bit-identical to numpy's; a strided view or another dtype can differ in
the last bit (``np.linalg.norm`` copies and converts first).

``np.linalg.norm(v)`` of a 1-d float array is ``sqrt(v·v)`` after argument checks that cost more
than the product itself at small n (~3 µs against ~0.5 µs at n = 2), and ``np.max(np.abs(v))``
goes through numpy's generic reduction wrapper. Several of these run every iteration (step
length, stopping test, trace row, line search), so at n = 2 they are a sizeable part of a run.
"""

from __future__ import annotations

import math

import numpy as np


def norm2(v: np.ndarray) -> float:
    """‖v‖₂ of a 1-d contiguous float64 array: the same sqrt of the same dot product as ``np.linalg.norm(v)``."""
    return math.sqrt(float(v.dot(v)))


def norm_inf(v: np.ndarray) -> float:
    """‖v‖∞ = max |vᵢ| (exact: no rounding in max and abs)."""
    return float(np.abs(v).max())
