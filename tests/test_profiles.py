"""Profiles and the cost model against hand-computed examples."""

import math

import numpy as np
import pytest

from optbench.compare.profiles import (
    cost_to_solve,
    data_profile,
    grad_equivalents,
    performance_profile,
    profile_taus,
    shifted_geometric_mean,
)

INF = math.inf

# 4 problems × 3 solvers; solver C fails on problem 3, nobody solves problem 4.
T = np.array([
    [10.0, 20.0, 40.0],
    [30.0, 15.0, 15.0],
    [5.0, 50.0, INF],
    [INF, INF, INF],
])


def test_performance_profile_hand_computed():
    # ratios r[p, s] = t / min_s t:
    #   p1: 1, 2, 4      p2: 2, 1, 1      p3: 1, 10, inf      p4: inf, inf, inf
    rho = performance_profile(T, [1.0, 2.0, 4.0, 10.0, 100.0])
    expected = np.array([
        # A            B            C
        [2 / 4, 1 / 4, 1 / 4],  # τ = 1
        [3 / 4, 2 / 4, 1 / 4],  # τ = 2
        [3 / 4, 2 / 4, 2 / 4],  # τ = 4
        [3 / 4, 3 / 4, 2 / 4],  # τ = 10
        [3 / 4, 3 / 4, 2 / 4],  # τ = 100: the unsolved problem 4 keeps everyone below 1
    ])
    np.testing.assert_allclose(rho, expected)


def test_performance_profile_treats_nan_as_failure_and_ties_as_best():
    rho = performance_profile(np.array([[np.nan, 3.0], [0.0, 0.0]]), [1.0])
    np.testing.assert_allclose(rho, [[0.5, 1.0]])


def test_data_profile_hand_computed():
    d = data_profile(T, [0.0, 10.0, 20.0, 50.0])
    expected = np.array([
        [0, 0, 0],
        [2 / 4, 0, 0],  # A: 10 and 5 are ≤ 10
        [2 / 4, 2 / 4, 1 / 4],
        [3 / 4, 3 / 4, 2 / 4],
    ])
    np.testing.assert_allclose(d, expected)


def test_data_profile_with_simplex_gradient_weights():
    # Moré & Wild: cost in f-evaluations divided by n_p + 1
    costs = np.array([[30.0], [30.0]])
    d = data_profile(costs, [5.0, 10.0], weights=[3.0, 6.0])  # n = 2 and n = 5
    np.testing.assert_allclose(d, [[0.5], [1.0]])


def test_profile_taus_span_the_finite_ratios():
    taus = profile_taus(T)
    assert taus[0] == 1.0 and taus[-1] >= 10.0


def test_shifted_geometric_mean():
    # exp(mean(log([1+1, 7+1]))) − 1 = sqrt(16) − 1 = 3
    assert shifted_geometric_mean([1.0, 7.0], 1.0) == pytest.approx(3.0)
    assert shifted_geometric_mean([5.0, 5.0, 5.0], 10.0) == pytest.approx(5.0)
    assert math.isnan(shifted_geometric_mean([], 1.0))


def test_grad_equivalents_cost_model():
    assert grad_equivalents(1, 1, 0, 0, 5) == pytest.approx(1.0)  # one value-and-gradient
    assert grad_equivalents(1, 0, 0, 0, 5) == pytest.approx(1 / 3)  # one f alone
    assert grad_equivalents(1, 0, 1, 0, 5) == pytest.approx(4 / 3)  # forward-over-reverse HVP
    assert grad_equivalents(1, 0, 0, 1, 5) == pytest.approx(5 + 1 / 3)  # dense Hessian, n = 5


TRACE = {
    "iter": [0, 1, 2, 3],
    "time": [0.0, 0.1, 0.2, 0.3],
    "f": [100.0, 10.0, 1e-3, 1e-9],
    "grad_norm": [50.0, 5.0, 1e-4, 1e-7],
    "nfev": [1, 3, 5, 6],
    "ngev": [1, 2, 3, 4],
    "nhvp": [0, 0, 0, 0],
    "nhev": [0, 0, 0, 0],
}


def test_cost_to_solve_gradient_test():
    assert cost_to_solve(TRACE, "iter", 2, "gtol", 1e-6, 0.0, 0.0) == 3
    assert cost_to_solve(TRACE, "iter", 2, "gtol", 1e-3, 0.0, 0.0) == 2
    assert cost_to_solve(TRACE, "cost", 2, "gtol", 1e-3, 0.0, 0.0) == pytest.approx(5 / 3 + 2)
    assert cost_to_solve(TRACE, "time", 2, "gtol", 1e-12, 0.0, 0.0) == math.inf


def test_cost_to_solve_function_test():
    # f − f_L ≤ τ (f0 − f_L) with f_L = 0, f0 = 100: τ = 1e-2 → f ≤ 1 at iteration 2
    assert cost_to_solve(TRACE, "iter", 2, "f", 1e-6, 1e-2, 0.0) == 2
    assert cost_to_solve(TRACE, "iter", 2, "f", 1e-6, 1e-1, 0.0) == 1
    assert cost_to_solve(TRACE, "iter", 2, "f", 1e-6, 1e-2, None) == math.inf


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

costs_st = st.lists(
    st.lists(st.one_of(st.floats(0.1, 1e4), st.just(INF)), min_size=3, max_size=3), min_size=1, max_size=8
)


@settings(max_examples=60, deadline=None)
@given(costs_st)
def test_performance_profile_properties(rows):
    t = np.array(rows)
    taus = np.array([1.0, 1.5, 3.0, 10.0, 1e9])
    rho = performance_profile(t, taus)
    assert np.all(np.diff(rho, axis=0) >= 0)  # non-decreasing in τ
    np.testing.assert_allclose(rho[-1], np.isfinite(t).mean(axis=0))  # τ → ∞: fraction solved
    solved_by_someone = np.isfinite(t).any(axis=1)
    # at τ = 1 every solved problem has at least one best solver
    assert rho[0].sum() * len(t) >= solved_by_someone.sum() - 1e-9
