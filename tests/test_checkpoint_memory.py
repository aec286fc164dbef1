"""Checkpointing (optbench.checkpoint), deep mlp with checkpoint=K, and ``optbench memory``."""

import gc
import json
import tracemalloc

import autograd.numpy as np
import numpy as onp
import pytest
from autograd import checkpoint as autograd_checkpoint
from autograd import grad
from autograd.core import make_jvp, make_vjp
from typer.testing import CliRunner

import optbench
from optbench import UsageError, make_problem
from optbench.cli import app
from optbench.lab.memory import default_ks, memory, theory_activations
from optbench.core.oracle import Oracle
from optbench.core.threads import blas_threads

runner = CliRunner()


def layers(h, W1, b1, W2, b2, scale=1.0):
    h = np.tanh(np.dot(h, W1) + b1)
    return scale * np.tanh(np.dot(h, W2) + b2)


def chain(block, depth, width, n, seed=0):
    """x ↦ Σ block(…block(X, W, b)…)² over ``depth`` blocks of two tanh layers, parameters packed in x."""
    rng = onp.random.default_rng(seed)
    X = rng.standard_normal((n, width))
    size = 2 * (width * width + width)

    def f(x):
        h = X
        for i in range(depth):
            p = x[i * size:(i + 1) * size]
            W1, b1 = np.reshape(p[:width * width], (width, width)), p[width * width:width * width + width]
            q = p[width * width + width:]
            W2, b2 = np.reshape(q[:width * width], (width, width)), q[width * width:]
            h = block(h, W1, b1, W2, b2, scale=0.9)
        return np.sum(h ** 2)

    x0 = rng.standard_normal(depth * size) / onp.sqrt(width)
    return f, x0


def peak_bytes(fn):
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fn()
        return tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()


# ---------------------------------------------------------------------------- the checkpoint itself
def test_checkpoint_gives_the_same_value_gradient_hvp_and_linearized_hvp():
    f, x = chain(layers, 3, 5, 7)
    fc, _ = chain(optbench.checkpoint(layers), 3, 5, 7)
    v = onp.random.default_rng(1).standard_normal(x.size)
    assert float(fc(x)) == float(f(x))
    g, gc_ = grad(f)(x), grad(fc)(x)
    assert onp.max(onp.abs(gc_ - g)) <= 1e-12 * onp.max(onp.abs(g))
    hv = make_jvp(grad(f), x)(v)[1]
    hvc = make_jvp(grad(fc), x)(v)[1]  # forward-over-reverse, as the oracle's hvp
    assert onp.max(onp.abs(hvc - hv)) <= 1e-12 * onp.max(onp.abs(hv))
    hvr = make_vjp(grad(fc), x)[0](v)  # reverse-over-reverse, as the oracle's linearization
    assert onp.max(onp.abs(hvr - hv)) <= 1e-10 * onp.max(onp.abs(hv))
    # and through the oracle's own paths
    prob = optbench.Problem(fc, x0=x)
    assert onp.allclose(Oracle(prob).hvp(x, v), hv, rtol=0, atol=1e-12 * onp.max(onp.abs(hv)))
    assert onp.allclose(Oracle(prob).hvp_operator(x)(v), hv, rtol=0, atol=1e-10 * onp.max(onp.abs(hv)))


def test_checkpoint_recomputes_in_the_backward_pass_not_when_the_forward_pass_records():
    """autograd's shipped checkpoint traces the segment at forward time, once per argument: this catches it."""
    calls = {"n": 0}

    def counted(h, W1, b1, W2, b2, scale=1.0):
        calls["n"] += 1
        return layers(h, W1, b1, W2, b2, scale=scale)

    for wrap, forward_calls, total_calls in ((optbench.checkpoint, 1, 2), (autograd_checkpoint, 5, 5)):
        calls["n"] = 0
        f, x = chain(wrap(counted), 1, 4, 3)
        vjp, _ = make_vjp(f, x)
        assert calls["n"] == forward_calls, wrap  # ours: the plain run; autograd's: + one trace per argument
        vjp(1.0)
        assert calls["n"] == total_calls, wrap  # ours: one recomputation for all four parameter arrays


def test_checkpoint_lowers_peak_memory_and_autograds_shipped_one_does_not():
    # 12 blocks of 2 layers, 32 units, 512 samples: an activation is 131 kB, the weights 200 kB in all
    f, x = chain(layers, 12, 32, 512)
    fc, _ = chain(optbench.checkpoint(layers), 12, 32, 512)
    fa, _ = chain(autograd_checkpoint(layers), 12, 32, 512)
    with blas_threads(1):
        plain = peak_bytes(lambda: grad(f)(x))
        ours = peak_bytes(lambda: grad(fc)(x))
        shipped = peak_bytes(lambda: grad(fa)(x))
    # theory in activations: 2 per layer × 24 layers = 48 without; 12 inputs + 4 of one block = 16 with
    assert ours < 0.6 * plain, (ours, plain)
    assert shipped > 0.9 * plain, (shipped, plain)  # the claim in docs/derivative_lab.md


def test_checkpoint_of_a_function_independent_of_its_input_gives_zero_gradients():
    const = optbench.checkpoint(lambda h, W: np.ones(3) * 2.0)
    g = grad(lambda w: np.sum(const(w, w)) + np.sum(w))(onp.ones(3))
    assert onp.array_equal(g, onp.ones(3))


