"""Trust-region methods: subproblem solvers against references, the Alg. 4.1 loop, statuses, the trace."""

import math

import autograd.numpy as anp
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import brentq

import optbench
from optbench.core.errors import UsageError
from optbench.core.oracle import Oracle
from optbench.core.problem import Problem, make_problem
from optbench.solvers import make_method as make_solver
from optbench.solvers.trsub import (K_EASY, K_HARD, dense_ops, gltr, linpack_small_direction, more_sorensen,
                                    reduction_ratio, sparse_ops, steihaug_cg, to_boundary, update_radius)
from optbench.core.status import Status

TRUST = ["trust-ncg", "trust-exact", "trust-krylov"]
SECOND_ORDER = TRUST + ["newton"]


def model(g, B, p):
    return float(g @ p + 0.5 * p @ B @ p)


def reference_tr(g, B, radius):
    """Brute-force global minimiser of gᵀp + ½pᵀBp over ‖p‖ ≤ Δ from the eigendecomposition of B."""
    lam, V = np.linalg.eigh(B)
    gh = V.T @ g
    if lam[0] > 0:
        p = -V @ (gh / lam)
        if np.linalg.norm(p) <= radius:
            return p
    lo = max(0.0, -lam[0])

    def norm_p(mu):
        return np.linalg.norm(gh / (lam + mu))

    small = np.abs(lam - lam[0]) < 1e-12 * max(1.0, abs(lam[0]))
    if np.all(np.abs(gh[small]) < 1e-14) and lam[0] <= 0:  # possible hard case
        ph = np.where(small, 0.0, -gh / np.where(small, 1.0, lam - lam[0]))
        if np.linalg.norm(ph) <= radius:
            t = math.sqrt(radius**2 - ph @ ph)
            return V @ ph + t * V[:, np.argmax(small)]
    hi = lo + 1.0
    while norm_p(hi) > radius:
        hi = lo + 2 * (hi - lo)
    mu = brentq(lambda m: norm_p(m) - radius, lo + 1e-15 * max(1.0, hi), hi, xtol=1e-15, rtol=1e-15)
    return -V @ (gh / (lam + mu))


def random_case(seed, n, kind):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    if kind == "pd":
        lam = rng.uniform(0.5, 5.0, n)
    elif kind == "indefinite":
        lam = rng.uniform(-3.0, 5.0, n)
        lam[0] = -2.0
    else:  # hard: g orthogonal to the eigenvector of the smallest eigenvalue
        lam = rng.uniform(1.0, 5.0, n)
        lam[0] = -1.0
    B = (Q * lam) @ Q.T
    B = 0.5 * (B + B.T)
    g = rng.standard_normal(n)
    if kind == "hard":
        g -= (Q[:, 0] @ g) * Q[:, 0]
        g *= 0.05  # small enough that ‖p(−λ₁)‖ < Δ
    return g, B


@pytest.mark.parametrize("kind", ["pd", "indefinite", "hard"])
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("radius", [0.1, 1.0, 10.0])
def test_more_sorensen_matches_the_eigen_solution(kind, seed, radius):
    g, B = random_case(seed, 8, kind)
    ref = reference_tr(g, B, radius)
    m_ref = model(g, B, ref)
    # tight tolerances: the step itself (or, in the hard case, its model value) agrees with the reference
    sub = more_sorensen(g, radius, dense_ops(B), k_easy=1e-10, k_hard=1e-10)
    assert np.linalg.norm(sub.p) <= radius * (1 + 1e-9)
    assert model(g, B, sub.p) == pytest.approx(m_ref, rel=1e-7, abs=1e-12)
    assert sub.pred == pytest.approx(-model(g, B, sub.p), rel=1e-9, abs=1e-14)
    if kind != "hard":
        np.testing.assert_allclose(sub.p, ref, atol=1e-6 * max(1.0, radius))
    # default tolerances: nearly optimal, m(p) ≤ (1 − κ)² m* with κ = 0.2 (Moré & Sorensen 1983, Thm 3.4)
    loose = more_sorensen(g, radius, dense_ops(B))
    assert np.linalg.norm(loose.p) <= 1.1 * radius
    assert model(g, B, loose.p) <= 0.64 * m_ref + 1e-12


