"""Sparse Hessians by column colouring, and Newton's sparse path (never timings)."""

import subprocess
import sys

import autograd.numpy as anp
import numpy as np
import pytest
import scipy.sparse as sp
from autograd.extend import defvjp, primitive
from hypothesis import given, settings
from hypothesis import strategies as st

import optbench
from optbench import Problem, UsageError
from optbench.core.coloring import (
    color_columns,
    hessian_coloring,
    is_valid,
    recover,
    recover_star,
    seed_matrix,
    star_color,
    symmetric_pattern,
)
from optbench.core.oracle import Oracle
from optbench.core.problem import make_problem
from optbench.solvers.newton import sparse_ldl_solve, sparse_modified_solve


def tridiagonal(n):
    off = np.ones(n - 1, dtype=bool)
    return sp.diags([off, np.ones(n, dtype=bool), off], [-1, 0, 1], format="csr", dtype=bool)


def blocks2(n):
    off = np.ones(n - 1, dtype=bool)
    off[1::2] = False
    return sp.diags([off, np.ones(n, dtype=bool), off], [-1, 0, 1], format="csr", dtype=bool)


def band(n, b):
    offsets = list(range(-b, b + 1))
    return sp.diags([np.ones(n - abs(k), dtype=bool) for k in offsets], offsets, format="csr", dtype=bool)


# --------------------------------------------------------------------------- colouring
@st.composite
def symmetric_patterns(draw):
    n = draw(st.integers(1, 40))
    density = draw(st.floats(0.0, 0.5))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    M = rng.random((n, n)) < density
    return sp.csr_matrix(M | M.T), rng


@settings(max_examples=60, deadline=None)
@given(symmetric_patterns(), st.sampled_from(["auto", "cyclic", "largest-first", "natural"]))
def test_colouring_is_valid_and_recovers_the_matrix(case, method):
    P, rng = case
    n = P.shape[0]
    colors = color_columns(P, method)
    # no two columns of one colour share a row (brute force over the symmetrised pattern)
    Q = symmetric_pattern(P).toarray()
    for c in np.unique(colors):
        cols = np.flatnonzero(colors == c)
        assert np.all(Q[:, cols].sum(axis=1) <= 1)
    assert is_valid(P, colors)
    assert colors.max() + 1 >= Q.sum(axis=1).max()  # ρ is a lower bound
    # direct recovery reproduces any symmetric matrix with this pattern exactly
    H = np.where(Q, rng.standard_normal((n, n)), 0.0)
    H = H + H.T
    S = seed_matrix(colors)
    np.testing.assert_allclose(recover(P, colors, H @ S).toarray(), H, rtol=0, atol=1e-14)


def is_star_coloring(Q, colors):
    """Proper, and no path on four vertices w–x–y–z uses only two colours (brute force)."""
    n = Q.shape[0]
    adj = [[j for j in np.flatnonzero(Q[i]) if j != i] for i in range(n)]
    for x in range(n):
        for y in adj[x]:
            if colors[x] == colors[y]:
                return False
            for w in adj[x]:
                for z in adj[y]:
                    if len({w, x, y, z}) == 4 and colors[w] == colors[y] and colors[z] == colors[x]:
                        return False
    return True


@settings(max_examples=60, deadline=None)
@given(symmetric_patterns())
def test_star_colouring_is_a_star_colouring_and_recovers_the_matrix(case):
    P, rng = case
    n = P.shape[0]
    colors = star_color(P)
    Q = symmetric_pattern(P).toarray()
    assert is_star_coloring(Q, colors)
    H = np.where(Q, rng.standard_normal((n, n)), 0.0)
    H = H + H.T
    np.testing.assert_allclose(recover_star(P, colors, H @ seed_matrix(colors)).toarray(), H, rtol=0, atol=1e-14)


def test_an_invalid_colouring_is_detected():
    assert not is_valid(tridiagonal(5), np.array([0, 1, 0, 1, 0]))  # columns 0 and 2 share row 1
    assert is_valid(tridiagonal(5), np.array([0, 1, 2, 0, 1]))


