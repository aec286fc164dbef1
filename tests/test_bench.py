"""The benchmark library and scripts: record keys, real counts, ratios, honesty flags, JSON (no timing asserts)."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from optbench import Problem
from optbench.bench.core import run_core
from optbench.bench.environment import environment
from optbench.bench.suite import CORE_KEYS, RECORD_KEYS, Case, measure_run, run_suite, suite_cases
from optbench.bench.report import write_bench_json
from optbench.cli.bench_render import core_table, suite_table
from optbench.cli import app
from optbench.core.problem import make_problem

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tiny_suite():
    cases = suite_cases(quick=True, max_n=2)
    assert [c.name for c in cases] == ["rosen-ext n=2 lbfgs", "rosen-chained n=2 lbfgs", "rosen-chained n=2 newton-cg"]
    return run_suite(cases[:1], repeats=2)


def test_quick_tier_tiny_records_have_the_exact_keys(tiny_suite):
    assert [(r["case"], r["method"], r["side"]) for r in tiny_suite] == [
        ("rosen-ext n=2 lbfgs", "lbfgs", "optbench"), ("rosen-ext n=2 lbfgs", "scipy:L-BFGS-B", "scipy")]
    for r in tiny_suite:
        assert tuple(r) == RECORD_KEYS
        assert r["n"] == 2 and r["repeats"] == 2 and len(r["times"]) == 2 and r["time"] == min(r["times"])
        assert r["reached_gtol"] and r["claimed_success"] and r["status"] == "converged"


def test_records_hold_the_counts_of_real_runs_and_their_ratios(tiny_suite):
    """The suite's counts are those of the same runs made directly, counting calls of f; ratios are ours/theirs."""
    import optbench
    from optbench import Problem

    ours, ref = tiny_suite
    assert ours["ratio_time"] is None and ref["reference_for"] == "lbfgs"
    real = {}
    for method in ("lbfgs", "scipy:L-BFGS-B"):
        base = make_problem("rosenbrock", {"n": 2, "variant": "extended"})
        calls = [0]

        def f(x, base=base):
            calls[0] += 1
            return base.f(x)

        r = optbench.solve(Problem(f, x0=base.x0, f_star=0.0, name="counted"), method, gtol=1e-6)
        assert r.nfev == calls[0]
        real[method] = r
    for rec, method in ((ours, "lbfgs"), (ref, "scipy:L-BFGS-B")):
        assert (rec["nit"], rec["nfev"], rec["ngev"]) == (real[method].nit, real[method].nfev, real[method].njev)
    assert ref["ratio_ngev"] == pytest.approx(real["lbfgs"].njev / real["scipy:L-BFGS-B"].njev, rel=1e-12)
    assert (ref["ratio_time"] < 1) == (ours["time"] < ref["time"]) and ref["ratio_time"] > 0


def counting_rosenbrock():
    calls = [0]
    base = make_problem("rosenbrock", {"n": 4})

    def f(x):
        calls[0] += 1
        return base.f(x)

    return Problem(f, x0=base.x0, f_star=0.0, name="counted"), calls


@pytest.mark.parametrize("method", ["lbfgs", "newton-cg", "scipy:L-BFGS-B", "scipy:Newton-CG", "scipy:trust-ncg"])
def test_counts_are_the_real_calls_of_f(method):
    prob, calls = counting_rosenbrock()
    r = measure_run(prob, method, Case("c", "counted", {}, "lbfgs"), repeats=1)
    # every call of f but one (the fresh, uncounted ‖∇f‖ check at the returned x) is in nfev
    assert r["nfev"] == calls[0] - 1 > 0
    assert r["grad_equiv"] == r["nfev"] / 3 + 2 * r["ngev"] / 3 + r["nhvp"] + 4 * r["nhev"]
    if method == "scipy:Newton-CG" or method == "newton-cg":
        assert r["nhvp"] > 0


def test_reached_gtol_is_measured_at_the_returned_point():
    # scipy's Newton-CG with its default step test stops at ‖∇f‖∞ ≈ 1.4e-5 on 2-D Rosenbrock, claiming success
    prob = make_problem("rosenbrock", {"n": 2})
    case = Case("early", "rosenbrock", {"n": 2}, "newton-cg", gtol=1e-6, scipy_options={"scipy:Newton-CG": {}})
    r = measure_run(prob, "scipy:Newton-CG", case, repeats=1)
    from optbench.core.oracle import Oracle

    x = _returned_x(prob, case)  # the same deterministic run, to get at its x
    assert r["grad_norm"] == float(np.max(np.abs(Oracle(prob).grad(x)))) > 1e-6
    assert r["claimed_success"] is True and r["reached_gtol"] is False and r["status"] == "xtol"
    table = suite_table([dict(r, case="early")])
    assert any("claimed success" in line for line in str(table.caption).splitlines())
    # with the step test switched off (the suite's default) it reaches the test
    ok = measure_run(prob, "scipy:Newton-CG", Case("ok", "rosenbrock", {"n": 2}, "newton-cg"), repeats=1)
    assert ok["reached_gtol"] and ok["claimed_success"] and ok["grad_norm"] <= 1e-6


