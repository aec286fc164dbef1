"""The bundled Moré–Garbow–Hillstrom family `mgh`: x₀, derivatives, published minima, sizes, solves, CLI.

Reference values are the paper's (Moré, Garbow & Hillstrom, ACM TOMS 7 (1981) §3), typed in here
independently of problems/mgh.py; f* is printed there to six significant digits.
"""

from __future__ import annotations

import numpy as np
import pytest
from autograd import grad
from typer.testing import CliRunner

import optbench
from optbench import UsageError, make_problem
from optbench.cli import app

IDS = list(range(1, 36))

# The paper's standard starting points, at the default sizes (n = 10 for the variable ones,
# 6 for Watson, 12 for extended Powell).
_h = 1.0 / 11
_t = _h * np.arange(1, 11)
X0 = {
    1: [-1.2, 1], 2: [0.5, -2], 3: [0, 1], 4: [1, 1], 5: [1, 1], 6: [0.3, 0.4], 7: [-1, 0, 0],
    8: [1, 1, 1], 9: [0.4, 1, 0], 10: [0.02, 4000, 250], 11: [5, 2.5, 0.15], 12: [0, 10, 20],
    13: [3, -1, 0, 1], 14: [-3, -1, -3, -1], 15: [0.25, 0.39, 0.415, 0.39], 16: [25, 5, -5, -1],
    17: [0.5, 1.5, -1, 0.01, 0.02], 18: [1, 2, 1, 1, 1, 1],
    19: [1.3, 0.65, 0.65, 0.7, 0.6, 3, 5, 7, 2, 4.5, 5.5], 20: [0] * 6,
    21: [-1.2, 1] * 5, 22: [3, -1, 0, 1] * 3, 23: list(range(1, 11)), 24: [0.5] * 10,
    25: [1 - j / 10 for j in range(1, 11)], 26: [0.1] * 10, 27: [0.5] * 10,
    28: _t * (_t - 1), 29: _t * (_t - 1), 30: [-1] * 10, 31: [-1] * 10,
    32: [1] * 10, 33: [1] * 10, 34: [1] * 10, 35: [j / 11 for j in range(1, 11)],
}

# The paper's f*, for the default sizes (m = 20 for the linear functions 32–34).
F_STAR = {
    6: 124.362, 8: 8.21487e-3, 9: 1.12793e-8, 10: 87.9458, 15: 3.07505e-4, 16: 85822.2, 17: 5.46489e-5,
    19: 4.01377e-2, 20: 2.28767e-3, 23: 7.08765e-5, 24: 2.93660e-4, 32: 10.0, 33: 20 * 19 / (2 * 41),
    34: (400 + 60 - 6) / (2 * 37), 35: 6.50395e-3,
}
F_STAR.update({i: 0.0 for i in IDS if i not in F_STAR})


def _problem(i, **params):
    return make_problem("mgh", {"id": i, **params})


@pytest.mark.parametrize("i", IDS)
def test_standard_start_and_published_f_star(i):
    p = _problem(i)
    np.testing.assert_array_equal(p.x0, np.asarray(X0[i], dtype=float))
    assert p.f_star == pytest.approx(F_STAR[i], rel=1e-12, abs=0.0)
    assert np.isfinite(p.f(p.x0)) and p.f(p.x0) > p.f_star


def _central_differences(f, x):
    h = 1e-6 * (1.0 + np.abs(x))
    g = np.array([(f(x + h[k] * e) - f(x - h[k] * e)) / (2.0 * h[k]) for k, e in enumerate(np.eye(x.size))])
    return g, h


