"""Autograd derivatives agree with scipy's hand-written Rosenbrock derivatives; counts equal real calls."""

import numpy as np
import pytest
from scipy.optimize import rosen, rosen_der, rosen_hess, rosen_hess_prod

import optbench
from optbench.core.oracle import Oracle


@pytest.mark.parametrize("n", [2, 7, 50])
def test_derivatives_match_scipy_rosen(n):
    prob = optbench.make_problem("rosenbrock", {"n": n})
    oracle = Oracle(prob)
    rng = np.random.default_rng(n)
    for _ in range(5):
        x = rng.uniform(-2, 2, n)
        v = rng.standard_normal(n)
        f, g = oracle.value_and_grad(x)
        assert f == pytest.approx(rosen(x), rel=1e-14)
        np.testing.assert_allclose(g, rosen_der(x), rtol=1e-12, atol=1e-12 * np.abs(rosen_der(x)).max())
        hv = oracle.hvp(x, v)
        ref = rosen_hess_prod(x, v)
        np.testing.assert_allclose(hv, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())
        op = oracle.hvp_operator(x)
        np.testing.assert_allclose(op(v), ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())
        np.testing.assert_allclose(oracle.hess(x), rosen_hess(x), rtol=1e-12, atol=1e-9)


def _counted_problem():
    calls = {"n": 0}

    def f(x):
        calls["n"] += 1
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

    import autograd.numpy as anp

    def f_ag(x):
        calls["n"] += 1
        return anp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

    return optbench.Problem(f_ag, x0=np.array([-1.2, 1.0, -1.2])), calls


def test_counts_equal_real_calls_and_cache_is_free():
    prob, calls = _counted_problem()
    o = Oracle(prob)
    x = np.array([0.3, -0.2, 0.5])
    o.f(x)
    assert (o.nfev, calls["n"]) == (1, 1)
    o.f(x.copy())  # same point: cached
    assert (o.nfev, calls["n"]) == (1, 1)
    o.value_and_grad(x)  # gradient not cached yet: one traced call
    assert (o.nfev, o.ngev, calls["n"]) == (2, 1, 2)
    o.value_and_grad(x.copy())
    o.grad(x)
    o.f(x)
    assert (o.nfev, o.ngev, calls["n"]) == (2, 1, 2)
    y = x + 1.0
    o.hvp(y, np.ones(3))
    assert (o.nfev, o.nhvp, calls["n"]) == (3, 1, 3)
    op = o.hvp_operator(y)
    assert (o.nfev, calls["n"]) == (4, 4)
    for _ in range(5):
        op(np.arange(3.0))
    assert (o.nfev, o.nhvp, calls["n"]) == (4, 6, 4)
    o.hess(x)
    assert (o.nfev, o.nhev, o.nhvp, calls["n"]) == (5, 1, 6, 5)


@pytest.mark.parametrize("method", ["gd", "newton", "newton-cg", "lbfgs"])
def test_result_counts_equal_real_calls(method):
    prob, calls = _counted_problem()
    r = optbench.solve(prob, method, max_iter=30)
    assert r.nfev == calls["n"]
    assert r.trace.column("nfev")[-1] <= r.nfev
