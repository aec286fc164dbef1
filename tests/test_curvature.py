"""The curvature check at convergence: bounded cost, a certificate when negative, reproducible."""

import autograd.numpy as anp
import numpy as np

import optbench
from optbench import Problem
from optbench.solvers.curvature import LANCZOS_STEPS, lanczos_smallest


def _matrix(n, lam_min, seed=0):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    lam = np.concatenate([[lam_min], np.linspace(1.0, 10.0, n - 1)])
    return (Q * lam) @ Q.T, Q[:, 0]


def test_lanczos_finds_a_negative_eigenvalue_with_a_fixed_number_of_products():
    A, u = _matrix(300, -0.5)
    calls = []
    c = lanczos_smallest(lambda v: calls.append(1) or A @ v, 300, max_steps=200)
    theta, y = c.lam, c.u
    assert len(calls) == LANCZOS_STEPS == c.products  # negative after the first steps: certified at once
    assert c.certified and c.negative
    assert -0.5 <= theta < -0.45  # a Ritz value is never below λ_min
    assert abs(abs(y @ u) / np.linalg.norm(y) - 1) < 1e-2
    assert abs(float(y @ A @ y) / float(y @ y) - theta) < 1e-8  # y is the Ritz vector of θ
    assert lanczos_smallest(lambda v: A @ v, 300).lam == theta  # same start vector: same answer


def test_lanczos_on_a_positive_definite_matrix_stays_positive():
    A, _ = _matrix(300, 0.7)
    c = lanczos_smallest(lambda v: A @ v, 300, max_steps=200)
    assert c.lam >= 0.7 - 1e-12 and c.certified and abs(c.lam - 0.7) < 1e-6


def test_high_dimensional_saddle_is_escaped_not_reported_as_a_minimum():
    """x = 0 of Σx² − 3x₀² + x₀⁴ (n = 200) is a stationary saddle; newton-cg must leave it."""
    prob = Problem(lambda x: anp.sum(x**2) - 3 * x[0] ** 2 + x[0] ** 4, x0=np.zeros(200), name="saddle200")
    r = optbench.solve(prob, "newton-cg")
    assert r.status.value == "converged"
    assert abs(r.fun + 1.0) < 1e-10 and abs(abs(r.x[0]) - 1) < 1e-6
    assert "negative curvature was met on the way" in r.message
    assert any(str(note).startswith("escape: λmin=") for note in r.trace.column("note"))


def test_lanczos_gives_up_quietly_on_non_finite_products():
    assert lanczos_smallest(lambda v: np.full_like(v, np.nan), 50) is None