# ---------------------------------------------------------------------------- the mlp
@pytest.mark.parametrize("params", [
    {"hidden": "6", "depth": 5, "checkpoint": 1},
    {"hidden": "6", "depth": 5, "checkpoint": 2},  # segments 2, 2, 1
    {"hidden": "6", "depth": 5, "checkpoint": 5, "activation": "relu"},
    {"hidden": "7,5,4", "checkpoint": 2},
])
def test_mlp_with_checkpointing_has_identical_value_gradient_and_hvp(params):
    base = make_problem("mlp", {k: v for k, v in params.items() if k != "checkpoint"})
    ck = make_problem("mlp", params)
    x = base.x0 + 0.1 * onp.random.default_rng(2).standard_normal(base.n)
    v = onp.random.default_rng(3).standard_normal(base.n)
    assert onp.array_equal(ck.x0, base.x0)
    fa, ga = Oracle(base).value_and_grad(x)
    fb, gb = Oracle(ck).value_and_grad(x)
    assert fa == fb
    assert onp.max(onp.abs(ga - gb)) <= 1e-12 * onp.max(onp.abs(ga))
    ha, hb = Oracle(base).hvp(x, v), Oracle(ck).hvp(x, v)
    assert onp.max(onp.abs(ha - hb)) <= 1e-12 * onp.max(onp.abs(ha))


def test_mlp_depth_stacks_one_size_and_bad_values_are_usage_errors():
    assert make_problem("mlp", {"hidden": "5", "depth": 3}).n == make_problem("mlp", {"hidden": "5,5,5"}).n
    assert make_problem("mlp").n == make_problem("mlp", {"depth": 0, "checkpoint": 0}).n == 2 * 16 + 16 + 16 * 2 + 2
    for params, word in (({"hidden": "5,4", "depth": 3}, "single size"), ({"depth": -1}, "depth"),
                         ({"checkpoint": -2}, "checkpoint")):
        with pytest.raises(UsageError, match=word):
            make_problem("mlp", params)


# ---------------------------------------------------------------------------- optbench memory
def test_memory_sweep_measures_less_memory_with_checkpointing_and_identical_derivatives():
    # 16 layers × 32 units on 512 samples: an activation is 131 kB; theory 32 activations off, 4 + 8 at K = 4 (×0.375);
    # measured 0.55: data, weights and gradient come on top
    rep = memory("mlp", {"hidden": "32", "depth": 16, "n_samples": 512}, [4], repeat=1)
    assert [r.k for r in rep.rows] == [0, 4] and rep.rows[1].segments == 4
    for row in rep.rows:
        assert row.grad_difference <= 1e-12 and row.hvp_difference <= 1e-12
    r4 = rep.ratios(rep.rows[1])
    assert r4["grad_memory"] < 0.7 and r4["hvp_memory"] < 0.7, r4
    assert r4["theory_memory"] == pytest.approx(12 / 32)


def test_default_sweep_and_theory():
    assert default_ks(64) == [1, 2, 4, 8, 16, 32, 64]
    assert default_ks(10) == [1, 2, 3, 4, 8, 10]
    assert theory_activations(64, 0) == 128 and theory_activations(64, 8) == 8 + 16


def test_memory_command_json_fields_and_plot(tmp_path):
    out = tmp_path / "m.png"
    res = runner.invoke(app, ["memory", "mlp", "-p", "hidden=8", "-p", "depth=4", "-p", "n_samples=64",
                              "--k", "1,2", "--repeat", "1", "--json", "--plot", str(out)])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["depth"] == 4 and d["problem"] == "mlp(hidden=8,depth=4,n_samples=64)"
    assert [r["k"] for r in d["rows"]] == [0, 1, 2]
    for key in ("segments", "grad_peak_bytes", "grad_seconds", "hvp_peak_bytes", "hvp_seconds",
                "theory_activations", "grad_difference", "hvp_difference", "ratios"):
        assert key in d["rows"][1]
    assert set(d["rows"][1]["ratios"]) == {"grad_memory", "grad_time", "hvp_memory", "hvp_time",
                                           "theory_memory", "theory_time"}
    assert d["rows"][0]["ratios"]["grad_memory"] == 1.0 and d["rows"][1]["grad_peak_bytes"] > 0
    assert out.stat().st_size > 1000


def test_memory_command_table():
    res = runner.invoke(app, ["memory", "-p", "hidden=8", "-p", "depth=2", "-p", "n_samples=32", "--repeat", "1"])
    assert res.exit_code == 0, res.output
    assert "Reverse-mode memory" in res.stdout and "theory: peak" in res.stdout and "off" in res.stdout


@pytest.mark.parametrize("args, fragment", [
    (["rosenbrock"], "no depth or checkpoint parameter"),
    (["mlp"], "depth=L"),
    (["mlp", "-p", "depth=4", "-p", "checkpoint=2"], "drop the parameter checkpoint (choose the segment sizes with --k)"),
    (["mlp", "-p", "depth=4", "--k", "0"], "--k"),
    (["mlp", "-p", "depth=4", "--k", "5"], "K=5"),
    (["mlp", "-p", "depth=4", "--repeat", "0"], "--repeat"),
    (["mlp", "-p", "depth=4", "--blas-threads", "-1"], "--blas-threads"),
    (["mlp", "-p", "depth=4", "--plot", "m.txt"], "--plot"),
    (["mlp", "-p", "depth=4", "-p", "hidden=4,4"], "single size"),
    (["nosuchproblem"], "not found"),
])
def test_memory_command_bad_input_is_a_one_line_usage_error(args, fragment):
    res = runner.invoke(app, ["memory", *args])
    assert res.exit_code == 2, (res.exit_code, res.output)
    assert fragment in res.stderr and res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
