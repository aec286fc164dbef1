"""scipy reference methods driven through our Oracle: convergence, counts, traces, honest statuses."""

import autograd.numpy as anp
import numpy as np
import pytest

from optbench import Problem, UsageError, make_problem
from optbench.core.errors import RunError
from optbench import solve as run_scipy
from optbench.solvers.registry import make_method
from optbench.solvers.scipy import scipy_method_names
from optbench.core.status import Status
from optbench.core.trace import COLUMNS


def counted_quadratic(n=4):
    d = anp.arange(1.0, n + 1.0)
    calls = [0]

    def f(x):
        calls[0] += 1
        return 0.5 * anp.sum(d * (x - 1.0) ** 2) + 0.25 * anp.sum((x - 1.0) ** 4)

    return Problem(f, x0=np.zeros(n), f_star=0.0, x_star=np.ones(n), name="cq"), calls


@pytest.mark.parametrize("method", scipy_method_names())
def test_every_scipy_method_solves_a_convex_problem_and_counts_every_call(method):
    prob, calls = counted_quadratic()
    r = run_scipy(prob, method, gtol=1e-8)
    assert r.method == method
    np.testing.assert_allclose(r.x, np.ones(4), atol=1e-5)
    # the oracle's nfev is exactly the number of times the user's f ran
    assert r.nfev == calls[0] > 0
    tr = r.trace
    assert tr.columns[: len(COLUMNS)] == list(COLUMNS)
    assert tr.data["iter"] == list(range(len(tr)))
    assert len(tr) == r.nit + 1
    assert tr.data["nfev"][-1] <= r.nfev
    if r.status is Status.CONVERGED:
        assert r.grad_norm <= 1e-8 and ("scipy: success=" in r.message or "optbench's gradient test" in r.message)
    if method in ("scipy:Newton-CG", "scipy:trust-ncg", "scipy:trust-krylov"):
        assert r.nhvp > 0
    else:
        assert r.nhvp == 0


def test_converged_only_when_our_gradient_test_holds():
    # with scipy's own ftol, L-BFGS-B stops on the relative reduction of f long before ‖∇f‖∞ ≤ 1e-12
    r = run_scipy(make_problem("rosenbrock"), "scipy:L-BFGS-B", gtol=1e-12, options={"ftol": "2.2e-9"})
    assert r.status is Status.FTOL
    assert r.grad_norm > 1e-12
    assert "success=True" in r.message and "> gtol" in r.message
    r = run_scipy(make_problem("rosenbrock"), "scipy:BFGS", gtol=1e-6)
    assert r.status is Status.CONVERGED and r.grad_norm <= 1e-6


def test_newton_cg_without_gradient_test_is_reported_as_xtol():
    r = run_scipy(make_problem("rosenbrock"), "scipy:Newton-CG", gtol=1e-12)
    assert r.status in (Status.XTOL, Status.CONVERGED)
    if r.status is Status.XTOL:
        assert r.grad_norm > 1e-12


def test_max_iter_is_passed_to_scipy():
    r = run_scipy(make_problem("rosenbrock"), "scipy:BFGS", max_iter=3)
    assert r.status is Status.MAX_ITER
    assert r.nit == 3 and len(r.trace) == 4


def test_trace_matches_scipy_iterates():
    from scipy.optimize import minimize, rosen, rosen_der

    r = run_scipy(make_problem("rosenbrock"), "scipy:BFGS", gtol=1e-6, trace_x=True)
    ref = minimize(rosen, np.array([-1.2, 1.0]), jac=rosen_der, method="BFGS", options={"gtol": 1e-6})
    assert r.nit == ref.nit
    np.testing.assert_allclose(r.x, ref.x, rtol=1e-10)
    np.testing.assert_allclose(r.trace.xs[-1], r.x)


def test_objective_error_mid_run_keeps_the_trace():
    calls = [0]

    def f(x):
        calls[0] += 1
        if calls[0] > 3:
            raise RuntimeError("boom")
        return anp.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

    r = run_scipy(Problem(f, x0=np.zeros(3), name="boom"), "scipy:CG")
    assert r.status is Status.ERROR
    assert "RuntimeError: boom" in r.message
    assert len(r.trace) >= 1


def test_bad_start_is_a_run_error():
    with pytest.raises(RunError, match="not finite"):
        run_scipy(Problem(lambda x: anp.sum(x) * anp.nan, x0=np.ones(2), name="nan"), "scipy:BFGS")


def test_options_are_checked_and_converted():
    m = make_method("scipy:L-BFGS-B", {"maxcor": "5", "ftol": "1e-12"})
    assert (m.maxcor, m.ftol, m.maxls, m.maxfun) == (5, 1e-12, None, None)
    assert make_method("scipy:trust-krylov", {"inexact": "false"}).inexact is False
    with pytest.raises(UsageError, match="scipy:L-BFGS-B option 'm' not found"):
        make_method("scipy:L-BFGS-B", {"m": "5"})
    with pytest.raises(UsageError, match="must be an integer"):
        make_method("scipy:L-BFGS-B", {"maxcor": "lots"})
    with pytest.raises(UsageError, match="did you mean 'scipy:BFGS'"):
        make_method("scipy:BFSG", {})


def test_lbfgsb_with_ftol_off_reaches_our_gtol():
    r = run_scipy(make_problem("rosenbrock"), "scipy:L-BFGS-B", options={"ftol": 0.0}, gtol=1e-8)
    assert r.status is Status.CONVERGED


def test_the_callback_stops_at_our_gradient_test():
    # Newton-CG has no gradient test: without ours it would go on until its step test holds
    r = run_scipy(make_problem("rosenbrock"), "scipy:Newton-CG", gtol=1e-3)
    assert r.status is Status.CONVERGED and "optbench's gradient test" in r.message
    gn = r.trace.data["grad_norm"]
    assert gn[-1] <= 1e-3 < min(gn[:-1])  # stopped at the first iterate that passes
    assert r.grad_norm == gn[-1]