@pytest.mark.parametrize("i", IDS)
def test_autograd_gradient_matches_central_differences(i):
    """At x₀ and a random nearby point. Central differences err by O(h²·f''') plus rounding
    ~ eps·|f|/h; the tolerance is that rounding bound plus 1e-6 of the gradient's size."""
    p = _problem(i)
    rng = np.random.default_rng(i)
    for x in (p.x0, p.x0 + 0.1 * (1.0 + np.abs(p.x0)) * rng.standard_normal(p.n)):
        g = grad(p.f)(x)
        fd, h = _central_differences(p.f, x)
        tol = 1e-6 * max(1.0, np.max(np.abs(g))) + 100 * np.finfo(float).eps * (1.0 + abs(p.f(x))) / h
        assert np.all(np.abs(g - fd) <= tol), (i, np.max(np.abs(g - fd) - tol))


@pytest.mark.parametrize("i", [i for i in IDS if _problem(i).x_star is not None])
def test_f_at_x_star_is_f_star(i):
    p = _problem(i)
    assert p.f(p.x_star) == pytest.approx(p.f_star, rel=1e-12, abs=1e-20)
    assert np.max(np.abs(grad(p.f)(p.x_star))) <= 1e-9 * max(1.0, p.f_star)


def test_problems_with_an_exact_minimiser_carry_it():
    have = {i for i in IDS if _problem(i).x_star is not None}
    assert have == {1, 2, 4, 5, 7, 11, 12, 13, 14, 18, 21, 22, 25, 26, 27, 32, 33, 34}


# Solves that reach the published f* (to its six printed digits) from the standard start: they
# check f* where the paper gives no x*, and that the problems are solvable as stated.
SOLVES = [(6, "newton"), (8, "newton"), (9, "newton"), (15, "newton"), (16, "newton"), (20, "newton"),
          (17, "lbfgs"), (23, "lbfgs"), (35, "lbfgs"), (7, "newton"), (11, "newton"), (28, "newton"),
          (29, "newton"), (30, "newton"), (31, "newton"), (27, "newton"), (33, "newton")]


@pytest.mark.parametrize("i,method", SOLVES)
def test_solver_reaches_published_f_star(i, method):
    p = _problem(i)
    r = optbench.solve("mgh", method, params={"id": i})
    assert r.status.value == "converged", r.message
    assert r.fun - p.f_star <= 1e-5 * abs(p.f_star) + 1e-10
    assert r.fun >= p.f_star - 1e-5 * abs(p.f_star)  # f* is a minimum: nothing much below it


@pytest.mark.parametrize("method,max_iter", [("trust-exact", 80), ("newton", 100)])
def test_biggs_exp6_reaches_f_star_with_the_more_sorensen_step(method, max_iter):
    # MGH 18 from x₀: B is indefinite at the first iterates; with the Moré–Sorensen subproblem as
    # published (breakdown bound, hard-case stop, LINPACK z) both reach f* = 0 in ~40 iterations,
    # as scipy's trust-exact does; before, the first step differed and both crawled to f ≈ 0.2427.
    r = optbench.solve("mgh", method, params={"id": 18}, gtol=1e-8, max_iter=max_iter)
    assert r.status.value == "converged", r.message
    assert r.fun <= 1e-10 and r.nit <= 60


# Minimisers computed with scipy.optimize.least_squares (Levenberg–Marquardt, tolerances 1e-15) from
# x₀ and rounded to 12 digits, where the paper gives f* but no x*: f there must match the paper.
APPROX_MINIMISERS = {
    3: [1.0981593297e-05, 9.10614673987],
    10: [0.00560963632453, 6181.34636799, 345.223635352],
    19: [1.30997715384, 0.43155379314, 0.633661698377, 0.599430533989, 0.754183222041, 0.904288592804,
         1.36581183103, 4.82369881414, 2.39868486685, 4.56887459679, 5.6753414705],
    24: [0.199983605201, 0.0103506331976, 0.0196049277836, 0.0320890644434, 0.0499326709401, 0.0765139781325,
         0.118624049372, 0.192144897455, 0.347320614938, 0.369164343713],
}


