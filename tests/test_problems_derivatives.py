"""Bundled problems: autograd derivatives vs finite differences and hand formulas; stated minima."""

from __future__ import annotations

import numpy as np
import pytest

from optbench import make_problem
from optbench.core.oracle import Oracle

CASES = [
    ("rosenbrock", {"n": 6}),
    ("rosenbrock", {"n": 6, "variant": "extended", "a": 0.5, "b": 10.0}),
    ("quadratic", {"n": 30, "cond": 1e3, "spectrum": "log"}),
    ("quadratic", {"n": 30, "spectrum": "clustered", "seed": 3}),
    ("quadratic", {"n": 2000, "cond": 50.0}),  # the Householder construction (n ≥ 2000)
    ("mlp", {}),
    ("mlp", {"hidden": "8,6", "activation": "relu", "dataset": "blobs", "n_samples": 60}),
    ("mlp", {"dataset": "spirals", "n_samples": 80}),
    ("logistic", {}),
    ("logistic", {"intercept": False, "n_features": 5, "n_samples": 50}),
    ("beale", {}),
    ("himmelblau", {}),
    ("booth", {}),
    ("matyas", {}),
    ("three-hump-camel", {}),
    ("powell-singular", {}),
    ("wood", {}),
    ("styblinski-tang", {"n": 5}),
]
IDS = [name + "".join(f"-{k}={v}" for k, v in p.items()) for name, p in CASES]


def rel_err(a, b) -> float:
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)) / max(np.linalg.norm(b), 1e-300))


def fd_grad(f, x, h=1e-6):
    g = np.empty_like(x)
    for i in range(x.size):
        hi = h * max(1.0, abs(x[i]))
        e = np.zeros_like(x)
        e[i] = hi
        g[i] = (f(x + e) - f(x - e)) / (2 * hi)
    return g


def random_point(prob, rng):
    return prob.x0 + 0.5 * rng.standard_normal(prob.n)


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_autograd_gradient_and_hvp_match_central_differences(name, params):
    prob = make_problem(name, params)
    oracle = Oracle(prob)  # autograd: none of these cases supplies hand-written derivatives
    assert prob.grad is None and prob.hvp is None
    rng = np.random.default_rng(0)
    for _ in range(2):
        x = random_point(prob, rng)
        f = lambda z: float(prob.f(z))  # noqa: E731
        g = oracle.grad(x)
        step = 1e-6 if prob.n < 1000 else 1e-5
        assert rel_err(g, fd_grad(f, x, step)) <= 1e-6
        v = rng.standard_normal(prob.n)
        h = 1e-5 / np.linalg.norm(v)
        hv_fd = (oracle.grad(x + h * v) - oracle.grad(x - h * v)) / (2 * h)
        assert rel_err(oracle.hvp(x, v), hv_fd) <= 1e-6
        assert rel_err(oracle.hvp_operator(x)(v), hv_fd) <= 1e-6


@pytest.mark.parametrize("name,params", [c for c in CASES if c[0] not in ("mlp",)],
                         ids=[i for i, c in zip(IDS, CASES) if c[0] != "mlp"])
def test_stated_minimum_is_a_stationary_point_with_value_f_star(name, params):
    prob = make_problem(name, params)
    assert prob.f_star is not None and prob.x_star is not None
    assert float(prob.f(prob.x_star)) == pytest.approx(prob.f_star, abs=1e-12, rel=1e-12)
    g = Oracle(prob).grad(prob.x_star)
    assert np.max(np.abs(g)) <= 1e-9 * max(1.0, abs(prob.f_star))


def test_himmelblau_has_four_minima_with_f_zero():
    prob = make_problem("himmelblau")
    minima = [(3.0, 2.0), (-2.805118086952745, 3.131312518250573),
              (-3.779310253377747, -3.283185991286170), (3.584428340330492, -1.848126526964404)]
    oracle = Oracle(prob)
    for m in minima:
        x = np.array(m)
        assert float(prob.f(x)) <= 1e-20
        assert np.max(np.abs(oracle.grad(x))) <= 1e-9


# --------------------------------------------------------------------------- hand formulas
@pytest.mark.parametrize("n,spectrum", [(40, "uniform"), (40, "log"), (40, "clustered"),
                                        pytest.param(2000, "uniform", marks=pytest.mark.slow)])  # a 2000² eigvalsh
