"""Property tests (hypothesis): monotone f, honest f and counts, honest convergence; a fuzzed CLI."""

import autograd.numpy as anp
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import optbench
from optbench import Problem
from optbench.cli import app

METHODS = ["gd", "newton", "newton-cg", "lbfgs"]
FAST = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def convex_quadratics(draw):
    n = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**31 - 1))
    cond = draw(st.floats(1.0, 1e3))
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    lam = np.geomspace(1.0, cond, n)
    A = (Q * lam) @ Q.T
    b = rng.standard_normal(n)
    return A, b, rng.standard_normal(n)


def counted(f):
    calls = {"n": 0}

    def wrapped(x):
        calls["n"] += 1
        return f(x)

    return wrapped, calls


def check_invariants(prob, r, calls, method):
    f = np.array(r.trace.column("f"))
    # f never increases between accepted iterates (all four methods use a line search by default)
    assert np.all(np.diff(f) <= 1e-12 * np.maximum(1.0, np.abs(f[:-1]))), method
    # the reported f is f(x) recomputed at the returned x
    assert r.fun == prob.f(r.x)
    # the counts equal the real calls of the user's function
    assert r.nfev == calls["n"]
    # converged ⇒ the gradient test holds at the returned x
    if r.status.value == "converged":
        g = optbench.core.oracle.Oracle(prob).grad(r.x)
        assert np.max(np.abs(g)) <= r.gtol


@FAST
@given(data=convex_quadratics(), method=st.sampled_from(METHODS))
def test_properties_on_random_convex_quadratics(data, method):
    A, b, x0 = data
    f, calls = counted(lambda x: 0.5 * anp.dot(x, anp.dot(A, x)) - anp.dot(b, x))
    prob = Problem(f, x0=x0)
    r = optbench.solve(prob, method, max_iter=500)
    calls_after_run = calls["n"]
    check_invariants(prob, r, {"n": calls_after_run}, method)
    x_star = np.linalg.solve(A, b)
    if method == "gd" and r.status.value == "max_iter":  # κ up to 1e3: steepest descent may need more
        assert r.fun <= prob.f(x0) and r.nit == 500
        return
    # every other method solves a convex quadratic within the budget, to the accuracy gtol implies
    assert r.status.value == "converged", (method, r.message)
    assert np.linalg.norm(r.x - x_star) <= 1e-6 * np.linalg.norm(np.linalg.inv(A), 2) * np.sqrt(len(b)) * 1.01


@FAST
@given(
    n=st.integers(2, 6),
    a=st.floats(0.5, 2.0),
    b=st.floats(1.0, 100.0),
    method=st.sampled_from(METHODS),
)
def test_properties_on_random_rosenbrock(n, a, b, method):
    def f(x):
        return anp.sum(b * (x[1:] - x[:-1] ** 2) ** 2 + (a - x[:-1]) ** 2)

    f, calls = counted(f)
    prob = Problem(f, x0=np.array([-1.2 if i % 2 == 0 else 1.0 for i in range(n)]))
    r = optbench.solve(prob, method, max_iter=300)
    check_invariants(prob, r, {"n": calls["n"]}, method)


runner = CliRunner()
WORDS = st.sampled_from([
    "solve", "list", "check", "rosenbrock", "quadratic", "-m", "--method", "-p", "-o", "--x0", "--gtol",
    "--max-iter", "--max-time", "--csv", "--json", "--quiet", "n=", "n=abc", "n=-3", "n=0", "lr=", "lr=-1",
    "eta=2", "m=0", "nan", "inf", "-1", "1e309", "1,abc", ",", "", "x.py:y", "/dev/null/x.csv", "newtn",
    "gd", "lbfgs", "newton", "newton-cg", "variant=weird", "cond=-1", "--norm", "7", "--rows", "0",
])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(args=st.lists(WORDS, min_size=1, max_size=6))
def test_cli_never_prints_a_traceback(args):
    args = [a for a in args if a != "check"] or ["list"]  # `check` is slow; it has its own tests
    if "--max-iter" not in args:
        args += ["--max-iter", "50"] if args[0] == "solve" else []
    r = runner.invoke(app, args)
    assert "Traceback" not in r.output and "internal error" not in r.output, (args, r.output)
    assert r.exit_code in (0, 1, 2), (args, r.exit_code, r.output)
    ours = r.stderr.startswith("error: ") and r.stderr.count("\n") == 1  # our one-line message
    if r.exit_code == 1:  # a run that could not be carried out says so in one line
        assert ours, (args, r.stderr)
    elif r.exit_code == 2:  # a refused input, a malformed command line included: one line too
        assert ours, (args, r.stderr)
    if r.exit_code != 0 and r.exception is not None and not isinstance(r.exception, SystemExit):
        raise AssertionError(f"uncaught {type(r.exception).__name__}: {r.exception} for {args}")
