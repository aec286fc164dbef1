"""Contract: every registered solver reaches the known minimum of every small problem."""

import numpy as np
import pytest

import optbench
from optbench.solvers import solver_registry

SMALL_PROBLEMS = [
    ("rosenbrock", {"n": 2}),
    ("rosenbrock", {"n": 3}),
    ("tests/data/quartic.py:bowl", {"n": 5, "scale": 3.0}),
    ("tests/data/quartic.py:quartic", {}),
]


def _cases():
    """Every (problem, solver) pair; gradient descent on Rosenbrock takes thousands of iterations
    (about 10 s), so those pairs carry the ``slow`` marker (CI runs them)."""
    for name, params in SMALL_PROBLEMS:
        for method in sorted(solver_registry()):
            slow = method == "gd" and name == "rosenbrock"
            yield pytest.param(name, params, method, id=f"{name}-{params}-{method}",
                               marks=[pytest.mark.slow] if slow else [])


@pytest.mark.parametrize("name,params,method", list(_cases()))
def test_every_solver_reaches_the_known_minimum(method, name, params):
    prob = optbench.make_problem(name, params)
    r = optbench.solve(prob, method)
    assert r.status.value == "converged", r.message
    # converged means the gradient test really holds at the returned point
    g = optbench.oracle.Oracle(prob).grad(r.x)
    assert np.max(np.abs(g)) <= 1e-6
    assert r.fun == pytest.approx(prob.f(r.x), rel=0, abs=0)
    assert r.fun - prob.f_star < 1e-9
    if prob.x_star is not None:
        np.testing.assert_allclose(r.x, prob.x_star, atol=1e-4)
    # one trace row per iteration, including iteration 0
    assert len(r.trace) == r.nit + 1
    assert r.trace.column("iter") == list(range(r.nit + 1))


@pytest.mark.parametrize("method", [pytest.param(m, marks=[pytest.mark.slow] if m == "gd" else [])
                                    for m in sorted(solver_registry())])
def test_every_solver_converges_on_rosenbrock_100(method):
    r = optbench.solve("rosenbrock", method, params={"n": 100})
    assert r.status.value == "converged", r.message
    assert r.grad_norm <= 1e-6
    # chained Rosenbrock n = 100 has a second local minimum near (-1, 1, ..., 1), f ≈ 3.987;
    # Newton from the standard start is drawn to it. Both are genuine minimizers.
    assert r.fun < 1e-9 or abs(r.fun - 3.9866) < 1e-3


def test_line_search_methods_never_increase_f():
    # the property holds at every iteration, so 300 of them (gd needs thousands to converge) show it
    for method in ("gd", "newton", "newton-cg", "lbfgs"):
        r = optbench.solve("rosenbrock", method, params={"n": 10}, max_iter=300)
        f = np.array(r.trace.column("f"))
        assert len(f) > 20 and np.all(np.diff(f) <= 0), method