def test_quadratic_matches_hand_formulas(n, spectrum):
    """∇f = Ax − b, ∇²f = A, eigenvalues of A in [1, cond] with the declared spacing."""
    cond = 1e3
    analytic = make_problem("quadratic", {"n": n, "cond": cond, "spectrum": spectrum, "derivatives": "analytic"})
    auto = make_problem("quadratic", {"n": n, "cond": cond, "spectrum": spectrum})
    A = analytic.hess(analytic.x0)
    assert np.allclose(A, A.T, atol=1e-12 * cond)
    lam = np.linalg.eigvalsh(A)
    assert lam[0] == pytest.approx(1.0, rel=1e-9) and lam[-1] == pytest.approx(cond, rel=1e-9)
    if spectrum == "uniform":
        assert np.allclose(lam, np.linspace(1.0, cond, n), rtol=1e-9)
    elif spectrum == "log":
        assert np.allclose(lam, np.geomspace(1.0, cond, n), rtol=1e-9)
    else:  # five tight clusters: five gaps dominate
        gaps = np.sort(np.diff(np.log(lam)))[::-1]
        assert gaps[3] > 100 * gaps[4]
    b = A @ auto.x_star
    assert np.linalg.norm(b) == pytest.approx(1.0, rel=1e-9)
    rng = np.random.default_rng(1)
    x = rng.standard_normal(n)
    oracle = Oracle(auto)
    assert float(auto.f(x)) == pytest.approx(0.5 * x @ A @ x - b @ x, rel=1e-10)
    assert rel_err(oracle.grad(x), A @ x - b) <= 1e-10
    v = rng.standard_normal(n)
    assert rel_err(oracle.hvp(x, v), A @ v) <= 1e-10
    assert auto.f_star == pytest.approx(-0.5 * b @ auto.x_star, rel=1e-10)
    if n <= 100:
        assert np.allclose(oracle.hess(x), A, atol=1e-10 * cond)
    # the analytic derivatives are the same formulas
    assert rel_err(analytic.grad(x), A @ x - b) <= 1e-10
    assert rel_err(analytic.hvp(x, v), A @ v) <= 1e-10


@pytest.mark.parametrize("variant", ["chained", "extended"])
@pytest.mark.parametrize("a,b", [(1.0, 100.0), (0.3, 7.0)])
def test_rosenbrock_analytic_matches_autograd(variant, a, b):
    params = {"n": 10, "variant": variant, "a": a, "b": b}
    analytic = make_problem("rosenbrock", {**params, "derivatives": "analytic"})
    auto = Oracle(make_problem("rosenbrock", params))
    rng = np.random.default_rng(2)
    for _ in range(3):
        x, v = 1.5 * rng.standard_normal(10), rng.standard_normal(10)
        assert rel_err(analytic.grad(x), auto.grad(x)) <= 1e-12
        assert rel_err(analytic.hvp(x, v), auto.hvp(x, v)) <= 1e-12
        H = auto.hess(x)
        assert rel_err(analytic.hess(x).toarray(), H) <= 1e-12  # sparse CSR
        # the declared sparsity pattern covers every nonzero of the Hessian
        pattern = analytic.hess_sparsity.toarray()
        assert not np.any((H != 0) & ~pattern)
    expected_nnz = 3 * 10 - 2 if variant == "chained" else 2 * 10
    assert analytic.hess_sparsity.nnz == expected_nnz


def test_rosenbrock_analytic_equals_scipy():
    from scipy.optimize import rosen, rosen_der, rosen_hess, rosen_hess_prod

    prob = make_problem("rosenbrock", {"n": 7, "derivatives": "analytic"})
    x, v = np.random.default_rng(3).standard_normal((2, 7))
    assert float(prob.f(x)) == pytest.approx(rosen(x), rel=1e-14)
    assert rel_err(prob.grad(x), rosen_der(x)) <= 1e-14
    assert rel_err(prob.hvp(x, v), rosen_hess_prod(x, v)) <= 1e-14
    assert rel_err(prob.hess(x).toarray(), rosen_hess(x)) <= 1e-14


def test_rosenbrock_extended_needs_even_n():
    from optbench import UsageError

    with pytest.raises(UsageError) as e:
        make_problem("rosenbrock", {"n": "5", "variant": "extended"})
    assert str(e.value) == ("problem 'rosenbrock': variant=extended needs an even n (independent pairs), "
                            "got n = 5; try n = 6")
    prob = make_problem("rosenbrock", {"n": 6, "variant": "extended", "a": 2.0})
    assert np.array_equal(prob.x0, [-1.2, 1, -1.2, 1, -1.2, 1])
    assert np.array_equal(prob.x_star, [2, 4, 2, 4, 2, 4])


def test_rosenbrock_large_n_is_cheap_to_build():
    prob = make_problem("rosenbrock", {"n": 100_000, "variant": "extended", "derivatives": "analytic"})
    assert prob.hess_sparsity.shape == (100_000, 100_000) and prob.hess_sparsity.nnz == 200_000
    g = prob.grad(prob.x0)
    assert g.shape == (100_000,) and np.all(np.isfinite(g))