def _returned_x(prob, case):
    from optbench import solve as run_scipy

    return run_scipy(prob, "scipy:Newton-CG", options={}, gtol=case.gtol, max_iter=case.max_iter).x


def test_a_budget_stop_is_neither_claimed_nor_reached():
    prob = make_problem("rosenbrock", {"n": 2})
    case = Case("tiny budget", "rosenbrock", {"n": 2}, "lbfgs", max_iter=3)
    for method in ("lbfgs", "scipy:L-BFGS-B"):
        r = measure_run(prob, method, case, repeats=1)
        assert r["nit"] == 3 and r["status"] == "max_iter"
        assert r["claimed_success"] is False and r["reached_gtol"] is False and r["grad_norm"] > 1e-6


def test_large_newton_cases_run_on_the_sparse_path():
    big = [c for c in suite_cases() if c.method == "newton" and c.params["n"] >= 10_000]
    assert len(big) == 3 and not any(c.skip for c in big)
    for c in big:  # the problem declares its pattern, so newton's default (hessian=auto) is the coloured path
        assert make_problem(c.problem, {**dict(c.params), "n": 10}).hess_sparsity is not None
    assert all(c.size <= 100 for c in suite_cases(quick=True))


def test_json_round_trips_with_versions(tiny_suite, tmp_path):
    env = environment(1)
    path = write_bench_json(tmp_path / "b.json", "suite", tiny_suite, env, {"quick": True})
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["kind"] == "suite" and doc["settings"] == {"quick": True}
    assert set(doc["environment"]["versions"]) == {"optbench", "python", "numpy", "scipy", "autograd"}
    assert all(doc["environment"]["versions"][k] for k in ("python", "numpy", "scipy"))
    assert {"date", "machine", "git_commit", "blas_threads"} <= set(doc["environment"])
    assert doc["records"] == json.loads(json.dumps(tiny_suite))


def test_core_records_small():
    recs = run_core((10,), hessian_n=200, driver_iters=50, repeats=1, cli=False)
    assert all(tuple(r) == CORE_KEYS for r in recs)
    by = {r["metric"]: r for r in recs}
    sparse = by["Oracle.hess, declared sparsity / autograd.hessian"]
    dense = by["Oracle.hess, no sparsity / autograd.hessian"]
    for r in (sparse, dense):
        assert r["time"] > 0 and r["baseline_time"] > 0 and r["target"] == 0.3
    # a declared tridiagonal pattern costs ~3 products where the plain Hessian costs n = 200
    assert sparse["time"] < dense["time"] and sparse["ratio"] < dense["ratio"]
    assert "driver + trace per iteration / grad" in by
    core_table(recs)


@pytest.mark.slow  # end to end: a fresh Python process importing numpy, scipy and optbench
def test_suite_script_exits_0_and_writes_json(tmp_path):
    out = tmp_path / "suite.json"
    p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_suite.py"), "--quick", "--max-n", "2",
                        "--repeats", "1", "--json", str(out)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "scipy:L-BFGS-B" in p.stdout and json.loads(out.read_text())["kind"] == "suite"


@pytest.mark.slow  # end to end: a fresh Python process importing numpy, scipy and optbench
def test_core_script_exits_0(tmp_path):
    out = tmp_path / "core.json"
    p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_core.py"), "--sizes", "10",
                        "--hessian-n", "8", "--driver-iters", "50", "--no-cli", "--repeats", "1", "--json", str(out)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert json.loads(out.read_text())["kind"] == "core"
    bad = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_core.py"), "--sizes", "ten"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--sizes" in bad.stderr


def test_cli_bench_usage_error_is_one_line():
    r = CliRunner().invoke(app, ["bench", "--max-time", "0"])
    assert r.exit_code == 2
    assert r.output.strip().splitlines() == ["error: --max-time must be a positive number of seconds, got 0.0"]


@pytest.mark.slow  # end to end: a fresh Python process importing numpy, scipy and optbench
def test_cli_startup_rows_bound_seconds():
    from optbench.bench.core import core_cli

    rows = core_cli(repeats=1)
    assert [r["metric"] for r in rows] == ["python -c pass", "optbench --help",
                                           "optbench solve rosenbrock --method newton"]
    times = [r["time"] for r in rows]
    assert all(t > 0 for t in times) and all(r["ratio"] is None for r in rows[1:])
    assert times[0] < times[2]  # a bare interpreter starts faster than a whole solve


def test_declared_dimensions_match_the_problems():
    for c in suite_cases(quick=True):
        if c.dim is not None:
            assert make_problem(c.problem, dict(c.params)).n == c.dim, c.name