@pytest.mark.parametrize("n", [3, 10, 1001, 100_000])
def test_tridiagonal_needs_three_colours_and_pairs_two(n):
    assert color_columns(tridiagonal(n)).max() + 1 == 3
    if n % 2 == 0:
        assert color_columns(blocks2(n)).max() + 1 == 2


@pytest.mark.parametrize("b", [2, 3, 5])
def test_band_of_half_width_b_needs_2b_plus_1_colours(b):
    colors = color_columns(band(200, b))
    assert colors.max() + 1 == 2 * b + 1 and is_valid(band(200, b), colors)


def test_arrowhead_needs_n_colours_for_direct_recovery():
    # column 0 meets every row, so every pair of columns shares row 0: P·P is complete
    n = 30
    P = tridiagonal(n).tolil()
    P[0, :] = True
    P[:, 0] = True
    for method in ("auto", "largest-first", "natural"):
        colors = color_columns(P, method)
        assert is_valid(P, colors) and colors.max() + 1 == n
    _, colors, kind = hessian_coloring(P)  # symmetry helps: a star colouring needs only a few
    assert kind == "star" and colors.max() + 1 <= 4


def test_oracle_recovers_an_arrowhead_hessian_with_a_star_colouring():
    n = 30

    def f(x):  # H = 2I + x0-row/column couplings + a chain: an arrowhead plus a band
        return anp.sum(x**2) + x[0] * anp.sum(x[1:] ** 2) + anp.sum(x[1:-1] * x[2:])

    P = tridiagonal(n).tolil()
    P[0, :] = True
    P[:, 0] = True
    prob = Problem(f, x0=np.linspace(-1.0, 1.0, n), hess_sparsity=P)
    o = Oracle(prob)
    x = np.random.default_rng(3).standard_normal(n)
    H = o.sparse_hess(x)
    assert o.coloring[2] == "star" and o.nhvp == o.ncolors <= 4
    np.testing.assert_allclose(H.toarray(), Oracle(prob).hess(x), rtol=1e-13, atol=1e-13)


def test_largest_first_reaches_the_lower_bound_on_a_dense_block_plus_a_band():
    # a 4×4 dense block beside a tridiagonal band: 4 colours suffice and are needed
    P = sp.block_diag([np.ones((4, 4), dtype=bool), tridiagonal(12).toarray()], format="csr")
    lf, nat = color_columns(P, "largest-first"), color_columns(P, "natural")
    assert is_valid(P, lf) and is_valid(P, nat)
    assert lf.max() + 1 == 4  # the lower bound ρ = 4 (the dense block)


def test_seed_matrix():
    S = seed_matrix(np.array([0, 1, 2, 0, 1]))
    np.testing.assert_array_equal(S.sum(axis=1), 1)
    np.testing.assert_array_equal(S[:, 0], [1, 0, 0, 1, 0])


# --------------------------------------------------------------------------- the oracle
@pytest.mark.parametrize(
    "name,params,ncolors",
    [
        ("rosenbrock", {"n": 50, "variant": "chained"}, 3),
        ("rosenbrock", {"n": 50, "variant": "extended"}, 2),
        ("quadratic", {"n": 50, "cond": 1e3, "structure": "tridiagonal"}, 3),
    ],
)
def test_sparse_hessian_equals_the_dense_autograd_hessian(name, params, ncolors):
    prob = make_problem(name, params)
    x = np.random.default_rng(0).standard_normal(50)
    dense = Oracle(prob).hess(x)
    o = Oracle(prob)
    H = o.sparse_hess(x)
    assert sp.issparse(H) and H.format == "csr"
    assert abs(H - H.T).max() == 0.0  # exactly symmetric
    np.testing.assert_allclose(H.toarray(), dense, rtol=1e-13, atol=1e-12)
    assert o.ncolors == ncolors
    assert (o.nhvp, o.nhev, o.nfev) == (ncolors, 0, 1)  # one linearization, one product per colour
    o.sparse_hess(x + 1.0)
    assert (o.nhvp, o.nhev, o.nfev) == (2 * ncolors, 0, 2)