def _biggs_exp6_first_iterate():
    prob = make_problem("mgh", {"id": 18})
    o = Oracle(prob)
    x = np.asarray(prob.x0, dtype=float)
    f, g = o.value_and_grad(x)
    return prob, o, x, f, g, o.hess(x)


def test_more_sorensen_first_biggs_exp6_step_matches_scipy_and_is_nearly_optimal():
    # MGH 18 at x₀, Δ = 1: B has two negative eigenvalues and B + 0·I fails to factor. The breakdown
    # bound (Moré & Sorensen 1983, §3) puts the second λ at 0.4227 where ‖p‖ < Δ, and their hard-case
    # test ends the solve there with p + τz, z from the LINPACK estimator — scipy's trust-exact
    # computes the same step. (Before: λ_L ← λ only, Newton from above to λ ≈ 0.2337, a different step
    # of the same tolerance, from which the run crawled to f ≈ 0.2427 instead of f* = 0.)
    from scipy.optimize._trustregion_exact import IterativeSubproblem

    _, _, x, f, g, B = _biggs_exp6_first_iterate()
    sub = more_sorensen(g, 1.0, dense_ops(B))
    ref = IterativeSubproblem(x, lambda _: f, lambda _: g, lambda _: B)
    p_ref, hits = ref.solve(1.0)
    assert hits and sub.boundary and sub.hard_case and sub.iterations == ref.niter == 2
    assert sub.lam == pytest.approx(ref.lambda_current, rel=1e-10)
    np.testing.assert_allclose(sub.p, p_ref, atol=1e-10)
    m_star = model(g, B, reference_tr(g, B, 1.0))
    assert model(g, B, sub.p) <= (1 - K_HARD) * m_star  # Moré & Sorensen's guarantee
    assert sub.pred == pytest.approx(-model(g, B, sub.p), rel=1e-12)


@pytest.mark.parametrize("kind", ["pd", "indefinite", "hard"])
@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("radius", [0.05, 0.5, 5.0])
def test_more_sorensen_default_tolerances_meet_the_optimality_conditions(kind, seed, radius):
    # Moré & Sorensen (1983): λ ≥ 0, B + λI ⪰ 0, (B + λI)p̂ = −g with the step p = p̂ (+ τz in the hard
    # case), λ = 0 or |‖p‖ − Δ| ≤ κ_easy Δ, and m(p) ≤ (1 − κ_hard) m*.
    g, B = random_case(100 + seed, 7, kind)
    sub = more_sorensen(g, radius, dense_ops(B))
    n, lam, pn = len(g), sub.lam, float(np.linalg.norm(sub.p))
    scale = float(np.abs(np.linalg.eigvalsh(B)).max())
    assert lam >= 0 and np.linalg.eigvalsh(B + lam * np.eye(n))[0] >= -1e-10 * scale
    assert pn <= (1 + K_EASY) * radius
    if lam > 0:
        assert abs(pn - radius) <= K_EASY * radius  # λ(Δ − ‖p‖) = 0 to the tolerance
    if sub.hard_case:
        assert pn == pytest.approx(radius, rel=1e-12)
    else:
        np.testing.assert_allclose((B + lam * np.eye(n)) @ sub.p, -g, atol=1e-9 * max(1.0, np.linalg.norm(g)))
    assert model(g, B, sub.p) <= (1 - K_HARD) * model(g, B, reference_tr(g, B, radius)) + 1e-14


@pytest.mark.parametrize("seed", range(6))
def test_dense_factor_breakdown_gives_a_lower_bound_on_minus_lambda_min(seed):
    # Moré & Sorensen (1983, §3): a Cholesky breakdown of B + λI at column k gives
    # λ < λ + δ/‖v‖² ≤ −λ_min(B); more_sorensen raises λ_L to it.
    g, B = random_case(seed, 9, "indefinite")
    lam_min = float(np.linalg.eigvalsh(B)[0])
    ops = dense_ops(B)
    for lam in (0.0, -lam_min / 2, -lam_min * 0.99):
        bound = ops.factor(lam)
        assert isinstance(bound, float) and not callable(bound)
        assert lam <= bound <= -lam_min * (1 + 1e-12)
    assert isinstance(ops.factor(0.0), float) and ops.factor(0.0) > 0.0  # strictly better than λ_L ← λ here
    assert callable(ops.factor(-lam_min * 1.01))


