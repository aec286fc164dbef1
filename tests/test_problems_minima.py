"""Every bundled problem with a known minimum: newton and lbfgs reach it from the standard start."""

from __future__ import annotations

import numpy as np
import pytest

import optbench
from optbench import make_problem

# (name, params, tolerance on ‖x − x*‖∞)
KNOWN = [
    ("rosenbrock", {}, 1e-5),
    ("rosenbrock", {"n": 4}, 1e-5),
    ("rosenbrock", {"n": 10, "variant": "extended"}, 1e-5),
    ("rosenbrock", {"n": 10, "variant": "extended", "derivatives": "analytic"}, 1e-5),
    ("quadratic", {}, 1e-6),
    ("quadratic", {"spectrum": "log", "cond": 1e3, "n": 50}, 1e-5),
    ("logistic", {}, 1e-5),
    ("beale", {}, 1e-5),
    ("himmelblau", {}, 1e-6),
    ("booth", {}, 1e-6),
    ("matyas", {}, 1e-5),
    ("three-hump-camel", {}, 1e-6),
    # singular Hessian at x* = 0 (quartic terms): ‖∇f‖ ≤ 1e-6 only pins x to ~(1e-6)^(1/3)
    ("powell-singular", {}, 1e-2),
    ("wood", {}, 1e-5),
    ("styblinski-tang", {}, 1e-6),
    ("styblinski-tang", {"n": 5}, 1e-6),
]


@pytest.mark.parametrize("method", ["newton", "lbfgs"])
@pytest.mark.parametrize("name,params,xtol", KNOWN, ids=[n + "".join(f"-{k}={v}" for k, v in p.items())
                                                          for n, p, _ in KNOWN])
def test_reaches_known_minimum_from_standard_start(name, params, xtol, method):
    prob = make_problem(name, params)
    r = optbench.solve(name, method, params=params)
    assert r.status.value == "converged", r.message
    assert r.fun - prob.f_star <= 1e-8 * max(1.0, abs(prob.f_star))
    assert np.max(np.abs(r.x - prob.x_star)) <= xtol


def test_chained_rosenbrock_newton_finds_the_other_local_minimum_for_n_10():
    """For n ≥ 4 the chained Rosenbrock function has a second local minimiser near (−1, 1, …, 1)
    (f ≈ 3.9866; Kok & Sandrock, Evol. Comput. 17 (2009)); Newton from the standard start
    converges to it, lbfgs to the global one. Both are honest `converged` results."""
    newton = optbench.solve("rosenbrock", "newton", params={"n": 10})
    assert newton.status.value == "converged"
    assert newton.fun == pytest.approx(3.98658, abs=1e-4)
    assert newton.x[0] == pytest.approx(-0.9933, abs=1e-3)
    assert np.all(np.abs(newton.x[1:] - 1.0) < 0.05)
    lbfgs = optbench.solve("rosenbrock", "lbfgs", params={"n": 10})
    assert lbfgs.status.value == "converged" and np.allclose(lbfgs.x, 1.0, atol=1e-5)


def test_three_hump_camel_other_start_reaches_a_local_minimum():
    """From (−0.5, 1) Newton lands in the basin of the local minimum ≈ (1.7476, −0.8738), f ≈ 0.2986."""
    r = optbench.solve("three-hump-camel", "newton", x0=[-0.5, 1.0])
    assert r.status.value == "converged"
    assert r.x == pytest.approx([1.74755, -0.873776], abs=1e-4)
    assert r.fun == pytest.approx(0.298638, abs=1e-5)


def test_powell_singular_newton_converges_only_linearly():
    """The singular Hessian at x* makes Newton converge linearly: near x* the quartic terms
    dominate, and Newton on a quartic e⁴ maps e ↦ e − 4e³/12e² = (2/3)e, so f shrinks by
    (2/3)⁴ = 16/81 per iteration instead of collapsing quadratically."""
    r = optbench.solve("powell-singular", "newton", gtol=1e-10)
    assert r.status.value == "converged"
    f = np.array(r.trace.column("f"))
    ratios = f[3:] / f[2:-1]
    assert np.allclose(ratios, 16 / 81, atol=0.005)
