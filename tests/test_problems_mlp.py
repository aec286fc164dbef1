"""The mlp and logistic problems: training with lbfgs, accuracy metric, datasets and CSV files."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import optbench
from optbench import UsageError, make_problem
from optbench.cli import app
from optbench.datasets import BUILTIN, load_csv, make_dataset

DATA = Path(__file__).parent / "data"


def test_default_mlp_trains_with_lbfgs_to_gtol_1e5_with_high_accuracy():
    r = optbench.solve("mlp", "lbfgs", gtol=1e-5)
    assert r.status.value == "converged", r.message  # measured: ≈ 200 iterations, under a second
    assert r.grad_norm <= 1e-5 and r.nit < 1000
    assert r.metrics["train_accuracy"] >= 0.97
    assert r.fun < 0.2


def test_mlp_accuracy_is_printed_in_the_summary():
    result = CliRunner().invoke(app, ["solve", "mlp", "-m", "lbfgs", "--gtol", "1e-5", "-q"])
    assert result.exit_code == 0, result.stderr
    m = re.search(r"train accuracy:\s+([0-9.]+)", result.stdout)
    assert m and float(m.group(1)) >= 0.97


@pytest.mark.parametrize("params", [
    {"hidden": "8,6", "activation": "relu", "dataset": "blobs", "n_samples": 90},
    {"dataset": "xor", "hidden": "8"},
    {"dataset": "spirals", "hidden": "16", "weight_decay": 1e-4, "n_samples": 100},
])
def test_other_architectures_and_datasets_train(params):
    r = optbench.solve("mlp", "lbfgs", params=params, gtol=1e-5, max_iter=3000)
    assert r.status.value in ("converged", "max_iter", "line_search_failed")  # relu: piecewise smooth
    assert r.metrics["train_accuracy"] >= 0.9


def test_mlp_dimension_and_initialisation_are_seeded():
    a, b = make_problem("mlp", {"hidden": "5,4"}), make_problem("mlp", {"hidden": "5,4"})
    assert a.n == (2 * 5 + 5) + (5 * 4 + 4) + (4 * 2 + 2)
    assert np.array_equal(a.x0, b.x0) and float(a.f(a.x0)) == float(b.f(b.x0))
    c = make_problem("mlp", {"hidden": "5,4", "seed": 1})
    assert not np.array_equal(a.x0, c.x0)


def test_weight_decay_term_is_lambda_times_sum_of_squared_weights():
    no_decay = make_problem("mlp", {"weight_decay": 0.0})
    decay = make_problem("mlp", {"weight_decay": 0.5})
    w = no_decay.x0
    # the weights of the packed vector: W1 (2×16), b1 (16), W2 (16×2), b2 (2)
    weights = np.concatenate([w[:32], w[48:80]])
    assert float(decay.f(w)) - float(no_decay.f(w)) == pytest.approx(0.5 * weights @ weights, rel=1e-12)


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_datasets_are_deterministic_and_balanced(name):
    X1, y1 = make_dataset(name, 120, 3)
    X2, y2 = make_dataset(name, 120, 3)
    assert X1.shape == (120, 2) and np.array_equal(X1, X2) and np.array_equal(y1, y2)
    counts = np.bincount(y1)
    assert counts.min() >= 120 // len(counts) - 1


def test_mlp_on_a_csv_file():
    r = optbench.solve("mlp", "lbfgs", params={"dataset": str(DATA / "three_class.csv"), "hidden": "4"}, gtol=1e-5)
    assert r.status.value == "converged"
    assert r.metrics["train_accuracy"] >= 0.95
    assert make_problem("mlp", {"dataset": str(DATA / "three_class.csv"), "hidden": "4"}).n == 3 * 4 + 4 + 4 * 3 + 3


def test_csv_reader_header_and_text_labels():
    X, y, classes = load_csv(DATA / "two_class.csv")
    assert X.shape == (40, 2) and classes == ["setosa", "versicolor"]
    assert list(y[:4]) == [0, 1, 0, 1]


@pytest.mark.parametrize("filename,detail", [
    ("ragged.csv", "line 4: expected 3 comma-separated values, got 2"),
    ("not_numeric.csv", "line 2, column 2: 'abc' is not a number"),
])
def test_malformed_csv_one_line_error(filename, detail):
    path = DATA / filename
    result = CliRunner().invoke(app, ["solve", "mlp", "-p", f"dataset={path}"])
    assert result.exit_code == 2
    assert result.stderr == f"error: problem 'mlp': dataset file '{path}' {detail}\n"


def test_unknown_dataset_and_bad_hidden():
    with pytest.raises(UsageError) as e:
        make_problem("mlp", {"dataset": "spiralz"})
    assert str(e.value) == ("problem 'mlp': dataset 'spiralz' is neither a built-in set "
                            "(spirals, blobs, moons, xor) nor a CSV file")
    with pytest.raises(UsageError) as e:
        make_problem("mlp", {"hidden": "32,x"})
    assert str(e.value) == "mlp parameter 'hidden' must be integers joined by x, like 32x16; got '32,x' (an empty entry)"
    with pytest.raises(UsageError) as e:
        make_problem("mlp", {"hidden": "32x0"})
    assert str(e.value) == "problem 'mlp': hidden must be positive layer sizes like 32 or 32x16, got '32x0'"
    with pytest.raises(UsageError) as e:
        make_problem("mlp", {"dataset": str(DATA / "missing.csv")})
    assert str(e.value) == f"problem 'mlp': dataset file '{DATA / 'missing.csv'}' not found"


# --------------------------------------------------------------------------- logistic
EPS = np.finfo(float).eps


def _logistic_module():
    from optbench.core.problem import load_bundled, registry

    load_bundled()
    return registry()["logistic"].factory.__globals__


def _bounds_from_strong_convexity(prob, reg, x):
    """f(x) − f* ≤ ‖∇f(x)‖²/(2·reg) and ‖x − x*‖ ≤ ‖∇f(x)‖/reg (f is reg-strongly convex),
    the same for the computed x̂* (its own gradient), plus rounding of the two values of f
    (a mean of N positive terms, each a few ulps: 64 ulps of |f*| is ample)."""
    from optbench.core.oracle import Oracle

    oracle = Oracle(prob)
    g, g_star = np.linalg.norm(oracle.grad(x)), np.linalg.norm(oracle.grad(prob.x_star))
    f_tol = (g ** 2 + g_star ** 2) / (2 * reg) + 64 * EPS * abs(prob.f_star)
    x_tol = (g + g_star) / reg
    return f_tol, x_tol


def test_logistic_f_star_is_accurate():
    prob = make_problem("logistic")
    assert prob.f_star is not None
    for method in ("lbfgs", "newton"):
        r = optbench.solve("logistic", method, gtol=1e-10)
        assert r.status.value == "converged"
        f_tol, x_tol = _bounds_from_strong_convexity(prob, 1e-2, r.x)
        assert f_tol < 1e-13 and x_tol < 1e-7  # the bounds are tight: gtol = 1e-10, reg = 1e-2
        assert abs(r.fun - prob.f_star) <= f_tol
        assert np.linalg.norm(r.x - prob.x_star) <= x_tol
    assert 0.7 <= r.metrics["train_accuracy"] < 1.0  # 10% of the labels are flipped


@pytest.mark.parametrize("params", [{"reg": 1e-6, "n_samples": 60, "n_features": 40}, {"reg": 10.0}])
def test_logistic_f_star_for_weak_and_strong_regularisation(params):
    """The Newton solve succeeds over the range of reg: x* is stationary to rounding."""
    from optbench.core.oracle import Oracle

    prob = make_problem("logistic", params)
    assert prob.f_star is not None
    scale = 1.0  # maxⱼ mean|Aᵢⱼ| is 1 for the intercept column and < 1 for N(0, 1) features
    assert np.max(np.abs(Oracle(prob).grad(prob.x_star))) <= 1e-12 * scale
    r = optbench.solve(prob, "newton", gtol=1e-10)
    f_tol, _ = _bounds_from_strong_convexity(prob, params["reg"], r.x)
    assert r.status.value == "converged" and abs(r.fun - prob.f_star) <= f_tol


def test_logistic_newton_accepts_the_rounding_floor():
    """Asked for ‖∇f‖∞ ≤ 0 (impossible in floating point), the solve stops when, inside the region
    of quadratic convergence, the Newton decrement stops falling, and accepts its best point: it
    does not depend on hitting a target below rounding (the old line-searched solve returned None)."""
    mod = _logistic_module()
    X, y = mod["synthetic"](500, 20, 0)
    A = np.hstack([X, np.ones((500, 1))])
    exact = mod["newton_minimiser"](A, y, 1e-2, rtol=0.0)
    assert exact is not None
    prob = make_problem("logistic")
    w, f = exact
    assert np.max(np.abs(_grad(prob, w))) <= 1e-8
    f_tol, x_tol = _bounds_from_strong_convexity(prob, 1e-2, w)
    assert abs(f - prob.f_star) <= f_tol and np.linalg.norm(w - prob.x_star) <= x_tol


def test_logistic_f_star_does_not_depend_on_blas_threads():
    from threadpoolctl import threadpool_limits

    mod = _logistic_module()
    X, y = mod["synthetic"](300, 30, 1)
    A = np.hstack([X, np.ones((300, 1))])
    with threadpool_limits(1):
        one = mod["newton_minimiser"](A, y, 1e-3)
    with threadpool_limits(2):
        two = mod["newton_minimiser"](A, y, 1e-3)
    assert one is not None and two is not None
    # each is stationary to ‖∇f‖∞ ≤ 1e-12 (scale 1, the intercept column), so ‖∇f‖₂² ≤ 31e-24 and
    # each value is within ‖∇f‖₂²/(2·reg) of f*; plus rounding of the two values
    assert abs(one[1] - two[1]) <= 2 * (31e-24 / (2 * 1e-3)) + 64 * EPS * abs(one[1])


def _grad(prob, w):
    from optbench.core.oracle import Oracle

    return Oracle(prob).grad(w)


def test_logistic_on_csv_and_class_count_check():
    path = DATA / "two_class.csv"
    prob = make_problem("logistic", {"dataset": str(path)})
    assert prob.n == 3 and prob.f_star is not None
    r = optbench.solve(prob, "lbfgs")
    assert r.status.value == "converged" and r.metrics["train_accuracy"] >= 0.95
    with pytest.raises(UsageError) as e:
        make_problem("logistic", {"dataset": str(DATA / "three_class.csv")})
    assert str(e.value) == (f"problem 'logistic': dataset file '{DATA / 'three_class.csv'}' has 3 classes; "
                            "logistic needs exactly 2 (use the mlp problem for more)")


def test_logistic_large_dimension_leaves_f_star_unknown():
    prob = make_problem("logistic", {"n_features": 600, "n_samples": 50})
    assert prob.f_star is None and prob.x_star is None and prob.n == 601
