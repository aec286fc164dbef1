"""Line searches: an accepted step satisfies the conditions it claims; failures and the fallback are honest."""

import math

import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optbench import Problem, UsageError
from optbench.core.linesearch import Armijo, FullStep, StrongWolfe, make_line_search
from optbench.core.oracle import Oracle


def oracle_of(f, n):
    return Oracle(Problem(f, x0=np.zeros(n), name="ls"))


def rosen(x):
    return anp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


@settings(max_examples=60, deadline=None)
@given(x=st.lists(st.floats(-2, 2), min_size=2, max_size=4), c1=st.floats(1e-5, 0.4),
       c2=st.floats(0.45, 0.95), scale=st.floats(1e-3, 1e3))
def test_accepted_strong_wolfe_step_satisfies_what_it_claims(x, c1, c2, scale):
    x = np.array(x)
    o = oracle_of(rosen, x.size)
    f0, g0 = o.value_and_grad(x)
    if not np.linalg.norm(g0) > 1e-8:
        return
    d = -scale * g0  # a descent direction, badly scaled on purpose
    r = StrongWolfe(c1, c2)(o, x, f0, g0, d, t0=1.0)
    assert r.ok, r.message
    ft, gt = o.value_and_grad(r.x)
    assert np.array_equal(r.x, x + r.t * d) and ft == r.f
    assert ft <= f0 + c1 * r.t * float(g0 @ d)  # sufficient decrease always holds at an accepted step
    if r.conditions == "strong-wolfe":
        assert abs(float(gt @ d)) <= c2 * abs(float(g0 @ d))
    else:  # the fallback says what holds, and says so in its message
        assert r.conditions == "armijo" and "curvature condition not met" in r.message


@settings(max_examples=60, deadline=None)
@given(x=st.lists(st.floats(-2, 2), min_size=2, max_size=4), c1=st.floats(1e-5, 0.5), rho=st.floats(0.1, 0.9))
def test_accepted_armijo_step_satisfies_sufficient_decrease(x, c1, rho):
    x = np.array(x)
    o = oracle_of(rosen, x.size)
    f0, g0 = o.value_and_grad(x)
    if not np.linalg.norm(g0) > 1e-8:
        return
    r = Armijo(c1, rho)(o, x, f0, g0, -g0, t0=1.0)
    if not r.ok:  # 60 trials of a slow ρ may not reach a short enough step: said, and x is kept
        assert rho ** 59 * float(np.linalg.norm(g0)) > 1e-3 and "no sufficient decrease" in r.message
        assert np.array_equal(r.x, x)
        return
    assert r.conditions == "armijo"
    assert o.f(r.x) == r.f <= f0 + c1 * r.t * float(g0 @ -g0)
    if r.t < 1.0:  # backtracked: the previous trial t/rho did not decrease enough
        t_prev = r.t / rho
        assert o.f(x + t_prev * -g0) > f0 + c1 * t_prev * float(g0 @ -g0)


def test_strong_wolfe_fallback_is_reported_as_armijo_only():
    """A V with slopes −1 and +1 (kink at 0.1): |f'(t)| = 1 at every t, so the curvature condition never holds."""
    o = oracle_of(lambda x: anp.where(x[0] < 0.1, -x[0], x[0] - 0.2), 1)
    x = np.zeros(1)
    f0, g0 = o.value_and_grad(x)
    r = StrongWolfe(1e-4, 0.5)(o, x, f0, g0, np.ones(1), t0=1.0)
    assert r.ok and r.conditions == "armijo" and "curvature condition not met" in r.message
    assert o.f(r.x) <= f0 + 1e-4 * r.t * float(g0[0])


def test_not_a_descent_direction_fails_without_evaluating():
    o = oracle_of(rosen, 2)
    x = np.array([-1.2, 1.0])
    f0, g0 = o.value_and_grad(x)
    before = o.nfev
    for ls in (Armijo(), StrongWolfe()):
        r = ls(o, x, f0, g0, g0)  # uphill
        assert not r.ok and "not a descent direction" in r.message and np.array_equal(r.x, x)
    assert o.nfev == before


def test_nan_everywhere_along_the_line_is_nonfinite_not_a_step():
    o = oracle_of(lambda x: anp.where(x[0] > 0, anp.nan, x[0] ** 2), 1)
    x = np.array([-1.0])
    f0, g0 = o.value_and_grad(x)
    r = Armijo()(o, x, f0, g0, np.array([10.0]))
    # t shrinks until the trial point lands where f is finite: that step is accepted honestly
    assert r.ok and math.isfinite(r.f) and r.x[0] <= 0
    o2 = oracle_of(lambda x: x[0] ** 2 + anp.where(x[0] != -1.0, anp.nan, 0.0), 1)
    r2 = Armijo()(o2, x, 1.0, np.array([-2.0]), np.array([1.0]))
    assert not r2.ok and r2.nonfinite and r2.failure_status.value == "nonfinite"


def test_unbounded_line_is_reported_unbounded():
    o = oracle_of(lambda x: -x[0], 1)
    x = np.zeros(1)
    f0, g0 = o.value_and_grad(x)
    r = StrongWolfe()(o, x, f0, g0, np.ones(1))
    assert not r.ok and r.unbounded and r.failure_status.value == "unbounded"


def test_full_step_takes_t0_and_claims_nothing():
    o = oracle_of(rosen, 2)
    r = FullStep()(o, np.zeros(2), 1.0, np.ones(2), -np.ones(2), t0=1.0)
    assert r.ok and r.conditions == "none" and np.array_equal(r.x, -np.ones(2)) and o.nfev == 0


@pytest.mark.parametrize("make, message", [
    (lambda: Armijo(c1=1.5), "Armijo option `c1` must be in (0, 1), got 1.5"),
    (lambda: Armijo(rho=0), "Armijo option `rho` must be in (0, 1), got 0"),
    (lambda: StrongWolfe(c1=0.5, c2=0.4), "StrongWolfe option `c2` must be in (0.5, 1), got 0.4"),
    (lambda: make_line_search("bisect"), "unknown line search 'bisect'"),
])
def test_line_search_values_are_validated_once_when_made(make, message):
    with pytest.raises(UsageError) as e:
        make()
    assert message in str(e.value)
