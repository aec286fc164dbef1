"""Axis helpers of the comparison figures: when an axis goes logarithmic, readable tick labels, decimation.

* :func:`spread_is_wide` — a convergence panel gets a log x-axis when the methods' final
  iteration counts (costs, times) differ by more than a factor 10 (``WIDE``): on a linear
  axis a 1000-iteration gradient descent squeezes a 20-iteration Newton run into the left 2 %.
* :func:`plain_number` / :func:`power_of_ten` — tick labels as plain text ("1", "2", "50",
  "1000"; "10⁻⁶" on log y-axes), no minor ticks, never matplotlib's mathtext "2×10⁰": readable, and
  mathtext layout was a third of the rendering time.
* :func:`decimate` — at most ``max_points`` indices of a long trace: the first, the last and
  the smallest value (the best f − f* a run reached must not be drawn away), half of the
  rest geometrically spaced in the index and the others evenly spaced (so that the first
  iterations keep their detail on a log x-axis). Drawing 1000 points where the figure has
  500 pixel columns buys nothing.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

import numpy as np

#: ratio of the largest to the smallest final x-value above which a panel's x-axis is logarithmic
WIDE = 10.0
#: most points drawn per line
MAX_POINTS = 500

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def spread_is_wide(finals: Iterable[float], factor: float = WIDE) -> bool:
    """True when the largest positive finite value exceeds ``factor`` times the smallest."""
    v = [float(x) for x in finals if x is not None and math.isfinite(x) and x > 0]
    return len(v) >= 2 and max(v) > factor * min(v)


def power_of_ten(value: float) -> str:
    """``10⁻⁶`` for 1e-6 (log-axis major ticks sit on powers of ten); other values as :func:`plain_number`."""
    if value > 0:
        e = math.log10(value)
        if abs(e - round(e)) < 1e-9 and not -3 <= round(e) <= 4:
            return "10" + str(int(round(e))).translate(_SUPERSCRIPT)
    return plain_number(value)


def plain_number(value: float, _pos=None) -> str:
    """``1``, ``2.5``, ``1000``, ``0.01`` — and ``10⁶`` beyond the plain range."""
    if value == 0:
        return "0"
    a = abs(value)
    if 1e-3 <= a < 1e5:
        return f"{value:.6g}"
    e = math.floor(math.log10(a) + 1e-12)
    mant = value / 10.0**e
    head = "" if abs(mant - 1) < 1e-9 else ("−" if abs(mant + 1) < 1e-9 else f"{mant:g}·")
    return head + "10" + str(e).translate(_SUPERSCRIPT)


def plain_log_axis(axis, lo: float, hi: float) -> None:
    """Label a log axis spanning [lo, hi] with plain numbers: 1, 2, 5, 10, 20, 50 … (decades only past 3 decades)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    decades = math.log10(hi / lo) if lo > 0 and hi > lo else 1.0
    subs = (1.0, 2.0, 5.0) if decades <= 3 else (1.0,)
    axis.set_major_locator(LogLocator(base=10.0, subs=subs))
    axis.set_major_formatter(FuncFormatter(plain_number))
    axis.set_minor_locator(NullLocator())  # minor ticks: hundreds of Tick objects, most of the drawing time


def log_value_axis(axis) -> None:
    """A log y-axis of f − f* or ‖∇f‖: labels 10⁻⁶ … on decades, no minor ticks (see :func:`plain_log_axis`)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    axis.set_major_locator(LogLocator(base=10.0, numticks=6))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos=None: power_of_ten(v)))
    axis.set_minor_locator(NullLocator())


def decimate(y: Sequence[float], max_points: int = MAX_POINTS) -> np.ndarray:
    """Indices (sorted, unique) of at most ``max_points`` points of ``y``; see the module doc."""
    n = len(y)
    if n <= max_points:
        return np.arange(n)
    if max_points < 3:
        raise ValueError(f"decimate: max_points must be ≥ 3, got {max_points}")
    arr = np.asarray(y, dtype=float)
    keep = {0, n - 1}
    if np.isfinite(arr).any():
        keep.add(int(np.nanargmin(np.where(np.isfinite(arr), arr, np.nan))))
    geo = np.unique(np.geomspace(1, n - 1, (max_points - len(keep)) // 2).round().astype(int))
    chosen = np.union1d(np.fromiter(keep, int), geo)
    free = np.setdiff1d(np.arange(n), chosen, assume_unique=True)
    k = max_points - chosen.size  # the rest of the budget, evenly spaced over the indices not yet taken
    idx = np.union1d(chosen, free[np.floor(np.linspace(0, free.size - 1, k)).astype(int)] if k > 0 else np.empty(0, int))
    return idx