def test_analytic_hessian_is_used_and_counted_as_nhev():
    prob = make_problem("rosenbrock", {"n": 50, "variant": "chained", "derivatives": "analytic"})
    x = np.random.default_rng(1).standard_normal(50)
    o = Oracle(prob)
    H = o.sparse_hess(x)
    assert sp.isspmatrix_csr(H) and (o.nhev, o.nhvp) == (1, 0)
    np.testing.assert_allclose(H.toarray(), Oracle(make_problem("rosenbrock", {"n": 50})).hess(x), rtol=1e-12)
    D = o.hess(x)  # a scipy.sparse analytic hess becomes a dense ndarray for the dense path
    assert isinstance(D, np.ndarray) and D.shape == (50, 50)


# A function whose second-order backward passes can be counted: d(cube)/dx is a primitive whose
# own vector-Jacobian product runs exactly once per backward pass through the gradient.
passes = {"n": 0}


@primitive
def cube(x):
    return x**3


@primitive
def cube_grad(g, x):
    return 3.0 * g * x**2


def _cube_grad_vjp_x(ans, g, x):
    def vjp(v):
        passes["n"] += 1
        return 6.0 * v * g * x

    return vjp


defvjp(cube, lambda ans, x: lambda g: cube_grad(g, x))
defvjp(cube_grad, lambda ans, g, x: lambda v: 3.0 * v * x**2, _cube_grad_vjp_x)


def test_nhvp_counts_equal_real_backward_passes():
    n = 40

    def f(x):
        return anp.sum(cube(x)) + anp.sum(x[:-1] * x[1:])

    prob = Problem(f, x0=np.ones(n), hess_sparsity=tridiagonal(n))
    o = Oracle(prob)
    x = np.linspace(-1.0, 1.0, n)
    passes["n"] = 0
    H = o.sparse_hess(x)
    assert o.nhvp == passes["n"] == o.ncolors == 3
    expected = np.diag(6.0 * x) + np.diag(np.ones(n - 1), 1) + np.diag(np.ones(n - 1), -1)
    np.testing.assert_allclose(H.toarray(), expected, rtol=1e-14)


def test_a_wrong_shaped_pattern_is_a_plugin_error():
    prob = Problem(lambda x: anp.sum(x**2), x0=np.ones(4), hess_sparsity=tridiagonal(5))
    with pytest.raises(optbench.PluginError, match="hess_sparsity has shape"):
        Oracle(prob).sparse_hess(np.ones(4))


# --------------------------------------------------------------------------- sparse LDLᵀ
def test_sparse_ldl_solve_reports_inertia():
    n = 30
    A = sp.diags([-np.ones(n - 1), 2.5 * np.ones(n), -np.ones(n - 1)], [-1, 0, 1], format="csr")
    g = np.arange(1.0, n + 1)
    d, inertia = sparse_ldl_solve(A, g, 0.0)
    assert inertia == "pd"
    np.testing.assert_allclose(d, -np.linalg.solve(A.toarray(), g), rtol=1e-12)
    B = A - 1.0 * sp.identity(n)  # eigenvalues 1.5 − 2cos(kπ/31): some negative, diagonal positive
    d, inertia = sparse_ldl_solve(B, g, 0.0)
    assert d is None and inertia == "indefinite"
    d, tau, negative = sparse_modified_solve(B.tocsr(), g, beta=1e-3, banded_max=-1)  # SuperLU
    assert tau > 0 and negative is True  # the unmodified LDLᵀ had a negative pivot
    assert np.min(np.linalg.eigvalsh(B.toarray() + tau * np.eye(n))) > 0
    assert d @ g < 0  # a descent direction
    d2, tau2, negative2 = sparse_modified_solve(B.tocsr(), g, beta=1e-3)  # banded Cholesky
    assert tau2 == tau and negative2 is None  # a failed Cholesky does not tell why
    np.testing.assert_allclose(d2, d, rtol=1e-10)


