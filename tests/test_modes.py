"""Forward vs reverse mode Jacobians: pass counts and correctness (never timings)."""

import json

import autograd.numpy as np
import numpy as onp
import pytest
from typer.testing import CliRunner

import optbench
from optbench.lab.autodiff import jacobian_forward, jacobian_reverse
from optbench.cli import app
from optbench.lab.modes import tanh_stack


def fd_jacobian(F, x, h=1e-6):
    cols = [(onp.asarray(F(x + h * e)) - onp.asarray(F(x - h * e))) / (2 * h) for e in onp.eye(x.size)]
    return onp.stack(cols, axis=1)


def test_both_modes_on_a_known_map():
    calls = []

    def F(x):
        calls.append(1)
        return np.array([x[0] * x[1], np.sin(x[0]), x[1] ** 3, x[0] + 2 * x[1]])

    x = onp.array([0.3, -1.7])
    exact = onp.array([[x[1], x[0]], [onp.cos(x[0]), 0.0], [0.0, 3 * x[1] ** 2], [1.0, 2.0]])
    J, passes = jacobian_forward(F, x)
    assert passes == 2 and len(calls) == 2  # one traced evaluation per JVP
    onp.testing.assert_allclose(J, exact, rtol=1e-14, atol=1e-15)
    calls.clear()
    J, passes = jacobian_reverse(F, x)
    assert passes == 4 and len(calls) == 1  # one trace, then 4 backward passes
    onp.testing.assert_allclose(J, exact, rtol=1e-14, atol=1e-15)


def test_tanh_stack_closed_form_jacobian_matches_finite_differences():
    F = tanh_stack(4, 3, width=6, depth=3, seed=5)
    x = onp.random.default_rng(0).standard_normal(4)
    onp.testing.assert_allclose(F.jacobian(x), fd_jacobian(F, x), rtol=1e-7, atol=1e-9)


def test_modes_grid_counts_and_correctness():
    rep = optbench.modes([2, 7], [3, 11], width=8, depth=2, seed=1, budget=0.0)
    assert [(c.n, c.m) for c in rep.cells] == [(2, 3), (2, 11), (7, 3), (7, 11)]
    for c in rep.cells:
        assert c.forward_passes == c.n and c.forward_calls == c.n
        assert c.reverse_passes == c.m and c.reverse_calls == 1
        assert c.forward_error < 1e-13 and c.reverse_error < 1e-13
        assert c.forward_seconds > 0 and c.reverse_seconds > 0
        assert c.predicted == ("forward" if c.n < c.m else "reverse")
    d = rep.to_dict()
    assert set(d["cells"][0]) >= {"faster", "predicted", "forward_seconds", "reverse_passes"}


def test_modes_cli_table_and_json(tmp_path):
    runner = CliRunner()
    r = runner.invoke(app, ["modes", "--n", "1,20", "--m", "1,20", "--width", "8"])
    assert r.exit_code == 0, r.stderr
    assert "fwd passes (JVPs)" in r.stdout and "cells with n ≠ m" in r.stdout
    r = runner.invoke(app, ["modes", "--n", "3", "--m", "2,5", "--json"])
    cells = json.loads(r.stdout)["cells"]
    assert [(c["n"], c["m"], c["forward_passes"], c["reverse_passes"]) for c in cells] == [(3, 2, 3, 2), (3, 5, 3, 5)]
    out = tmp_path / "modes.png"
    r = runner.invoke(app, ["modes", "--n", "1,4", "--m", "1,4", "--plot", str(out)])
    assert r.exit_code == 0 and out.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("args,message", [(["--n", "0,10"], "--n: 0 is not a positive integer"),
                                          (["--m", "ten"], "--m: 'ten' is not a positive integer"),
                                          (["--width", "0"], "--width and --depth must be positive")])
def test_modes_usage_errors(args, message):
    r = CliRunner().invoke(app, ["modes", *args])
    assert r.exit_code == 2 and message in r.stderr
