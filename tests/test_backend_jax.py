"""The JAX backend: same iterates, statuses and counts as autograd; compile time apart; the missing-JAX error.

JAX's derivatives differ from autograd's by rounding only (another summation order, fused
multiply-adds): :func:`test_derivatives_agree_on_every_bundled_problem` holds f, ∇f, ∇²f·v and
∇²f to 1e-12 relative on every bundled problem and all 35 MGH problems. Whole runs then agree —
statuses, every counter, iterates to 1e-8 relative — wherever the run itself is not chaotic.
Where it is, rounding is amplified whatever the backend, so they are left out of the run
comparison (measured: the jax drift is of the size a one-ulp change of x0 causes on autograd
alone): gd on Rosenbrock, Wood, Beale and the MLP (far from converged after its budget: 1e-2),
newton on the MLP (a flat direction: both converge, 0.2 apart; a one-ulp x0 change moves 0.19),
lbfgs on Wood and on extended Rosenbrock (an Armijo test decided by rounding: one more
iteration), gd on the quadratic (the same, near gtol).
"""

from __future__ import annotations

import builtins
import importlib.util

import numpy as np
import pytest

import optbench
from optbench.core.errors import UsageError

#: (problem, params) → methods whose runs are compared exactly across backends
RUNS = [
    ("rosenbrock", {}, ["newton", "newton-cg", "lbfgs", "trust-ncg"]),
    ("rosenbrock", {"n": 20, "variant": "extended"}, ["newton", "trust-ncg"]),  # coloured (vmap) Hessian
    ("quadratic", {"n": 20}, ["newton", "newton-cg", "lbfgs", "trust-ncg"]),
    ("logistic", {"n_samples": 80, "n_features": 5}, ["gd", "newton", "newton-cg", "lbfgs", "trust-ncg"]),
    ("mlp", {"hidden": "4", "n_samples": 40}, ["lbfgs"]),
    ("mgh", {"id": 7}, ["gd", "newton", "newton-cg", "lbfgs", "trust-ncg"]),  # helical valley: arctan2, where
]
COUNTS = ("nit", "nfev", "njev", "nhvp", "nhev")