# --------------------------------------------------------------------------- newton
@pytest.mark.parametrize("factorisation", ["banded", "superlu"])
@pytest.mark.parametrize("variant", ["chained", "extended"])
def test_sparse_and_dense_newton_take_the_same_iterates(variant, factorisation, monkeypatch):
    from optbench.solvers import newton

    if factorisation == "superlu":
        monkeypatch.setattr(newton, "BANDED_MAX", -1)
    prob = make_problem("rosenbrock", {"n": 20, "variant": variant})
    dense = optbench.solve(prob, "newton", options={"hessian": "dense"})
    sparse = optbench.solve(prob, "newton", options={"hessian": "sparse"})
    auto = optbench.solve(prob, "newton")
    assert dense.status == sparse.status == "converged"
    assert sparse.trace.column("f") == auto.trace.column("f") and sparse.nhev == auto.nhev  # auto is sparse here
    # Newton steps (positive definite Hessian) are the same on both paths. Where the Hessian is
    # indefinite (chained: from iteration 6) newton takes a Moré–Sorensen trust-region step, and
    # there the dense factor has the LINPACK direction and the breakdown bound of Moré & Sorensen
    # (1983, §3) while banded/SuperLU factors use inverse iteration: two nearly optimal steps, so
    # the paths part there and both must reach the same minimiser.
    notes_d, notes_s = dense.trace.column("note"), sparse.trace.column("note")
    first = next((k for k, note in enumerate(notes_d) if "trust region" in note), len(notes_d))
    assert (first < len(notes_d)) == (variant == "chained")
    assert notes_s[:first + 1] == notes_d[:first + 1]
    np.testing.assert_allclose(sparse.trace.column("f")[:first + 1], dense.trace.column("f")[:first + 1],
                               rtol=1e-10, atol=1e-14)
    if variant == "extended":  # the whole path: equal counts do not hang on rounding (gradients well apart from gtol)
        g = dense.trace.column("grad_norm")
        assert g[-2] > 1.2e-6 and g[-1] < 1e-7
        assert dense.nit == sparse.nit
        np.testing.assert_allclose(sparse.trace.column("f"), dense.trace.column("f"), rtol=1e-10, atol=1e-14)
        assert notes_s == notes_d
    np.testing.assert_allclose(sparse.x, dense.x, atol=1e-8)
    assert sparse.nhvp >= sparse.nit * (3 if variant == "chained" else 2)


def test_indefinite_hessian_gives_a_modified_descent_step():
    prob = make_problem("rosenbrock", {"n": 20, "variant": "chained"})
    r = optbench.solve(prob, "newton", options={"hessian": "sparse"})
    notes = r.trace.column("note")
    assert any(note.startswith("H+") for note in notes)
    f = r.trace.column("f")
    # every accepted step descends; a rejected trust-region step (the fallback where H ⋡ 0) keeps x
    rejected = [a == 0.0 for a in r.trace.column("alpha")[1:]]
    assert all((b == a) if rej else (b < a) for a, b, rej in zip(f, f[1:], rejected))
    old = optbench.solve(prob, "newton", options={"hessian": "sparse", "hessian_modification": "cholesky"})
    f = old.trace.column("f")
    assert all(b < a for a, b in zip(f, f[1:]))  # N&W Alg. 3.3: every step descends
    assert "negative curvature" in r.message
    assert r.status == "converged"


def test_sparse_newton_on_extended_rosenbrock_n_1e4_iterates_like_n_20():
    small = optbench.solve(make_problem("rosenbrock", {"n": 20, "variant": "extended"}), "newton",
                           options={"hessian": "dense"}, gtol=1e-8)
    big = optbench.solve(make_problem("rosenbrock", {"n": 10_000, "variant": "extended"}), "newton", gtol=1e-8)
    assert big.status == "converged" and np.abs(big.x - 1.0).max() < 1e-8
    g = small.trace.column("grad_norm")
    assert g[-2] > 10 * 1e-8 and g[-1] < 1e-8 / 10  # gtol crossed with margin: the count is not a rounding accident
    assert big.nit == small.nit  # independent pairs: the iteration does not see n
    assert big.nhev == 0 and big.nhvp >= 2 * big.nit


