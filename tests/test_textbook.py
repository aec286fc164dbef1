"""Textbook iterations reproduced exactly: pure Newton on x⁴ − 2x², fixed-step gradient descent."""

import numpy as np
from scipy.optimize import rosen_der

import optbench

# Newton on f(x) = x⁴ − 2x² from x0 = 2: x ← x − (4x³ − 4x)/(12x² − 4)
NEWTON_ITERATES = [2.0, 1.4545454545454546, 1.1510467893775467, 1.0253259289766978, 1.0009084519430513,
                   1.0000012353089454]


def test_pure_newton_on_quartic_reproduces_textbook_iterates(quartic_file):
    r = optbench.solve(f"{quartic_file}:quartic", "newton", options={"line_search": "none"}, gtol=1e-12)
    xs = [row["x_1"] for row in r.trace.rows()]
    assert np.allclose(xs[: len(NEWTON_ITERATES)], NEWTON_ITERATES, rtol=1e-10, atol=0)
    # the published digits
    assert f"{xs[1]:.10f}" == "1.4545454545"
    assert f"{xs[2]:.10f}" == "1.1510467894"
    assert f"{xs[5]:.10f}" == "1.0000012353"
    assert r.status.value == "converged"
    assert abs(r.x[0] - 1.0) < 1e-12
    assert all(a == 1.0 for a in r.trace.column("alpha")[1:])


def test_pure_newton_matches_the_hand_loop(quartic_file):
    """optbench's pure Newton (no line search) against x ← x − f'(x)/f''(x) written out by hand."""
    r = optbench.solve(f"{quartic_file}:quartic", "newton", options={"line_search": "none"}, gtol=0, max_iter=5)
    x = 2.0
    hand = [x]
    for _ in range(5):
        x = x - (4 * x**3 - 4 * x) / (12 * x**2 - 4)
        hand.append(x)
    np.testing.assert_allclose([row["x_1"] for row in r.trace.rows()], hand, rtol=1e-14, atol=0)
    np.testing.assert_allclose(hand, NEWTON_ITERATES, rtol=1e-14)


def test_fixed_step_gd_follows_the_textbook_loop():
    r = optbench.solve("rosenbrock", "gd", options={"lr": 0.001}, x0=[0.0, 2.0], max_iter=200, gtol=0)
    x = np.array([0.0, 2.0])
    hand = [x.copy()]
    for _ in range(200):
        x = x - 0.001 * rosen_der(x)
        hand.append(x.copy())
    traced = np.array([[row["x_1"], row["x_2"]] for row in r.trace.rows()])
    assert traced.shape == (201, 2)
    np.testing.assert_allclose(traced, np.array(hand), rtol=1e-13, atol=1e-15)
    assert r.status.value == "max_iter"
    assert not r.success


def test_newton_on_2d_rosenbrock_reaches_machine_precision_quickly():
    r = optbench.solve("rosenbrock", "newton")
    assert r.status.value == "converged"
    assert r.fun < 1e-12
    assert r.nit <= 25
    np.testing.assert_allclose(r.x, [1.0, 1.0], atol=1e-6)
