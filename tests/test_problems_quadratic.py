"""The classic results on `quadratic`: Newton in one step, CG in ≤ n, gd slowing down with cond."""

from __future__ import annotations

import csv
import re

import numpy as np
import pytest
from typer.testing import CliRunner

import optbench
from optbench import make_problem
from optbench.cli import app

N, COND = 100, 1e4
EXACT_CG = {"forcing": "constant", "eta": 1e-10}  # inner CG run to ‖r‖ ≤ 1e-10‖∇f‖: a Newton solve


def test_newton_converges_in_one_iteration_on_the_cli(tmp_path):
    result = CliRunner().invoke(app, ["solve", "quadratic", "-p", f"n={N}", "-p", "cond=1e4", "-m", "newton", "-q"])
    assert result.exit_code == 0, result.stderr
    assert "Status: converged" in result.stdout
    assert re.search(r"Iterations:\s+1\n", result.stdout)


def test_newton_one_step_lands_on_x_star():
    prob = make_problem("quadratic", {"n": N, "cond": COND})
    r = optbench.solve("quadratic", "newton", params={"n": N, "cond": COND})
    assert r.nit == 1 and r.status.value == "converged"
    assert np.max(np.abs(r.x - prob.x_star)) <= 1e-10
    assert r.fun == pytest.approx(prob.f_star, rel=1e-12)


def inner_counts_from_cli(tmp_path, spectrum: str, options: dict) -> tuple[int, list[int]]:
    """Run newton-cg through the CLI with --csv; return (iterations, the inner_iter column)."""
    path = tmp_path / f"trace_{spectrum}.csv"
    args = ["solve", "quadratic", "-p", f"n={N}", "-p", "cond=1e4", "-p", f"spectrum={spectrum}",
            "-m", "newton-cg", "-q", "--csv", str(path)]
    for k, v in options.items():
        args += ["-o", f"{k}={v}"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert "Status: converged" in result.stdout
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    return int(rows[-1]["iter"]), [int(r["inner_iter"]) for r in rows]


def test_newton_cg_inner_iterations_at_most_n(tmp_path):
    """CG solves an n×n SPD system in at most n iterations (N&W Thm 5.1): one outer step suffices."""
    nit, inner = inner_counts_from_cli(tmp_path, "uniform", EXACT_CG)
    assert nit == 1
    assert 0 < sum(inner) <= N


def test_newton_cg_clustered_spectrum_needs_far_fewer_inner_iterations(tmp_path):
    """With five tight eigenvalue clusters CG needs about a handful of iterations per cluster."""
    _, uniform = inner_counts_from_cli(tmp_path, "uniform", EXACT_CG)
    nit, clustered = inner_counts_from_cli(tmp_path, "clustered", EXACT_CG)
    assert nit == 1
    assert sum(clustered) <= 30 and 2 * sum(clustered) < sum(uniform)
    # with the default (inexact, superlinear) forcing the restarts cost more in total, but the
    # clustered problem still needs fewer than n inner iterations overall
    _, default_clustered = inner_counts_from_cli(tmp_path, "clustered", {})
    assert sum(default_clustered) < N


def test_newton_cg_inner_count_equals_hvp_count():
    """The inner_iter column counts real Hessian-vector products: their total equals nhvp.

    After the last row, the curvature check at convergence adds the products its message reports
    (between LANCZOS_STEPS and LANCZOS_MAX).
    """
    import re

    from optbench.solvers.curvature import LANCZOS_MAX, LANCZOS_STEPS

    r = optbench.solve("quadratic", "newton-cg", params={"n": N, "cond": COND})
    assert r.status.value == "converged"
    assert sum(r.trace.column("inner_iter")) == r.trace.column("nhvp")[-1]
    spent = int(re.search(r"Lanczos, (\d+) Hessian-vector products", r.message).group(1))
    assert LANCZOS_STEPS <= spent <= LANCZOS_MAX
    assert r.nhvp == r.trace.column("nhvp")[-1] + spent and r.nhev == 0


def test_gd_iterations_grow_with_cond():
    """Steepest descent needs O(κ log 1/ε) iterations (N&W Thm 3.3); ε = 1e-3 shows it in ~600 steps."""
    counts = []
    for cond in (10, 100, 1000):
        r = optbench.solve("quadratic", "gd", params={"n": 50, "cond": cond}, gtol=1e-3)
        assert r.status.value == "converged", r.message
        counts.append(r.nit)
    assert counts[0] < counts[1] < counts[2]
    assert counts[1] > 4 * counts[0] and counts[2] > 4 * counts[1]


def test_quadratic_is_deterministic_per_seed_and_differs_across_seeds():
    a, b = make_problem("quadratic", {"n": 20, "seed": 7}), make_problem("quadratic", {"n": 20, "seed": 7})
    c = make_problem("quadratic", {"n": 20, "seed": 8})
    x = np.linspace(-1, 1, 20)
    assert float(a.f(x)) == float(b.f(x)) and np.array_equal(a.x_star, b.x_star)
    assert float(a.f(x)) != float(c.f(x))


def test_large_quadratic_uses_the_cheap_exact_construction():
    """n ≥ 2000: Householder Q, A never formed; x* exact, lbfgs finds it quickly."""
    prob = make_problem("quadratic", {"n": 5000, "cond": 10.0, "derivatives": "analytic"})
    assert np.max(np.abs(prob.grad(prob.x_star))) <= 1e-14
    r = optbench.solve(prob, "lbfgs")
    assert r.status.value == "converged"
    assert np.max(np.abs(r.x - prob.x_star)) <= 1e-5


@pytest.mark.parametrize("params,message", [
    ({"cond": "0.5"}, "problem 'quadratic': cond must be a finite number ≥ 1, got 0.5"),
    ({"n": "0"}, "problem 'quadratic': n must be at least 1, got 0"),
    ({"spectrum": "lg"}, "quadratic parameter 'spectrum' must be one of uniform, log, clustered, got 'lg'; did you mean 'log'?"),
])
def test_bad_parameters(params, message):
    with pytest.raises(optbench.UsageError) as e:
        make_problem("quadratic", params)
    assert str(e.value) == message
