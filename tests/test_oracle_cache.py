"""The oracle's cache check (issue 15: less overhead per call) keeps array_equal's meaning and exact counters."""

import numpy as onp
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra.numpy import arrays

from optbench.core.oracle import Oracle, _same_point
from optbench.core.problem import make_problem

floats = st.floats(allow_nan=True, allow_infinity=True, width=64) | st.sampled_from([0.0, -0.0, 1.0])


@given(arrays(onp.float64, st.integers(1, 5), elements=floats), arrays(onp.float64, st.integers(1, 5), elements=floats))
def test_same_point_is_array_equal(a, b):
    assert _same_point(a, b) == onp.array_equal(a, b)
    assert _same_point(a, a.copy()) == onp.array_equal(a, a.copy())  # NaN anywhere: not the same point


@pytest.mark.parametrize("a, b", [
    (onp.array([-0.0, 1.0]), onp.array([0.0, 1.0])),  # equal as numbers
    (onp.array([1.0, 2.0]), onp.array([1.0, 3.0])),  # first entries equal, the rest not
    (onp.array([[1.0, 2.0]]), onp.array([1.0, 2.0])),  # shapes differ
    (onp.zeros((2, 2)), onp.zeros((2, 2))),
    ([1.0, 2.0], onp.array([1.0, 2.0])),  # not an array
    (onp.array([1, 2]), onp.array([1.0, 2.0])),  # integer dtype
    (onp.empty(0), onp.empty(0)),
])
def test_same_point_edge_cases(a, b):
    assert _same_point(a, b) == onp.array_equal(a, b)


def test_counts_stay_exact_when_the_caller_mutates_x_in_place():
    oracle = Oracle(make_problem("rosenbrock", {"n": 4}))
    x = onp.array([-1.2, 1.0, -1.2, 1.0])
    f0, g0 = oracle.value_and_grad(x)
    assert oracle.value_and_grad(x)[0] == f0 and (oracle.ngev, oracle.nfev) == (1, 1)  # cached
    x[3] = 2.0  # same object, first entry unchanged
    f1, _ = oracle.value_and_grad(x)
    assert f1 != f0 and (oracle.ngev, oracle.nfev) == (2, 2)
    x[0] = 0.5  # first entry changed
    oracle.value_and_grad(x)
    assert (oracle.ngev, oracle.nfev) == (3, 3)
    x[0], x[3] = -1.2, 2.0  # back to the previous point: served from the cache, not counted
    assert oracle.value_and_grad(x)[0] == f1 and (oracle.ngev, oracle.nfev) == (3, 3)
    assert oracle.f(onp.array([-1.2, 1.0, -1.2, 1.0])) == f0 and oracle.nfev == 4  # dropped from the cache: counted