def _no_jax(monkeypatch):
    real = builtins.__import__

    def fake(name, *args, **kwargs):
        if name == "jax" or name.startswith("jax."):
            raise ImportError("No module named 'jax'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)


def test_without_jax_the_backend_is_a_one_line_usage_error(monkeypatch):
    from typer.testing import CliRunner

    from optbench.cli import app

    _no_jax(monkeypatch)
    with pytest.raises(UsageError, match=r'pip install "optbench\[jax\]"'):
        optbench.solve("rosenbrock", "lbfgs", backend="jax")
    r = CliRunner().invoke(app, ["solve", "rosenbrock", "--backend", "jax"])
    assert r.exit_code == 2
    assert r.output.strip().splitlines() == [
        'error: --backend jax needs JAX, which is not installed: pip install "optbench[jax]"']
    r = CliRunner().invoke(app, ["compare", "rosenbrock", "-m", "lbfgs", "--backend", "autograd,jax", "--out", "x"])
    assert r.exit_code == 2 and "pip install" in r.output and "Traceback" not in r.output


def test_an_unknown_backend_is_named():
    with pytest.raises(UsageError, match="backend 'jx' not found; did you mean 'jax'"):
        optbench.solve("rosenbrock", "lbfgs", backend="jx")


HAVE_JAX = importlib.util.find_spec("jax") is not None
needs_jax = pytest.mark.skipif(not HAVE_JAX, reason='needs JAX: pip install ".[jax]"')


@needs_jax
@pytest.mark.parametrize("problem,params,methods", RUNS, ids=lambda v: str(v))
def test_both_backends_give_the_same_runs(problem, params, methods):
    prob = optbench.make_problem(problem, params)  # one instance: compiled once for all methods
    for method in methods:
        a = optbench.solve(prob, method, max_iter=300)
        j = optbench.solve(prob, method, max_iter=300, backend="jax")
        where = f"{problem}{params} {method}"
        assert a.status == j.status, where
        assert [getattr(a, c) for c in COUNTS] == [getattr(j, c) for c in COUNTS], where
        scale = max(1.0, float(np.max(np.abs(a.x))))
        assert np.max(np.abs(a.x - j.x)) <= 1e-8 * scale, where
        assert abs(a.fun - j.fun) <= 1e-8 * max(1.0, abs(a.fun)), where
        for col in ("nfev", "ngev", "nhvp", "nhev"):
            assert a.trace.data[col] == j.trace.data[col], (where, col)
        assert (a.backend, j.backend) == ("autograd", "jax")


def _bundled(mgh_ids):
    from optbench.core.problem import registry

    for name, spec in sorted(registry().items()):
        if name == "mgh":
            yield from (spec.build(id=i) for i in mgh_ids)
        elif name == "mlp":
            yield from (spec.build(hidden="3", n_samples=20), spec.build(hidden="3", n_samples=20, depth=2, checkpoint=1))
        else:
            yield spec.build()


@needs_jax
@pytest.mark.parametrize("mgh_ids", [
    (7, 20, 35),  # arctan2/where, a 31-residual Watson, Chebyquad
    pytest.param(tuple(range(1, 36)), marks=pytest.mark.slow),  # all of MGH (about 100 s of compiling)
], ids=["sample", "all-mgh"])
def test_derivatives_agree_on_every_bundled_problem(mgh_ids):
    from optbench.core.backends.jax_oracle import JaxOracle
    from optbench.core.oracle import Oracle

    worst, checked = 0.0, 0
    for p in _bundled(mgh_ids):
        x = p.x0 * 1.01 + 0.01
        a, j = Oracle(p, linearize_gradients=True), JaxOracle(p, linearize_gradients=True)
        fa, ga = a.value_and_grad(x)
        fj, gj = j.value_and_grad(x)
        v = np.cos(np.arange(p.n))
        pairs = [(fa, fj), (ga, gj), (a.hvp_operator(x)(v), j.hvp_operator(x)(v)), (a.hess(x), j.hess(x))]
        for u, w in pairs:
            err = np.max(np.abs(np.asarray(u) - w)) / max(np.max(np.abs(u)), 1e-300)
            assert err <= 1e-12, (p.label, err)
            worst = max(worst, err)
        assert a.counts.as_dict() == j.counts.as_dict(), p.label
        checked += 1
    assert checked >= 10 + len(mgh_ids)


@needs_jax
def test_compile_time_is_reported_apart_and_once_per_problem_instance():
    prob = optbench.make_problem("rosenbrock", {"n": 30})
    first = optbench.solve(prob, "newton-cg", backend="jax")
    again = optbench.solve(prob, "newton-cg", backend="jax")
    assert first.compile_time > 0 and again.compile_time == 0.0
    assert first.trace.data["note"][0].startswith("jax: compiled 4 functions in")  # f, value_and_grad, linearize, apply
    assert again.trace.data["note"][0] == "jax: compiled earlier (cache)"
    assert first.summary()["compile_time"] == first.compile_time and first.summary()["backend"] == "jax"
    assert "backend" not in optbench.solve(prob, "newton-cg").summary()  # the default's summary is unchanged
    # the run's clock starts after compiling: the first iteration is not charged for it
    assert first.trace.data["time"][1] < first.compile_time


@needs_jax
def test_counters_equal_the_calls_of_the_compiled_functions():
    from optbench.core.backends.jax_oracle import JaxOracle, compiled_for

    prob = optbench.make_problem("quadratic", {"n": 12})
    calls = {}
    c = compiled_for(prob)
    for name, fn in list(c.functions.items()):
        def counting(*args, _fn=fn, _name=name):
            calls[_name] = calls.get(_name, 0) + 1
            return _fn(*args)
        c.functions[name] = counting
    o = JaxOracle(prob, linearize_gradients=False)
    x = prob.x0 + 0.5
    o.value_and_grad(x)
    o.value_and_grad(x)  # cached: no call, no count
    o.f(x)  # cached too
    o.hvp(x, np.ones(12))
    op = o.hvp_operator(x + 1)
    op(np.ones(12))
    op(np.arange(12.0))
    H = o.hess(x + 1)  # at the linearized point: one batched call
    assert calls == {"value_and_grad": 1, "hvp": 1, "linearize": 1, "apply": 2, "dense": 1}
    assert o.counts.as_dict() == {"nfev": 3, "ngev": 1, "nhvp": 3, "nhev": 1}
    from optbench.core.oracle import Oracle

    a = Oracle(prob)
    np.testing.assert_allclose(H, a.hess(x + 1), rtol=1e-12, atol=1e-12)
    assert H.flags.writeable and H.dtype == np.float64


@needs_jax
def test_coloured_hessian_matches_autograd():
    prob = optbench.make_problem("rosenbrock", {"n": 40})
    from optbench.core.backends.jax_oracle import JaxOracle
    from optbench.core.oracle import Oracle

    x = np.linspace(-1.0, 1.0, 40)
    a, j = Oracle(prob), JaxOracle(prob)
    Ha, Hj = a.sparse_hess(x), j.sparse_hess(x)
    assert (a.counts.as_dict(), j.counts.as_dict()) == ({"nfev": 1, "ngev": 0, "nhvp": 3, "nhev": 0},) * 2
    np.testing.assert_allclose(Hj.toarray(), Ha.toarray(), rtol=1e-13, atol=1e-12)


@needs_jax
def test_problem_files_follow_the_rule(tmp_path):
    from optbench.core.errors import PluginError

    autograd_only = tmp_path / "ag.py"
    autograd_only.write_text("import autograd.numpy as np\nfrom optbench import Problem, problem\n\n"
                             "@problem\ndef dotty(n: int = 3) -> Problem:\n"
                             "    return Problem(lambda x: np.dot(x, x) + np.sum(x), x0=np.ones(n))\n")
    assert optbench.solve(f"{autograd_only}:dotty", "lbfgs").success
    with pytest.raises(PluginError, match=r"JAX cannot trace f \(TracerArrayConversionError.*from optbench import np"):
        optbench.solve(f"{autograd_only}:dotty", "lbfgs", backend="jax")
    branching = tmp_path / "br.py"
    branching.write_text("from optbench import Problem, np, problem\n\n"
                         "@problem\ndef kink() -> Problem:\n"
                         "    return Problem(lambda x: x[0] ** 2 if x[0] > 0 else -x[0], x0=[1.0])\n")
    with pytest.raises(PluginError, match="JAX cannot trace f.*jnp.where"):
        optbench.solve(f"{branching}:kink", "lbfgs", backend="jax")
    r = optbench.solve("examples/jax/jax_problems.py:jax_bowl", "newton", backend="jax")
    assert r.success
    with pytest.raises(PluginError, match="f uses jax.numpy.*jax backend"):
        optbench.solve("examples/jax/jax_problems.py:jax_bowl", "newton")


@needs_jax
def test_compare_runs_the_backends_as_a_grid_axis(tmp_path):
    from optbench.compare.session import run_comparison

    c = run_comparison(["rosenbrock"], ["lbfgs", "newton"], backends="autograd,jax", out=tmp_path / "r", plots=False)
    assert [r["method"] for r in c.rows] == ["lbfgs", "lbfgs@jax", "newton", "newton@jax"]
    assert [s.backend for s in c.specs] == ["autograd", "jax"] * 2
    import json

    assert json.loads((tmp_path / "r" / "manifest.json").read_text())["backends"] == ["autograd", "jax"]
    by = {r["method"]: r for r in c.rows}
    assert by["lbfgs"]["nit"] == by["lbfgs@jax"]["nit"] and by["newton"]["ngev"] == by["newton@jax"]["ngev"]