@pytest.mark.parametrize("i", sorted(APPROX_MINIMISERS))
def test_published_f_star_at_a_computed_minimiser(i):
    p = _problem(i)
    x = np.array(APPROX_MINIMISERS[i])
    assert p.f(x) - p.f_star <= 1e-5 * abs(p.f_star) + 1e-20 and p.f(x) >= p.f_star - 1e-5 * abs(p.f_star)
    assert np.max(np.abs(grad(p.f)(x))) <= 1e-6 * max(1.0, abs(p.f(p.x0)))


def test_descent_from_freudenstein_roth_start_stops_at_the_listed_local_minimum():
    r = optbench.solve("mgh", "newton", params={"id": 2})
    assert r.fun == pytest.approx(48.9842, rel=1e-5)
    assert "48.9842" in _problem(2).description


@pytest.mark.parametrize("i,params,f_star", [
    (20, {"n": 9}, 1.39976e-6), (20, {"n": 12}, 4.72238e-10), (23, {"n": 4}, 2.24997e-5),
    (24, {"n": 4}, 9.37629e-6), (35, {"n": 8}, 3.51687e-3), (35, {"n": 7}, 0.0),
    (32, {"n": 5, "m": 7}, 2.0), (33, {"n": 4, "m": 9}, 9 * 8 / (2 * 19)), (34, {"n": 4, "m": 9}, 3.4),
    (11, {"m": 10}, 0.0), (12, {"m": 20}, 0.0), (21, {"n": 4}, 0.0), (22, {"n": 8}, 0.0),
])
def test_other_sizes_carry_the_published_f_star(i, params, f_star):
    p = _problem(i, **params)
    assert p.n == params.get("n", p.n) and p.f_star == pytest.approx(f_star, rel=1e-12)
    if p.x_star is not None:
        assert p.f(p.x_star) == pytest.approx(f_star, rel=1e-12, abs=1e-20)


@pytest.mark.parametrize("i,params", [(6, {"m": 12}), (16, {"m": 30}), (20, {"n": 7}), (23, {"n": 5}),
                                      (35, {"n": 11}), (35, {"n": 5, "m": 8})])
def test_sizes_without_a_published_f_star_have_none(i, params):
    p = _problem(i, **params)
    assert p.f_star is None and p.x_star is None


def test_residual_counts_follow_m():
    # f is a sum of m squares: at x with all residuals known, f counts them (Linear rank 1 zero: r = −1 at x = 0).
    for m in (5, 9):
        assert _problem(34, n=4, m=m).f(np.zeros(4)) == pytest.approx(m)
        assert _problem(33, n=4, m=m).f(np.zeros(4)) == pytest.approx(m)
    assert _problem(11, m=3).f(np.array([50.0, 25.0, 1.5])) == pytest.approx(0.0, abs=1e-25)


def test_scale_multiplies_the_start_and_watson_starts_at_scale_ones():
    np.testing.assert_array_equal(_problem(10, scale=10).x0, [0.2, 40000, 2500])
    np.testing.assert_array_equal(_problem(20, scale=100).x0, np.full(6, 100.0))  # Algorithm 566, INITPT
    assert _problem(5, scale=10).params == {"id": 5, "scale": 10}


@pytest.mark.parametrize("params,needle", [
    ({"id": 0}, "id must be 1..35"), ({"id": 36}, "got 36"),
    ({"id": 5, "n": 3}, "id=5 (Beale) has fixed n = 2, got n = 3"),
    ({"id": 21, "n": 7}, "an even n ≥ 2, got n = 7"), ({"id": 22, "n": 6}, "n a multiple of 4, got n = 6"),
    ({"id": 20, "n": 40}, "2 ≤ n ≤ 31, got n = 40"), ({"id": 32, "n": 10, "m": 5}, "m ≥ n (= 10), got m = 5"),
    ({"id": 11, "m": 101}, "3 ≤ m ≤ 100, got m = 101"), ({"id": 5, "m": 4}, "got m = 4"),
    ({"id": 34, "n": 2}, "n ≥ 3, got n = 2"), ({"id": 1, "scale": 0}, "scale must be"),
])
def test_bad_sizes_are_one_line_usage_errors(params, needle):
    with pytest.raises(UsageError) as e:
        make_problem("mgh", params)
    assert needle in str(e.value) and "\n" not in str(e.value)