@pytest.mark.parametrize("seed", range(6))
def test_linpack_direction_has_small_curvature(seed):
    # Cline–Moler–Stewart–Wilkinson (1979): ‖Uz‖ estimates σ_min(U) from above; on a matrix with one
    # small eigenvalue zᵀAz is within a small factor of λ_min(A) and z is near its eigenvector.
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((12, 12)))
    lam = np.concatenate([[1e-4], rng.uniform(1.0, 10.0, 11)])
    A = (Q * lam) @ Q.T
    U = np.linalg.cholesky(A).T
    z = linpack_small_direction(U)
    assert np.linalg.norm(z) == pytest.approx(1.0)
    assert lam[0] <= float(z @ A @ z) <= 100 * lam[0]
    assert abs(float(z @ Q[:, 0])) >= 0.99


def test_more_sorensen_hard_case_is_flagged_and_on_the_boundary():
    B = np.diag([-1.0, 2.0, 3.0])
    g = np.array([0.0, 0.2, -0.3])  # orthogonal to e₁, the eigenvector of λ_min = −1
    sub = more_sorensen(g, 2.0, dense_ops(B), k_easy=1e-10, k_hard=1e-10)
    assert sub.hard_case and sub.boundary and sub.negative_curvature
    assert np.linalg.norm(sub.p) == pytest.approx(2.0, rel=1e-8)
    assert sub.lam == pytest.approx(1.0, rel=1e-6)
    assert model(g, B, sub.p) == pytest.approx(model(g, B, reference_tr(g, B, 2.0)), rel=1e-8)


def test_more_sorensen_on_a_singular_psd_matrix_takes_the_minimum_norm_step():
    # B = diag(0, 2), g ⊥ null(B): every p = (τ, −g₂/2) is optimal; the one without a null-space component is taken
    sub = more_sorensen(np.array([0.0, 0.02]), 1.0, dense_ops(np.diag([0.0, 2.0])))
    assert abs(sub.p[0]) < 1e-6 and sub.p[1] == pytest.approx(-0.01, rel=1e-3)


@pytest.mark.parametrize("banded_max", [16, -1])  # banded Cholesky, SuperLU LDLᵀ
@pytest.mark.parametrize("kind", ["pd", "indefinite", "hard"])
def test_sparse_more_sorensen_agrees_with_dense(kind, banded_max):
    rng = np.random.default_rng(3)
    n = 30
    main = rng.uniform(1.0, 4.0, n) if kind == "pd" else rng.uniform(-2.0, 4.0, n)
    off = rng.uniform(-0.5, 0.5, n - 1)
    B = sp.diags([off, main, off], [-1, 0, 1], format="csr")
    g = rng.standard_normal(n)
    if kind == "hard":
        lam, V = np.linalg.eigh(B.toarray())
        g -= (V[:, 0] @ g) * V[:, 0]
        g *= 0.01
    for radius in (0.3, 3.0):
        dense = more_sorensen(g, radius, dense_ops(B.toarray()), k_easy=1e-10, k_hard=1e-10)
        sparse = more_sorensen(g, radius, sparse_ops(B, banded_max=banded_max), k_easy=1e-10, k_hard=1e-10)
        Bd = B.toarray()
        assert model(g, Bd, sparse.p) == pytest.approx(model(g, Bd, dense.p), rel=1e-7)
        assert model(g, Bd, sparse.p) == pytest.approx(model(g, Bd, reference_tr(g, Bd, radius)), rel=1e-6)


def test_steihaug_interior_boundary_and_negative_curvature():
    B = np.diag([1.0, 2.0, 4.0])
    g = np.array([1.0, -1.0, 2.0])
    newton = -np.linalg.solve(B, g)
    hvp_calls = []

    def hvp(v):
        hvp_calls.append(1)
        return B @ v

    inner = steihaug_cg(hvp, g, radius=10.0, tol=1e-12, max_iter=10)
    assert not inner.boundary and not inner.negative_curvature
    np.testing.assert_allclose(inner.p, newton, rtol=1e-10)
    assert inner.iterations == len(hvp_calls) == 3  # CG on 3 distinct eigenvalues
    assert inner.pred == pytest.approx(-model(g, B, inner.p), rel=1e-12)
    # the boundary: the CG path leaves the region, the step is cut on it
    short = steihaug_cg(lambda v: B @ v, g, radius=0.5, tol=1e-12, max_iter=10)
    assert short.boundary and np.linalg.norm(short.p) == pytest.approx(0.5, rel=1e-12)
    assert short.pred == pytest.approx(-model(g, B, short.p), rel=1e-12) and short.pred > 0
    # negative curvature on the first direction: to the boundary along −g
    C = np.diag([-1.0, 1.0])
    gn = np.array([1.0, 0.0])
    neg = steihaug_cg(lambda v: C @ v, gn, radius=2.0, tol=1e-12, max_iter=10)
    assert neg.negative_curvature and neg.boundary and neg.iterations == 1
    np.testing.assert_allclose(neg.p, [-2.0, 0.0])
    assert neg.pred == pytest.approx(-model(gn, C, neg.p))


