"""The Moré–Garbow–Hillstrom test set: 35 least-squares problems f(x) = Σᵢ rᵢ(x)² (a bundled plugin).

Reference: J. J. Moré, B. S. Garbow & K. E. Hillstrom, "Testing unconstrained optimization
software", ACM TOMS 7(1) (1981) 17–41, §3 (problem definitions, standard starting points x₀,
minima). Where the paper's typesetting is ambiguous, the authors' own Fortran (ACM Algorithm 566,
subroutine OBJFCN) decides: Gulf's residual uses |yᵢ − x₂| (the paper prints a stray glyph for the
minus sign), and its sizes m = 99 (Gulf), 10 (Box 3D), 20 (Brown–Dennis), 13 (Biggs EXP6) are the
defaults here. The paper fixes no n for the variable-dimension problems; the defaults (n = 10; 6 for
Watson, 12 for extended Powell; m = 2n for the linear functions, m = n for Chebyquad) are sizes at
which the paper states f* (Watson 6, Penalty I/II 10, Chebyquad 10) or that keep the runs small.

The published f* values are printed to six significant digits ("124.362…"); they are stored as
printed, so compare f against them with a relative tolerance of about 1e-5. Where the paper gives
f* only for some sizes, other sizes have no f* (None) rather than a guess.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional

from optbench import np
import numpy as onp

from optbench import Problem, UsageError, problem

# ----------------------------------------------------------------------------- data of the paper
BARD_Y = onp.array([0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73, 0.96, 1.34, 2.10, 4.39])
GAUSSIAN_Y = onp.array([0.0009, 0.0044, 0.0175, 0.0540, 0.1295, 0.2420, 0.3521, 0.3989,
                        0.3521, 0.2420, 0.1295, 0.0540, 0.0175, 0.0044, 0.0009])
MEYER_Y = onp.array([34780.0, 28610.0, 23650.0, 19630.0, 16370.0, 13720.0, 11540.0, 9744.0,
                     8261.0, 7030.0, 6005.0, 5147.0, 4427.0, 3820.0, 3307.0, 2872.0])
KOWALIK_Y = onp.array([0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627, 0.0456, 0.0342, 0.0323, 0.0235, 0.0246])
KOWALIK_U = onp.array([4.0, 2.0, 1.0, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714, 0.0625])
OSBORNE1_Y = onp.array([0.844, 0.908, 0.932, 0.936, 0.925, 0.908, 0.881, 0.850, 0.818, 0.784, 0.751,
                        0.718, 0.685, 0.658, 0.628, 0.603, 0.580, 0.558, 0.538, 0.522, 0.506, 0.490,
                        0.478, 0.467, 0.457, 0.448, 0.438, 0.431, 0.424, 0.420, 0.414, 0.411, 0.406])
OSBORNE2_Y = onp.array([1.366, 1.191, 1.112, 1.013, 0.991, 0.885, 0.831, 0.847, 0.786, 0.725, 0.746,
                        0.679, 0.608, 0.655, 0.616, 0.606, 0.602, 0.626, 0.651, 0.724, 0.649, 0.649,
                        0.694, 0.644, 0.624, 0.661, 0.612, 0.558, 0.533, 0.495, 0.500, 0.423, 0.395,
                        0.375, 0.372, 0.391, 0.396, 0.405, 0.428, 0.429, 0.523, 0.562, 0.607, 0.653,
                        0.672, 0.708, 0.633, 0.668, 0.645, 0.632, 0.591, 0.559, 0.597, 0.625, 0.739,
                        0.710, 0.729, 0.720, 0.636, 0.581, 0.428, 0.292, 0.162, 0.098, 0.054])


# ----------------------------------------------------------------------------- residuals r(x) ∈ Rᵐ
def _rosenbrock(n, m):
    return lambda x: np.stack([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]])


def _freudenstein_roth(n, m):
    return lambda x: np.stack([-13.0 + x[0] + ((5.0 - x[1]) * x[1] - 2.0) * x[1],
                               -29.0 + x[0] + ((x[1] + 1.0) * x[1] - 14.0) * x[1]])


def _powell_badly_scaled(n, m):
    return lambda x: np.stack([1e4 * x[0] * x[1] - 1.0, np.exp(-x[0]) + np.exp(-x[1]) - 1.0001])


def _brown_badly_scaled(n, m):
    return lambda x: np.stack([x[0] - 1e6, x[1] - 2e-6, x[0] * x[1] - 2.0])


def _beale(n, m):
    y, i = onp.array([1.5, 2.25, 2.625]), onp.arange(1, 4)
    return lambda x: y - x[0] * (1.0 - x[1] ** i)


def _jennrich_sampson(n, m):
    i = onp.arange(1, m + 1, dtype=float)
    return lambda x: 2.0 + 2.0 * i - (np.exp(i * x[0]) + np.exp(i * x[1]))


def _helical_valley(n, m):
    def r(x):
        # θ = arctan(x₂/x₁)/2π (x₁ > 0), + 1/2 (x₁ < 0), sign(x₂)/4 (x₁ = 0): arctan2 with its
        # third-quadrant branch moved up by one turn.
        theta = np.arctan2(x[1], x[0]) / (2.0 * math.pi) + np.where((x[0] < 0) & (x[1] < 0), 1.0, 0.0)
        return np.stack([10.0 * (x[2] - 10.0 * theta), 10.0 * (np.sqrt(x[0] ** 2 + x[1] ** 2) - 1.0), x[2]])
    return r


def _bard(n, m):
    u = onp.arange(1, 16, dtype=float)
    v = 16.0 - u
    w = onp.minimum(u, v)
    return lambda x: BARD_Y - (x[0] + u / (v * x[1] + w * x[2]))


def _gaussian(n, m):
    t = (8.0 - onp.arange(1, 16)) / 2.0
    return lambda x: x[0] * np.exp(-x[1] * (t - x[2]) ** 2 / 2.0) - GAUSSIAN_Y


def _meyer(n, m):
    t = 45.0 + 5.0 * onp.arange(1, 17)
    return lambda x: x[0] * np.exp(x[1] / (t + x[2])) - MEYER_Y


def _gulf(n, m):
    t = onp.arange(1, m + 1) / 100.0
    y = 25.0 + (-50.0 * onp.log(t)) ** (2.0 / 3.0)
    return lambda x: np.exp(-np.abs(y - x[1]) ** x[2] / x[0]) - t


def _box_3d(n, m):
    i = onp.arange(1, m + 1, dtype=float)
    t = 0.1 * i
    c = onp.exp(-t) - onp.exp(-i)
    return lambda x: np.exp(-t * x[0]) - np.exp(-t * x[1]) - x[2] * c


def _powell_singular(n, m):
    return lambda x: np.stack([x[0] + 10.0 * x[1], math.sqrt(5.0) * (x[2] - x[3]),
                               (x[1] - 2.0 * x[2]) ** 2, math.sqrt(10.0) * (x[0] - x[3]) ** 2])


def _wood(n, m):
    return lambda x: np.stack([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0], math.sqrt(90.0) * (x[3] - x[2] ** 2),
                               1.0 - x[2], math.sqrt(10.0) * (x[1] + x[3] - 2.0),
                               (x[1] - x[3]) / math.sqrt(10.0)])


def _kowalik_osborne(n, m):
    u = KOWALIK_U
    return lambda x: KOWALIK_Y - x[0] * (u**2 + u * x[1]) / (u**2 + u * x[2] + x[3])


def _brown_dennis(n, m):
    t = onp.arange(1, m + 1) / 5.0
    return lambda x: (x[0] + t * x[1] - onp.exp(t)) ** 2 + (x[2] + x[3] * onp.sin(t) - onp.cos(t)) ** 2


def _osborne1(n, m):
    t = 10.0 * onp.arange(33)
    return lambda x: OSBORNE1_Y - (x[0] + x[1] * np.exp(-t * x[3]) + x[2] * np.exp(-t * x[4]))


def _biggs_exp6(n, m):
    t = 0.1 * onp.arange(1, m + 1)
    y = onp.exp(-t) - 5.0 * onp.exp(-10.0 * t) + 3.0 * onp.exp(-4.0 * t)
    return lambda x: x[2] * np.exp(-t * x[0]) - x[3] * np.exp(-t * x[1]) + x[5] * np.exp(-t * x[4]) - y


def _osborne2(n, m):
    t = onp.arange(65) / 10.0
    return lambda x: OSBORNE2_Y - (x[0] * np.exp(-t * x[4]) + x[1] * np.exp(-((t - x[8]) ** 2) * x[5])
                                   + x[2] * np.exp(-((t - x[9]) ** 2) * x[6])
                                   + x[3] * np.exp(-((t - x[10]) ** 2) * x[7]))


def _watson(n, m):
    t = onp.arange(1, 30) / 29.0
    j = onp.arange(1, n + 1)
    powers = t[:, None] ** (j - 1)[None, :]  # t_i^{j−1}
    slope = onp.zeros_like(powers)  # (j−1) t_i^{j−2}
    slope[:, 1:] = (j[1:] - 1) * t[:, None] ** (j[1:] - 2)[None, :]

    def r(x):
        main = np.dot(slope, x) - np.dot(powers, x) ** 2 - 1.0
        return np.concatenate([main, np.stack([x[0], x[1] - x[0] ** 2 - 1.0])])
    return r


def _extended_rosenbrock(n, m):
    return lambda x: np.concatenate([10.0 * (x[1::2] - x[0::2] ** 2), 1.0 - x[0::2]])


def _extended_powell(n, m):
    return lambda x: np.concatenate([x[0::4] + 10.0 * x[1::4], math.sqrt(5.0) * (x[2::4] - x[3::4]),
                                     (x[1::4] - 2.0 * x[2::4]) ** 2, math.sqrt(10.0) * (x[0::4] - x[3::4]) ** 2])


def _penalty1(n, m):
    a = 1e-5
    return lambda x: np.concatenate([math.sqrt(a) * (x - 1.0), np.reshape(np.sum(x**2) - 0.25, (1,))])


def _penalty2(n, m):
    a = 1e-5
    i = onp.arange(2, n + 1)
    y = onp.exp(i / 10.0) + onp.exp((i - 1) / 10.0)
    weights = onp.arange(n, 0, -1, dtype=float)  # n − j + 1

    def r(x):
        e = np.exp(x / 10.0)
        return np.concatenate([np.reshape(x[0] - 0.2, (1,)), math.sqrt(a) * (e[1:] + e[:-1] - y),
                               math.sqrt(a) * (e[1:] - math.exp(-0.1)),
                               np.reshape(np.sum(weights * x**2) - 1.0, (1,))])
    return r


def _variably_dimensioned(n, m):
    j = onp.arange(1, n + 1, dtype=float)

    def r(x):
        s = np.sum(j * (x - 1.0))
        return np.concatenate([x - 1.0, np.stack([s, s**2])])
    return r


def _trigonometric(n, m):
    i = onp.arange(1, n + 1, dtype=float)
    return lambda x: n - np.sum(np.cos(x)) + i * (1.0 - np.cos(x)) - np.sin(x)


def _brown_almost_linear(n, m):
    return lambda x: np.concatenate([x[:-1] + np.sum(x) - (n + 1.0), np.reshape(np.prod(x) - 1.0, (1,))])


def _grid(n):
    h = 1.0 / (n + 1)
    return h, h * onp.arange(1, n + 1)


def _discrete_boundary_value(n, m):
    h, t = _grid(n)

    def r(x):
        xp = np.concatenate([np.zeros(1), x, np.zeros(1)])  # x₀ = x_{n+1} = 0
        return 2.0 * x - xp[:-2] - xp[2:] + h**2 * (x + t + 1.0) ** 3 / 2.0
    return r


def _discrete_integral_equation(n, m):
    h, t = _grid(n)

    def r(x):
        c = (x + t + 1.0) ** 3
        lower = np.cumsum(t * c)  # Σ_{j≤i} t_j c_j
        upper = np.sum((1.0 - t) * c) - np.cumsum((1.0 - t) * c)  # Σ_{j>i} (1 − t_j) c_j
        return x + h * ((1.0 - t) * lower + t * upper) / 2.0
    return r


def _broyden_tridiagonal(n, m):
    def r(x):
        xp = np.concatenate([np.zeros(1), x, np.zeros(1)])
        return (3.0 - 2.0 * x) * x - xp[:-2] - 2.0 * xp[2:] + 1.0
    return r


def _broyden_banded(n, m):
    lo, up = 5, 1  # J_i = {j ≠ i : max(1, i − 5) ≤ j ≤ min(n, i + 1)}

    def r(x):
        q = np.concatenate([np.zeros(lo), x * (1.0 + x), np.zeros(up)])
        band = sum(q[lo + k: lo + k + n] for k in range(-lo, up + 1) if k != 0)
        return x * (2.0 + 5.0 * x**2) + 1.0 - band
    return r


def _linear_full_rank(n, m):
    def r(x):
        s = 2.0 / m * np.sum(x)
        return np.concatenate([x - s - 1.0, np.zeros(m - n) - s - 1.0])
    return r


def _linear_rank1(n, m):
    i = onp.arange(1, m + 1, dtype=float)
    j = onp.arange(1, n + 1, dtype=float)
    return lambda x: i * np.sum(j * x) - 1.0


def _linear_rank1_zero(n, m):
    i = onp.arange(1, m + 1, dtype=float)
    coef = onp.where((i > 1) & (i < m), i - 1.0, 0.0)  # rows 1 and m are the constant −1
    j = onp.arange(1, n + 1, dtype=float)
    j[0] = j[-1] = 0.0  # columns 1 and n do not appear
    return lambda x: coef * np.sum(j * x) - 1.0


def _chebyquad(n, m):
    integral = onp.array([-1.0 / (k * k - 1.0) if k % 2 == 0 else 0.0 for k in range(1, m + 1)])  # ∫₀¹ T_k(2t−1)

    def r(x):
        y = 2.0 * x - 1.0  # shifted Chebyshev T_k(2x − 1) by the three-term recurrence
        prev, cur, rows = np.ones(n), y, []
        for _ in range(m):
            rows.append(np.mean(cur))
            prev, cur = cur, 2.0 * y * cur - prev
        return np.stack(rows) - integral
    return r


# ----------------------------------------------------------------------------- the table
@dataclass(frozen=True)
class Entry:
    """One MGH problem: residuals(n, m) → r, sizes, start x₀(n), published minima."""

    name: str
    residuals: Callable
    n: int
    m: Callable[[int], int]  # default m for a given n
    x0: Callable[[int], onp.ndarray]
    f_star: Callable[[int, int], Optional[float]]
    x_star: Callable[[int, int], Optional[onp.ndarray]] = lambda n, m: None
    n_rule: Optional[Callable[[int], Optional[str]]] = None  # None: n is fixed; else an error or None
    m_rule: Optional[Callable[[int, int], Optional[str]]] = None  # None: m follows n; else an error or None
    note: str = ""


def _fixed(value):
    return lambda *_: value


def _n_at_least(k, extra=None):
    def rule(n):
        if n < k:
            return f"n ≥ {k}"
        return extra(n) if extra else None
    return rule


def _m_at_least_n(n, m):
    return None if m >= n else f"m ≥ n (= {n})"


_WATSON = {6: 2.28767e-3, 9: 1.39976e-6, 12: 4.72238e-10}
_PENALTY1 = {4: 2.24997e-5, 10: 7.08765e-5}
_PENALTY2 = {4: 9.37629e-6, 10: 2.93660e-4}
_CHEBYQUAD = {**{k: 0.0 for k in (1, 2, 3, 4, 5, 6, 7, 9)}, 8: 3.51687e-3, 10: 6.50395e-3}


def _ones(value):
    return lambda n, m: onp.full(n, float(value))


ENTRIES: dict[int, Entry] = {
    1: Entry("Rosenbrock", _rosenbrock, 2, _fixed(2), _fixed(onp.array([-1.2, 1.0])), _fixed(0.0),
             _fixed(onp.array([1.0, 1.0]))),
    2: Entry("Freudenstein and Roth", _freudenstein_roth, 2, _fixed(2), _fixed(onp.array([0.5, -2.0])),
             _fixed(0.0), _fixed(onp.array([5.0, 4.0])),
             note="local minimum f = 48.9842… at (11.41…, −0.8968…), where descent from x₀ often stops"),
    3: Entry("Powell badly scaled", _powell_badly_scaled, 2, _fixed(2), _fixed(onp.array([0.0, 1.0])),
             _fixed(0.0), note="x* = (1.098…e−5, 9.106…)"),
    4: Entry("Brown badly scaled", _brown_badly_scaled, 2, _fixed(3), _fixed(onp.array([1.0, 1.0])),
             _fixed(0.0), _fixed(onp.array([1e6, 2e-6]))),
    5: Entry("Beale", _beale, 2, _fixed(3), _fixed(onp.array([1.0, 1.0])), _fixed(0.0),
             _fixed(onp.array([3.0, 0.5]))),
    6: Entry("Jennrich and Sampson", _jennrich_sampson, 2, _fixed(10), _fixed(onp.array([0.3, 0.4])),
             lambda n, m: {10: 124.362}.get(m), m_rule=_m_at_least_n,
             note="f* = 124.362… at x₁ = x₂ = 0.2578… for m = 10 (the only m with a published f*)"),
    7: Entry("Helical valley", _helical_valley, 3, _fixed(3), _fixed(onp.array([-1.0, 0.0, 0.0])), _fixed(0.0),
             _fixed(onp.array([1.0, 0.0, 0.0]))),
    8: Entry("Bard", _bard, 3, _fixed(15), _fixed(onp.ones(3)), _fixed(8.21487e-3),
             note="also f → 17.4286… as (x₁, x₂, x₃) → (0.8406…, −∞, −∞)"),
    9: Entry("Gaussian", _gaussian, 3, _fixed(15), _fixed(onp.array([0.4, 1.0, 0.0])), _fixed(1.12793e-8)),
    10: Entry("Meyer", _meyer, 3, _fixed(16), _fixed(onp.array([0.02, 4000.0, 250.0])), _fixed(87.9458)),
    11: Entry("Gulf research and development", _gulf, 3, _fixed(99), _fixed(onp.array([5.0, 2.5, 0.15])),
              _fixed(0.0), _fixed(onp.array([50.0, 25.0, 1.5])),
              m_rule=lambda n, m: None if 3 <= m <= 100 else "3 ≤ m ≤ 100"),
    12: Entry("Box three-dimensional", _box_3d, 3, _fixed(10), _fixed(onp.array([0.0, 10.0, 20.0])), _fixed(0.0),
              _fixed(onp.array([1.0, 10.0, 1.0])), m_rule=_m_at_least_n,
              note="also f = 0 at (10, 1, −1) and wherever x₁ = x₂, x₃ = 0; (1, 10, 1) is listed"),
    13: Entry("Powell singular", _powell_singular, 4, _fixed(4), _fixed(onp.array([3.0, -1.0, 0.0, 1.0])),
              _fixed(0.0), _fixed(onp.zeros(4))),
    14: Entry("Wood", _wood, 4, _fixed(6), _fixed(onp.array([-3.0, -1.0, -3.0, -1.0])), _fixed(0.0),
              _fixed(onp.ones(4))),
    15: Entry("Kowalik and Osborne", _kowalik_osborne, 4, _fixed(11), _fixed(onp.array([0.25, 0.39, 0.415, 0.39])),
              _fixed(3.07505e-4), note="also f → 1.02734…e−3 as x → (+∞, −14.07…, −∞, −∞)"),
    16: Entry("Brown and Dennis", _brown_dennis, 4, _fixed(20), _fixed(onp.array([25.0, 5.0, -5.0, -1.0])),
              lambda n, m: {20: 85822.2}.get(m), m_rule=_m_at_least_n,
              note="f* = 85822.2… published for m = 20 only"),
    17: Entry("Osborne 1", _osborne1, 5, _fixed(33), _fixed(onp.array([0.5, 1.5, -1.0, 0.01, 0.02])),
              _fixed(5.46489e-5)),
    18: Entry("Biggs EXP6", _biggs_exp6, 6, _fixed(13), _fixed(onp.array([1.0, 2.0, 1.0, 1.0, 1.0, 1.0])),
              _fixed(0.0), _fixed(onp.array([1.0, 10.0, 1.0, 5.0, 4.0, 3.0])), m_rule=_m_at_least_n,
              note="global f* = 0 listed; the paper also gives the local minimum f = 5.65565…e−3 (m = 13)"),
    19: Entry("Osborne 2", _osborne2, 11, _fixed(65),
              _fixed(onp.array([1.3, 0.65, 0.65, 0.7, 0.6, 3.0, 5.0, 7.0, 2.0, 4.5, 5.5])), _fixed(4.01377e-2)),
    20: Entry("Watson", _watson, 6, _fixed(31), lambda n: onp.zeros(n), lambda n, m: _WATSON.get(n),
              n_rule=lambda n: None if 2 <= n <= 31 else "2 ≤ n ≤ 31",
              note="f* published for n = 6, 9, 12"),
    21: Entry("Extended Rosenbrock", _extended_rosenbrock, 10, lambda n: n, lambda n: onp.tile([-1.2, 1.0], n // 2),
              _fixed(0.0), _ones(1), n_rule=lambda n: None if n >= 2 and n % 2 == 0 else "an even n ≥ 2"),
    22: Entry("Extended Powell singular", _extended_powell, 12, lambda n: n,
              lambda n: onp.tile([3.0, -1.0, 0.0, 1.0], n // 4), _fixed(0.0), _ones(0),
              n_rule=lambda n: None if n >= 4 and n % 4 == 0 else "n a multiple of 4"),
    23: Entry("Penalty I", _penalty1, 10, lambda n: n + 1, lambda n: onp.arange(1.0, n + 1),
              lambda n, m: _PENALTY1.get(n),
              n_rule=_n_at_least(1), note="f* published for n = 4, 10"),
    24: Entry("Penalty II", _penalty2, 10, lambda n: 2 * n, lambda n: onp.full(n, 0.5),
              lambda n, m: _PENALTY2.get(n),
              n_rule=_n_at_least(1), note="f* published for n = 4, 10"),
    25: Entry("Variably dimensioned", _variably_dimensioned, 10, lambda n: n + 2,
              lambda n: 1.0 - onp.arange(1, n + 1) / n, _fixed(0.0), _ones(1), n_rule=_n_at_least(1)),
    26: Entry("Trigonometric", _trigonometric, 10, lambda n: n, lambda n: onp.full(n, 1.0 / n), _fixed(0.0),
              _ones(0), n_rule=_n_at_least(1),
              note="x* = 0 listed (r(0) = 0; the paper states f* = 0 only); for n = 10 descent from x₀ stops "
                   "at a local minimum f = 2.79506e−5"),
    27: Entry("Brown almost-linear", _brown_almost_linear, 10, lambda n: n, lambda n: onp.full(n, 0.5), _fixed(0.0),
              _ones(1), n_rule=_n_at_least(2),
              note="f = 0 at (α, …, α, α^{1−n}) with nαⁿ − (n+1)αⁿ⁻¹ + 1 = 0, α = 1 listed; "
                   "local minimum f = 1 at (0, …, 0, n+1)"),
    28: Entry("Discrete boundary value", _discrete_boundary_value, 10, lambda n: n,
              lambda n: _grid(n)[1] * (_grid(n)[1] - 1.0), _fixed(0.0), n_rule=_n_at_least(1)),
    29: Entry("Discrete integral equation", _discrete_integral_equation, 10, lambda n: n,
              lambda n: _grid(n)[1] * (_grid(n)[1] - 1.0), _fixed(0.0), n_rule=_n_at_least(1)),
    30: Entry("Broyden tridiagonal", _broyden_tridiagonal, 10, lambda n: n, lambda n: onp.full(n, -1.0),
              _fixed(0.0), n_rule=_n_at_least(1)),
    31: Entry("Broyden banded", _broyden_banded, 10, lambda n: n, lambda n: onp.full(n, -1.0), _fixed(0.0),
              n_rule=_n_at_least(1)),
    32: Entry("Linear function – full rank", _linear_full_rank, 10, lambda n: 2 * n, lambda n: onp.ones(n),
              lambda n, m: float(m - n), lambda n, m: onp.full(n, -1.0), n_rule=_n_at_least(1), m_rule=_m_at_least_n),
    33: Entry("Linear function – rank 1", _linear_rank1, 10, lambda n: 2 * n, lambda n: onp.ones(n),
              lambda n, m: m * (m - 1.0) / (2.0 * (2 * m + 1)),
              lambda n, m: onp.full(n, 3.0 / ((2 * m + 1) * n * (n + 1) / 2.0)),
              n_rule=_n_at_least(1), m_rule=_m_at_least_n,
              note="minimal wherever Σ j·x_j = 3/(2m+1); x* listed is the constant vector on that plane"),
    34: Entry("Linear function – rank 1 with zero columns and rows", _linear_rank1_zero, 10, lambda n: 2 * n,
              lambda n: onp.ones(n), lambda n, m: (m * m + 3.0 * m - 6.0) / (2.0 * (2 * m - 3)),
              lambda n, m: onp.concatenate([[0.0], onp.full(n - 2, 3.0 / ((2 * m - 3) * (n * (n - 1) / 2.0 - 1.0))),
                                            [0.0]]),
              n_rule=_n_at_least(3), m_rule=_m_at_least_n,
              note="minimal wherever Σ_{j=2}^{n−1} j·x_j = 3/(2m−3); x* listed has x₁ = x_n = 0, the rest equal"),
    35: Entry("Chebyquad", _chebyquad, 10, lambda n: n, lambda n: onp.arange(1, n + 1) / (n + 1.0),
              lambda n, m: _CHEBYQUAD.get(n) if m == n else None, n_rule=_n_at_least(1), m_rule=_m_at_least_n,
              note="f* published for n = m: 0 for n ≤ 7 and 9, 3.51687e−3 (8), 6.50395e−3 (10)"),
}


def resolve(id: int, n: Optional[int] = None, m: Optional[int] = None) -> tuple[Entry, int, int]:
    """The entry and the sizes (n, m) for problem ``id``, every size checked against the paper."""
    if id not in ENTRIES:
        raise UsageError(f"id must be 1..35 (the paper's numbering), got {id}; optbench list mgh shows them")
    e = ENTRIES[id]
    if n is None:
        n = e.n
    elif e.n_rule is None and n != e.n:
        raise UsageError(f"id={id} ({e.name}) has fixed n = {e.n}, got n = {n}; drop -p n")
    elif e.n_rule is not None and (msg := e.n_rule(n)):
        raise UsageError(f"id={id} ({e.name}) needs {msg}, got n = {n}")
    default_m = e.m(n)
    if m is None:
        m = default_m
    elif e.m_rule is None and m != default_m:
        raise UsageError(f"id={id} ({e.name}) has m = {default_m} for n = {n}, got m = {m}; drop -p m")
    elif e.m_rule is not None and (msg := e.m_rule(n, m)):
        raise UsageError(f"id={id} ({e.name}) needs {msg}, got m = {m}")
    return e, n, m


def _sizes_text(e: Entry) -> tuple[str, str]:
    n = str(e.n) if e.n_rule is None else f"{e.n}*"
    m = e.m(e.n)
    m_text = f"{m}*" if e.m_rule is not None else str(m)
    return n, m_text


def _f_star_text(id: int) -> str:
    e, n, m = resolve(id)
    f = e.f_star(n, m)
    return "—" if f is None else f"{f:.6g}"


def _table() -> str:
    lines = [" id  name                                                 n    m    f*"]
    for i, e in ENTRIES.items():
        n, m = _sizes_text(e)
        lines.append(f" {i:>2}  {e.name:<52} {n:<4} {m:<4} {_f_star_text(i)}")
    return "\n".join(lines)


def _notes() -> str:
    return "\n".join(f" {i:>2}  {e.note}" for i, e in ENTRIES.items() if e.note)


def _mgh(id: int = 1, n: Optional[int] = None, m: Optional[int] = None, scale: float = 1.0) -> Problem:
    e, n, m = resolve(id, n, m)
    if not (math.isfinite(scale) and scale != 0.0):
        raise UsageError(f"scale must be a finite non-zero number (the paper uses 1, 10, 100), got {scale}")
    x0 = onp.asarray(e.x0(n), dtype=float)
    if scale != 1.0:
        # Watson's x₀ = 0 cannot be scaled; like Algorithm 566's INITPT, start at scale·(1, …, 1).
        x0 = onp.full(n, scale) if not onp.any(x0) else scale * x0
    r = e.residuals(n, m)

    def f(x):
        res = r(x)
        return np.sum(res * res)

    f_star = e.f_star(n, m)
    x_star = e.x_star(n, m) if f_star is not None else None
    return Problem(f, x0=x0, f_star=f_star, x_star=x_star,
                   description=f"MGH {id}: {e.name} (n = {n}, m = {m})" + (f"; {e.note}" if e.note else ""))


_mgh.__doc__ = f"""Moré–Garbow–Hillstrom problem `id` (1–35, paper numbering): f = Σᵢ rᵢ(x)² from the standard x₀.

Moré, Garbow & Hillstrom, "Testing unconstrained optimization software", ACM TOMS 7 (1981), §3.
n and m are the paper's where fixed; * marks a size you may set (-p n=…, -p m=…; the default is
shown). f* is the published value (six significant digits, "—" where the paper gives none for that
size); x* is set where the paper states it exactly. scale multiplies x₀ (the paper also starts from
10·x₀ and 100·x₀). Notes below name the other minima where the paper lists several.

{_table()}

Notes:
{_notes()}
"""

mgh = problem(_mgh, name="mgh")