def test_list_shows_every_name_and_f_star():
    r = CliRunner().invoke(app, ["list", "mgh"])
    assert r.exit_code == 0, r.output
    for name in ("Rosenbrock", "Freudenstein and Roth", "Gulf research and development", "Osborne 2",
                 "Linear function – rank 1 with zero columns and rows", "Chebyquad"):
        assert name in r.stdout
    lines = r.stdout.splitlines()
    start = next(k for k, line in enumerate(lines) if line.split()[:2] == ["id", "name"])
    rows = [line.split() for line in lines[start + 1: start + 36]]
    assert [int(row[0]) for row in rows] == IDS
    assert rows[9][-1] == "87.9458" and rows[15][-1] == "85822.2"  # Meyer, Brown and Dennis
    assert "Notes:" in r.stdout and "48.9842" in r.stdout  # the other minima, e.g. Freudenstein–Roth's


# Direct transcriptions of the paper's sums (loops over i and j), against the vectorised residuals.
def _naive_f(i, x):
    n = x.size
    h = 1.0 / (n + 1)
    t = [h * (k + 1) for k in range(n)]
    r = []
    if i == 28:
        for k in range(n):
            left = x[k - 1] if k > 0 else 0.0
            right = x[k + 1] if k < n - 1 else 0.0
            r.append(2 * x[k] - left - right + h * h * (x[k] + t[k] + 1) ** 3 / 2)
    elif i == 29:
        for k in range(n):
            s1 = sum(t[j] * (x[j] + t[j] + 1) ** 3 for j in range(k + 1))
            s2 = sum((1 - t[j]) * (x[j] + t[j] + 1) ** 3 for j in range(k + 1, n))
            r.append(x[k] + h * ((1 - t[k]) * s1 + t[k] * s2) / 2)
    elif i == 30:
        for k in range(n):
            left = x[k - 1] if k > 0 else 0.0
            right = x[k + 1] if k < n - 1 else 0.0
            r.append((3 - 2 * x[k]) * x[k] - left - 2 * right + 1)
    elif i == 31:
        for k in range(n):
            band = [j for j in range(max(0, k - 5), min(n - 1, k + 1) + 1) if j != k]
            r.append(x[k] * (2 + 5 * x[k] ** 2) + 1 - sum(x[j] * (1 + x[j]) for j in band))
    elif i == 35:
        cheb = np.polynomial.chebyshev
        for k in range(1, n + 1):
            integral = -1.0 / (k * k - 1) if k % 2 == 0 else 0.0
            r.append(np.mean(cheb.chebval(2 * x - 1, [0] * k + [1])) - integral)
    elif i == 24:
        a = 1e-5
        r.append(x[0] - 0.2)
        for k in range(2, n + 1):
            y = np.exp(k / 10) + np.exp((k - 1) / 10)
            r.append(a**0.5 * (np.exp(x[k - 1] / 10) + np.exp(x[k - 2] / 10) - y))
        for k in range(n + 1, 2 * n):
            r.append(a**0.5 * (np.exp(x[k - n] / 10) - np.exp(-0.1)))
        r.append(sum((n - j) * x[j] ** 2 for j in range(n)) - 1)
    return float(np.sum(np.square(r)))


@pytest.mark.parametrize("i", [24, 28, 29, 30, 31, 35])
def test_vectorised_sums_match_a_direct_transcription(i):
    rng = np.random.default_rng(100 + i)
    for n in (1, 7, 12):
        p = _problem(i, n=n)
        x = p.x0 + 0.3 * rng.standard_normal(n)
        assert p.f(x) == pytest.approx(_naive_f(i, x), rel=1e-12, abs=1e-300)
