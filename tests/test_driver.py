"""The driver's stopping tests, statuses and error handling."""

import math

import autograd.numpy as anp
import numpy as np
import pytest

import optbench
from optbench import Problem, RunError, Status, UsageError


def quad(n=3):
    return Problem(lambda x: anp.sum((x - 1.0) ** 2), x0=np.zeros(n), f_star=0.0, x_star=np.ones(n))


def test_max_iter_is_reported_honestly():
    r = optbench.solve("rosenbrock", "gd", max_iter=10)
    assert r.status is Status.MAX_ITER and not r.success
    assert r.nit == 10 and len(r.trace) == 11
    assert "max_iter = 10" in r.message


def test_max_evals_budget():
    r = optbench.solve("rosenbrock", "gd", max_evals=25)
    assert r.status is Status.MAX_EVALS and not r.success
    assert r.nfev >= 25


def test_max_time_budget():
    r = optbench.solve("rosenbrock", "gd", params={"n": 50}, max_time=0.05, gtol=0)
    assert r.status is Status.MAX_TIME and not r.success


def test_converged_means_gradient_test_holds_in_chosen_norm():
    for norm in ("inf", "2"):
        r = optbench.solve("rosenbrock", "lbfgs", gtol=1e-8, norm=norm)
        g = r.jac
        value = np.max(np.abs(g)) if norm == "inf" else np.linalg.norm(g)
        assert r.status is Status.CONVERGED and value <= 1e-8
        assert r.grad_norm == pytest.approx(value)


def test_converged_at_x0_without_a_step():
    r = optbench.solve(quad(), "lbfgs", x0=[1.0, 1.0, 1.0])
    assert r.status is Status.CONVERGED and r.nit == 0 and len(r.trace) == 1


def test_gtol_zero_switches_the_gradient_test_off():
    r = optbench.solve("rosenbrock", "newton", gtol=0, max_iter=30)
    # the run goes on past the first iterate where the default test ‖∇f‖∞ ≤ 1e-6 held
    first = next(k for k, g in enumerate(r.trace.column("grad_norm")) if g <= 1e-6)
    assert r.nit > first
    if r.grad_norm == 0.0:  # the minimum reached exactly: the Newton direction is 0, no descent — honestly a failure
        assert r.status is Status.LINE_SEARCH_FAILED and "not a descent direction" in r.message
    else:  # rounding left a tiny gradient: Newton keeps stepping until the budget
        assert r.status is Status.MAX_ITER and r.nit == 30


def test_ftol_stops_with_its_own_status():
    r = optbench.solve("rosenbrock", "gd", ftol=1e-3)
    assert r.status is Status.FTOL and r.success
    assert r.grad_norm > 1e-6  # the gradient test does not hold, and the status does not claim it


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"gtol": -1}, "gtol must be ≥ 0"),
        ({"ftol": -1e-3}, "ftol must be ≥ 0"),
        ({"max_iter": -5}, "max_iter must be a non-negative integer"),
        ({"max_time": 0}, "max_time must be a positive number"),
        ({"norm": "1"}, "norm must be 'inf' or '2'"),
        ({"x0": [1.0]}, "x0 has 1 entries but problem 'rosenbrock' has n = 2"),
        ({"x0": [1.0, float("nan")]}, "x0 must be finite"),
        ({"x0": [[1.0, 2.0]]}, "x0 must be a flat"),
    ],
)
def test_bad_settings_are_rejected_before_running(kwargs, match):
    with pytest.raises(UsageError, match=match):
        optbench.solve("rosenbrock", "lbfgs", **kwargs)


def test_f_not_finite_at_x0_is_a_run_error():
    prob = Problem(lambda x: anp.log(x[0]), x0=np.array([-1.0]), name="logneg")
    with pytest.raises(RunError, match=r"f\(x0\) is not finite"):
        optbench.solve(prob, "gd")


def test_objective_raising_midrun_keeps_the_trace():
    calls = {"n": 0}

    def f(x):
        calls["n"] += 1
        if calls["n"] > 6:
            raise ValueError("sensor offline")
        return anp.sum((x - 1.0) ** 2 * anp.arange(1.0, 4.0))

    r = optbench.solve(Problem(f, x0=np.zeros(3)), "gd")
    assert r.status is Status.ERROR and not r.success
    assert "ValueError: sensor offline" in r.message and "iteration" in r.message
    assert len(r.trace) >= 2
    assert np.isfinite(r.fun)


def test_nonfinite_midrun_returns_last_finite_iterate():
    # fixed step far too large: the iterates blow up to inf
    r = optbench.solve(Problem(lambda x: anp.sum(x**4), x0=np.ones(2)), "gd", options={"lr": 10.0}, max_iter=100)
    assert r.status in (Status.NONFINITE, Status.UNBOUNDED)
    assert np.all(np.isfinite(r.x)) and math.isfinite(r.fun)
    assert r.fun == pytest.approx(r.trace.column("f")[-1])


def test_unbounded_below_is_detected():
    r = optbench.solve(Problem(lambda x: -anp.sum(x**2), x0=np.ones(2)), "gd")
    assert r.status is Status.UNBOUNDED and not r.success
    r = optbench.solve(Problem(lambda x: -3.0 * x[0] + 0.0 * x[1], x0=np.ones(2)), "lbfgs")
    assert r.status is Status.UNBOUNDED and not r.success


def test_keyboard_interrupt_keeps_the_trace():
    def stop_at_5(rec):
        if rec["iter"] == 5:
            raise KeyboardInterrupt

    r = optbench.solve("rosenbrock", "gd", callback=stop_at_5)
    assert r.status is Status.INTERRUPTED
    assert len(r.trace) == 6