def test_steihaug_negative_curvature_later_picks_the_lower_model_root():
    B = np.array([[2.0, 0.0], [0.0, -1.0]])
    g = np.array([1.0, 0.1])
    sub = steihaug_cg(lambda v: B @ v, g, radius=3.0, tol=1e-12, max_iter=10)
    assert sub.boundary and np.linalg.norm(sub.p) == pytest.approx(3.0)
    assert sub.pred == pytest.approx(-model(g, B, sub.p), rel=1e-10)
    ref = reference_tr(g, B, 3.0)
    assert model(g, B, sub.p) <= 0.5 * model(g, B, ref)  # Steihaug gets at least half of the optimal decrease here


def test_steihaug_reports_non_finite_products():
    sub = steihaug_cg(lambda v: v * np.nan, np.ones(3), 1.0, 1e-8, 10)
    assert sub.failure


@pytest.mark.parametrize("kind", ["pd", "indefinite"])
@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("radius", [0.2, 2.0, 50.0])
def test_gltr_matches_more_sorensen_on_small_problems(kind, seed, radius):
    g, B = random_case(seed, 7, kind)
    ms = more_sorensen(g, radius, dense_ops(B), k_easy=1e-12, k_hard=1e-12)
    gl = gltr(lambda v: B @ v, g, radius, tol=1e-13, max_iter=7)
    assert np.linalg.norm(gl.p) <= radius * (1 + 1e-6)
    assert model(g, B, gl.p) == pytest.approx(model(g, B, ms.p), rel=1e-6)
    np.testing.assert_allclose(gl.p, ms.p, atol=1e-5 * max(1.0, radius))
    assert gl.pred == pytest.approx(-model(g, B, gl.p), rel=1e-6)


def test_gltr_beats_steihaug_on_the_boundary():
    g, B = random_case(1, 20, "indefinite")
    st = steihaug_cg(lambda v: B @ v, g, 1.0, 1e-10, 20)
    gl = gltr(lambda v: B @ v, g, 1.0, 1e-10, 20)
    assert model(g, B, gl.p) <= model(g, B, st.p) + 1e-12


def test_radius_update_and_ratio():
    assert update_radius(1.0, 0.1, 1.0, True, 10.0) == 0.25
    assert update_radius(1.0, -math.inf, 1.0, True, 10.0) == 0.25
    assert update_radius(1.0, math.nan, 1.0, True, 10.0) == 0.25
    assert update_radius(1.0, 0.9, 1.0, True, 10.0) == 2.0
    assert update_radius(8.0, 0.9, 8.0, True, 10.0) == 10.0
    assert update_radius(1.0, 0.9, 0.5, False, 10.0) == 1.0  # interior: no expansion
    assert update_radius(1.0, 0.5, 1.0, True, 10.0) == 1.0
    assert reduction_ratio(1.0, 0.5, 0.5) == pytest.approx(1.0)
    assert reduction_ratio(1.0, math.nan, 0.5) == -math.inf
    assert reduction_ratio(1.0, 0.9, -1.0) == -math.inf  # a model that predicts an increase: reject
    # at the rounding level of f both reductions are noise: ρ → 1, not a rejection
    assert reduction_ratio(100.0, 100.0 + 1e-14, 1e-16) > 0.25
    lo, hi = to_boundary(np.array([0.5, 0.0]), np.array([1.0, 0.0]), 1.0)
    assert (lo, hi) == pytest.approx((-1.5, 0.5))