def test_pure_newton_without_line_search_on_the_sparse_path():
    prob = make_problem("rosenbrock", {"n": 100, "variant": "extended"})
    r = optbench.solve(prob, "newton", options={"line_search": "none", "hessian": "sparse"}, gtol=1e-8)
    assert r.status == "converged"
    assert set(r.trace.column("alpha")[1:]) == {1.0}
    plain = optbench.solve(prob, "newton", options={"hessian_modification": "none"}, gtol=1e-8)
    assert plain.status == "converged"


@pytest.mark.parametrize("derivatives", ["autograd", "analytic"])
def test_newton_solves_the_tridiagonal_quadratic_in_one_iteration(derivatives):
    prob = make_problem("quadratic", {"n": 5000, "cond": 1e4, "structure": "tridiagonal",
                                      "derivatives": derivatives})
    r = optbench.solve(prob, "newton", gtol=1e-10)
    assert r.status == "converged" and r.nit == 1
    np.testing.assert_allclose(r.x, prob.x_star, rtol=0, atol=1e-11 * np.abs(prob.x_star).max())


def test_tridiagonal_quadratic_spectrum_and_solution():
    n, cond = 60, 1e3
    prob = make_problem("quadratic", {"n": n, "cond": cond, "structure": "tridiagonal"})
    A = Oracle(prob).hess(prob.x0)
    lam = np.linalg.eigvalsh(A)
    assert lam[0] == pytest.approx(1.0, rel=1e-10) and lam[-1] == pytest.approx(cond, rel=1e-12)
    b = -Oracle(prob).grad(np.zeros(n))
    assert np.linalg.norm(b) == pytest.approx(1.0)
    np.testing.assert_allclose(A @ prob.x_star, b, atol=1e-12)
    assert prob.f_star == pytest.approx(-0.5 * b @ prob.x_star, rel=1e-12)
    assert float(prob.f(prob.x_star)) == pytest.approx(prob.f_star, rel=1e-12)
    assert prob.hess_sparsity.nnz == 3 * n - 2
    with pytest.raises(UsageError, match="spectrum"):
        make_problem("quadratic", {"structure": "tridiagonal", "spectrum": "log"})


def test_hessian_sparse_without_a_pattern_is_a_usage_error():
    with pytest.raises(UsageError, match="hess_sparsity"):
        optbench.solve(make_problem("quadratic", {"n": 5}), "newton", options={"hessian": "sparse"})
    dense = optbench.solve(make_problem("quadratic", {"n": 5}), "newton")  # auto: dense
    assert dense.nit == 1 and dense.nhev >= 1


def test_dense_cap_names_the_sparse_option():
    prob = make_problem("rosenbrock", {"n": 20_000})
    with pytest.raises(UsageError, match="hessian=sparse"):
        optbench.solve(prob, "newton", options={"hessian": "dense"})


def test_cli_hessian_sparse_without_pattern_exits_2_with_one_line():
    r = subprocess.run([sys.executable, "-m", "optbench", "solve", "quadratic", "-m", "newton",
                        "-o", "hessian=sparse"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "hessian=sparse" in lines[0] and "hess_sparsity" in lines[0]
    assert "Traceback" not in r.stderr + r.stdout


def test_check_verifies_the_declared_pattern():
    from optbench.lab.check import check

    n = 8

    def f(x):
        return anp.sum((x[1:] - x[:-1]) ** 4) + anp.sum(x**2)

    x0 = np.linspace(0.0, 1.0, n)
    good = check(Problem(f, x0=x0, hess_sparsity=tridiagonal(n)))
    assert good.passed, good.failures
    assert any(a.source == "declared hess_sparsity" for a in good.agreements)
    bad = check(Problem(f, x0=x0, hess_sparsity=sp.identity(n, format="csr")))  # misses the off-diagonals
    assert not bad.passed
    assert any("declared hess_sparsity (sparse Hessian) is wrong" in line for line in bad.failures)