def test_result_fields_follow_scipy():
    r = optbench.solve("rosenbrock", "newton-cg")
    for field in ("x", "fun", "jac", "nit", "nfev", "njev", "nhev", "status", "message", "success"):
        assert hasattr(r, field)
    assert isinstance(r.status, str) and r.status == "converged"
    assert r.fun == pytest.approx(optbench.make_problem("rosenbrock").f(r.x))


def test_second_order_methods_leave_a_maximum(quartic_file):
    # x = 0 is a stationary point (a local maximum) of x⁴ − 2x²: the gradient test holds there
    for method in ("newton", "newton-cg"):
        r = optbench.solve(f"{quartic_file}:quartic", method, x0=[0.0])
        assert r.nit >= 1, method
        assert r.trace.column("f")[1] < 0.0  # a descent step was produced
        assert "escape" in r.trace.column("note")[1]
        assert r.status is Status.CONVERGED and abs(abs(r.x[0]) - 1.0) < 1e-6
        assert "negative curvature" in r.message


def test_first_order_methods_say_converged_only_to_the_gradient_test(quartic_file):
    r = optbench.solve(f"{quartic_file}:quartic", "lbfgs", x0=[0.0])
    assert r.status is Status.CONVERGED and r.nit == 0
    assert "‖∇f‖∞ = 0" in r.message  # the message states the first-order test that holds, nothing more


def test_line_search_failure_reports_gradient_and_last_step():
    # a hand-written gradient with the wrong sign: no step along −g decreases f
    prob = Problem(lambda x: anp.sum(x**2), x0=np.ones(2), grad=lambda x: -2 * x, name="wrong")
    r = optbench.solve(prob, "gd")
    assert r.status is Status.LINE_SEARCH_FAILED and not r.success
    assert "‖∇f‖ = 2" in r.message
    assert np.array_equal(r.x, np.ones(2))


@pytest.mark.parametrize(
    "value,match",
    [
        (lambda x: anp.array([1.0, 2.0]) * x[0], "f must return a scalar, got an array of shape (2,)"),
        (lambda x: 1j * x[0], "f must return a real number, got complex"),
        (lambda x: "abc", "f must return a real number, got a string"),
    ],
)
def test_objective_returning_the_wrong_type_names_the_problem(value, match):
    prob = Problem(value, x0=np.ones(1), name="weird")
    with pytest.raises(optbench.PluginError, match="problem 'weird': " + match.replace("(", r"\(").replace(")", r"\)")):
        optbench.solve(prob, "lbfgs")


def _csv_without_time(result):
    import csv
    import io

    rows = list(csv.reader(io.StringIO(result.trace.to_csv_string())))
    t = rows[0].index("time")
    return [r[:t] + r[t + 1 :] for r in rows]


@pytest.mark.parametrize("method", ["gd", "newton", "newton-cg", "lbfgs"])
def test_same_run_twice_gives_identical_traces_apart_from_time(method):
    a = optbench.solve("rosenbrock", method, params={"n": 6}, max_iter=200)
    b = optbench.solve("rosenbrock", method, params={"n": 6}, max_iter=200)
    assert _csv_without_time(a) == _csv_without_time(b)
    assert len(_csv_without_time(a)) == a.nit + 2


@pytest.mark.parametrize("method", ["gd", "newton", "newton-cg", "lbfgs"])
def test_nan_midrun_with_a_line_search_is_nonfinite_never_converged(method):
    calls = {"n": 0}

    def f(x):
        calls["n"] += 1
        if calls["n"] > 4:
            return anp.nan * anp.sum(x)
        return anp.sum((x - 1.0) ** 2 * anp.arange(1.0, 4.0)) + anp.sum((x - 1.0) ** 4)

    r = optbench.solve(Problem(f, x0=np.zeros(3)), method)
    assert r.status is Status.NONFINITE and not r.success
    assert np.all(np.isfinite(r.x)) and math.isfinite(r.fun)
    assert "NaN or infinite" in r.message or "non-finite" in r.message


def test_indefinite_hessian_still_gives_a_descent_step():
    # f = x² − y² + y⁴/4 at (1, 0.1): ∇²f = diag(2, −2 + 3y²) is indefinite
    prob = Problem(lambda x: x[0] ** 2 - x[1] ** 2 + x[1] ** 4 / 4, x0=np.array([1.0, 0.1]), f_star=-1.0)
    r = optbench.solve(prob, "newton", max_iter=1, gtol=0)
    assert r.trace.column("f")[1] < r.trace.column("f")[0]
    assert r.trace.column("note")[1].startswith("H+")  # the Hessian was modified
    r = optbench.solve(prob, "newton-cg", max_iter=1, gtol=0)
    assert r.trace.column("f")[1] < r.trace.column("f")[0]
    for method in ("newton", "newton-cg"):
        r = optbench.solve(prob, method)
        assert r.status is Status.CONVERGED and r.fun == pytest.approx(-1.0)  # the minima (0, ±√2)


def test_singular_hessian_is_modified_not_fatal():
    # f = x⁴ + y²: ∇²f = diag(12x², 2) is singular on x = 0
    prob = Problem(lambda x: x[0] ** 4 + x[1] ** 2, x0=np.array([0.0, 1.0]), f_star=0.0)
    r = optbench.solve(prob, "newton")
    assert r.status is Status.CONVERGED and r.fun < 1e-12
    r = optbench.solve(prob, "newton", options={"hessian_modification": "none", "line_search": "none"})
    assert r.status in (Status.SOLVER_FAILED, Status.CONVERGED)
    if r.status is Status.SOLVER_FAILED:
        assert "singular" in r.message