# --------------------------------------------------------------------------- methods
@pytest.mark.parametrize("method", SECOND_ORDER)
@pytest.mark.parametrize("name,params", [
    ("rosenbrock", {"n": 2}),
    ("rosenbrock", {"n": 30, "variant": "extended"}),
    ("quadratic", {"n": 50}),
])
def test_methods_converge(method, name, params):
    prob = make_problem(name, params)
    r = optbench.solve(prob, method, gtol=1e-8)
    assert r.status is Status.CONVERGED, r.message
    g = Oracle(prob).grad(r.x)
    assert np.max(np.abs(g)) <= 1e-8
    assert r.fun - prob.f_star < 1e-10


@pytest.fixture
def saddle():
    # f = x² − y² + y⁴/4: saddle at 0, minima (0, ±√2) with f = −1
    return Problem(lambda x: x[0] ** 2 - x[1] ** 2 + x[1] ** 4 / 4, x0=np.array([1.0, 0.0]), f_star=-1.0,
                   name="saddle")


@pytest.mark.parametrize("method", SECOND_ORDER)
def test_saddle_start_reaches_a_minimum(method, saddle):
    # from (1, 0) the gradient (2, 0) is orthogonal to the negative-curvature direction: the hard case
    r = optbench.solve(saddle, method, gtol=1e-8)
    assert r.status is Status.CONVERGED, r.message
    assert r.fun == pytest.approx(-1.0, abs=1e-12)
    # and from the saddle itself (∇f = 0): the driver's curvature check moves off it
    r0 = optbench.solve(saddle, method, x0=np.zeros(2), gtol=1e-8)
    assert r0.status is Status.CONVERGED and r0.fun == pytest.approx(-1.0, abs=1e-12)


def test_trust_exact_takes_the_hard_case_step_on_the_saddle(saddle):
    r = optbench.solve(saddle, "trust-exact", max_iter=1, gtol=0)
    assert "hard case" in r.trace.column("note")[1]
    assert r.trace.column("f")[1] < 1.0


@pytest.mark.parametrize("method", SECOND_ORDER + ["newton-cg"])
def test_step_does_not_mutate_its_inputs(method):
    prob = make_problem("rosenbrock", {"n": 4})
    solver = make_solver(method)
    oracle = Oracle(prob)
    x = prob.x0.copy()
    state = solver.init(x, oracle)
    for _ in range(5):
        x_before, state_before = x.copy(), state
        snapshot = repr(state)
        x_new, state_new, info = solver.step(x, state, oracle)
        assert np.array_equal(x, x_before)
        assert state is state_before and repr(state) == snapshot
        assert x_new is not x or info.rejected
        x, state = x_new, state_new


@pytest.mark.parametrize("method", TRUST)
def test_option_validation_messages(method):
    with pytest.raises(UsageError, match=rf"`{method}` option `eta` must be in \[0, 0.25\)"):
        make_solver(method, {"eta": 0.3})
    with pytest.raises(UsageError, match=rf"`{method}` option `initial_radius` must be a positive number"):
        make_solver(method, {"initial_radius": "-1"})
    with pytest.raises(UsageError, match="`max_radius` must be ≥ initial_radius = 5"):
        make_solver(method, {"initial_radius": 5.0, "max_radius": 1.0})


def test_method_specific_option_validation():
    with pytest.raises(UsageError, match=r"`trust-ncg` option `cg_eta` must be in \(0, 1\)"):
        make_solver("trust-ncg", {"cg_eta": 1.5})
    with pytest.raises(UsageError, match="`trust-krylov` option `max_lanczos` must be a positive integer"):
        make_solver("trust-krylov", {"max_lanczos": 0})
    with pytest.raises(UsageError, match="trust-exact option .hessian. must be one of auto, dense, sparse"):
        make_solver("trust-exact", {"hessian": "banded"})
    with pytest.raises(UsageError, match="declares no hess_sparsity"):
        optbench.solve(make_problem("quadratic", {"n": 3}), "trust-exact", options={"hessian": "sparse"})
    with pytest.raises(UsageError, match="above max_n=10"):
        optbench.solve(make_problem("quadratic", {"n": 20}), "trust-exact", options={"max_n": 10})


def test_radius_is_in_the_trace_and_rejections_are_reported():
    prob = make_problem("rosenbrock", {"n": 2})
    r = optbench.solve(prob, "trust-exact", options={"initial_radius": 100.0, "max_radius": 100.0}, gtol=1e-8)
    assert r.status is Status.CONVERGED
    radius, alpha, step, f = (r.trace.column(c) for c in ("radius", "alpha", "step", "f"))
    assert radius[0] is None and radius[1] == 100.0
    rejected = [i for i in range(1, len(alpha)) if alpha[i] == 0.0]
    assert rejected, "a radius of 100 from (−1.2, 1) must be cut"
    for i in rejected:
        assert step[i] == 0.0 and f[i] == f[i - 1] and "rejected" in r.trace.column("note")[i]
        assert radius[i + 1] == pytest.approx(0.25 * radius[i])
    assert "radius" in r.trace.to_csv_string().splitlines()[0].split(",")
    line_search = optbench.solve(prob, "newton-cg")
    assert set(line_search.trace.column("radius")) == {None}


def test_rejected_steps_do_not_trigger_ftol_or_xtol():
    prob = make_problem("rosenbrock", {"n": 2})
    r = optbench.solve(prob, "trust-ncg", options={"initial_radius": 100.0, "max_radius": 100.0},
                       ftol=1e-12, xtol=1e-12, gtol=1e-8)
    assert 0.0 in r.trace.column("alpha")[1:]
    assert r.status is Status.CONVERGED


@pytest.mark.parametrize("method", TRUST)
def test_wrong_gradient_collapses_the_radius_honestly(method):
    # the supplied gradient has the wrong sign: every model step goes uphill and is rejected
    f = lambda x: anp.sum((x - 1.0) ** 2)  # noqa: E731
    prob = Problem(f, x0=np.zeros(3), f_star=0.0, grad=lambda x: -2.0 * (x - 1.0), name="wrong")
    r = optbench.solve(prob, method, max_iter=500)
    assert r.status is Status.SOLVER_FAILED and not r.success
    assert "trust radius collapsed" in r.message
    assert np.array_equal(r.x, prob.x0)


def test_oracle_returns_to_the_previous_point_for_free():
    calls = [0]

    def f(x):
        calls[0] += 1
        return anp.sum(x**4)

    o = Oracle(Problem(f, x0=np.ones(3)))
    o.linearize_gradients = True
    x = np.array([1.0, 2.0, 3.0])
    o.value_and_grad(x)
    o.f(x + 1.0)  # a trial point
    before = (o.nfev, o.ngev, calls[0])
    o.value_and_grad(x)
    hv = o.hvp_operator(x)(np.ones(3))
    assert (o.nfev, o.ngev, calls[0]) == before  # the gradient and the linearization at x were kept
    np.testing.assert_allclose(hv, 12.0 * x**2)


@pytest.mark.parametrize("n", [10, 20_000])
def test_trust_ncg_on_extended_rosenbrock_hessian_free(n):
    # (one radius bounds the whole step, so unlike a line search the iterations depend mildly on n)
    r = optbench.solve(make_problem("rosenbrock", {"n": n, "variant": "extended"}), "trust-ncg", gtol=1e-8)
    assert r.status is Status.CONVERGED and np.abs(r.x - 1.0).max() < 1e-6
    assert r.nit <= 60 and r.nhvp <= 2 * r.nit
    assert r.nhev == 0  # HVPs only (the final curvature check colours the declared pattern)


def test_trust_exact_sparse_path_takes_the_dense_iterates():
    prob = make_problem("rosenbrock", {"n": 60, "variant": "extended"})
    r = optbench.solve(prob, "trust-exact", gtol=1e-8)
    assert r.status is Status.CONVERGED and r.nhev == 0  # coloured: a few HVPs per Hessian
    dense = optbench.solve(prob, "trust-exact", options={"hessian": "dense"}, gtol=1e-8)
    assert r.nit == dense.nit
    np.testing.assert_allclose(r.trace.column("f"), dense.trace.column("f"), rtol=1e-8, atol=1e-20)


# --------------------------------------------------------------------------- MGH weak spots (issue 14)
MGH = "tests/data/mgh_small.py"


@pytest.mark.parametrize("method", SECOND_ORDER)
def test_box3d_from_the_standard_start_does_not_crawl(method):
    # before: newton (N&W Alg. 3.3, τ = 1e-3) took 15 896 iterations of ‖Δx‖ ≈ 1.8e-4 along the flat x₂ valley
    prob = make_problem(f"{MGH}:box3d", {})
    r = optbench.solve(prob, method, gtol=1e-8)
    assert r.status is Status.CONVERGED, r.message
    assert r.nit <= 30 and r.fun < 1e-14
    assert np.max(np.abs(Oracle(prob).grad(r.x))) <= 1e-8


def test_box3d_newton_options_ldl_converges_and_cholesky_crawls():
    prob = make_problem(f"{MGH}:box3d", {})
    ldl = optbench.solve(prob, "newton", options={"hessian_modification": "ldl"}, gtol=1e-8)
    assert ldl.status is Status.CONVERGED and ldl.nit <= 30
    old = optbench.solve(prob, "newton", options={"hessian_modification": "cholesky"}, gtol=1e-8, max_iter=200)
    assert old.status is Status.MAX_ITER  # the documented crawl of a fixed shift τ = β


def test_meyer_reaches_f_star_but_gtol_1e8_is_below_its_rounding_floor():
    """Meyer (MGH 10) at gtol = 1e-8: no method may claim convergence, and why.

    ∇²f at x* has condition number ≈ 1e16, and moving x₁ by one unit in the last place changes ∇f
    by ≈ 2.6e-4: no representable x near x* has ‖∇f‖∞ ≤ 1e-8. newton and trust-exact reach f* to
    8 digits and stop with an honest failure status; newton-cg's CG on a Hessian this ill-conditioned
    (CG's error bound grows with √κ, N&W §5.1 eq. 5.36; truncated Newton needs preconditioning, N&W §7.1)
    gives directions the line search cannot use: ``line_search_failed`` far from f*.
    """
    prob = make_problem(f"{MGH}:meyer", {})
    oracle = Oracle(prob)
    results = {m: optbench.solve(prob, m, gtol=1e-8) for m in ("newton", "trust-exact", "newton-cg")}
    for m, r in results.items():
        assert r.status is not Status.CONVERGED and not r.success, m
        assert r.message
    for m in ("newton", "trust-exact"):
        assert results[m].fun == pytest.approx(87.9458551704, rel=1e-9), m
    x = results["trust-exact"].x
    g0 = oracle.grad(x)
    y = x.copy()
    y[0] = np.nextafter(y[0], np.inf)
    assert np.max(np.abs(oracle.grad(y) - g0)) > 1e-5  # one ulp in x₁ moves ∇f by far more than gtol
    assert np.linalg.cond(oracle.hess(x)) > 1e15
    ncg = results["newton-cg"]
    assert ncg.status is Status.LINE_SEARCH_FAILED and "‖∇f‖" in ncg.message
    assert results["trust-exact"].status is Status.SOLVER_FAILED
    assert "trust radius collapsed" in results["trust-exact"].message


def test_cli_shows_the_radius_and_writes_it_to_the_csv(tmp_path):
    import csv

    from typer.testing import CliRunner

    from optbench.cli import app

    path = tmp_path / "trace.csv"
    r = CliRunner().invoke(app, ["solve", "rosenbrock", "-m", "trust-exact", "--csv", str(path)])
    assert r.exit_code == 0, r.output
    assert "Δ" in r.output and "Status: converged" in r.output
    rows = list(csv.DictReader(path.open()))
    assert rows[0]["radius"] == "" and float(rows[1]["radius"]) == 1.0
    bad = CliRunner().invoke(app, ["solve", "rosenbrock", "-m", "trust-ncg", "-o", "eta=0.3"])
    assert bad.exit_code != 0 and "must be in [0, 0.25)" in bad.output and "Traceback" not in bad.output


@pytest.mark.parametrize("method", ["newton", "trust-exact", "trust-ncg"])
def test_a_model_unbounded_below_that_f_follows_is_reported_unbounded(method):
    """f = ½xᵀDx with one negative eigenvalue: every step runs to Δmax along it and f falls as predicted."""
    d = np.array([-1.0] + [1.0] * 4)
    prob = Problem(lambda x: 0.5 * anp.sum(d * x**2), x0=np.array([1e-3, 1.0, 1.0, 1.0, 1.0]), name="saddle5")
    r = optbench.solve(prob, method, max_iter=500)
    assert r.status is Status.UNBOUNDED and "unbounded below along negative curvature" in r.message
    assert r.fun < -1e6 and r.nit < 500
    steps = r.trace.column("radius")
    assert steps[-1] == 1000.0  # the last steps were taken at the largest radius
