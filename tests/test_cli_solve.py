"""`optbench solve` through typer's CliRunner: output, files, exit codes, one-line errors."""

import csv
import json

import pytest
from typer.testing import CliRunner

from optbench.cli import app
from optbench.core.trace import COLUMNS

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, list(args))


def test_solve_prints_table_and_summary():
    r = invoke("solve", "rosenbrock", "--method", "newton")
    assert r.exit_code == 0, r.output
    assert "newton on rosenbrock" in r.output
    assert "‖∇f‖∞" in r.output and "x_1" in r.output
    assert "Status: converged" in r.output
    assert "Iterations:" in r.output and "∇²f(x) calls:" in r.output
    assert "Traceback" not in r.output


def test_csv_has_exactly_the_documented_columns(tmp_path):
    path = tmp_path / "trace.csv"
    r = invoke("solve", "rosenbrock", "-m", "lbfgs", "--csv", str(path))
    assert r.exit_code == 0, r.output
    rows = list(csv.reader(path.open()))
    assert rows[0] == list(COLUMNS) + ["x_1", "x_2"]
    assert list(COLUMNS) == ["iter", "time", "f", "f_minus_fstar", "grad_norm", "step", "alpha",
                             "nfev", "ngev", "nhvp", "nhev", "inner_iter", "radius", "note"]
    data = rows[1:]
    assert [int(row[0]) for row in data] == list(range(len(data)))  # one row per iteration, from 0
    assert float(data[0][2]) == pytest.approx(24.2)
    assert data[0][5] == ""  # no step at iteration 0
    j = json.loads(invoke("solve", "rosenbrock", "-m", "lbfgs", "--json").output)
    assert len(data) == j["nit"] + 1


def test_csv_without_x_for_large_n(tmp_path):
    path = tmp_path / "t.csv"
    r = invoke("solve", "rosenbrock", "-p", "n=20", "-m", "lbfgs", "--csv", str(path), "--quiet")
    assert r.exit_code == 0
    header = next(csv.reader(path.open()))
    assert header == list(COLUMNS)
    r = invoke("solve", "rosenbrock", "-p", "n=20", "-m", "lbfgs", "--csv", str(path), "--trace-x", "--quiet")
    header = next(csv.reader(path.open()))
    assert header[-1] == "x_20"


def test_json_output_is_parseable():
    r = invoke("solve", "rosenbrock", "-m", "newton-cg", "--json")
    assert r.exit_code == 0
    data = json.loads(r.output)
    assert data["status"] == "converged" and data["success"] is True
    assert data["trace"][0]["iter"] == 0
    assert data["nhvp"] > 0


def test_quiet_prints_only_the_summary():
    r = invoke("solve", "rosenbrock", "-m", "lbfgs", "--quiet")
    assert r.exit_code == 0
    assert "Status: converged" in r.output
    assert "lbfgs on rosenbrock" not in r.output


def test_params_and_options_are_parsed_by_type():
    r = invoke("solve", "rosenbrock", "-p", "n=1e1", "-p", "b=10", "-m", "lbfgs", "-o", "m=3", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["n"] == 10 and data["problem"] == "rosenbrock(n=10,b=10.0)"


def test_long_runs_sample_the_table():
    r = invoke("solve", "rosenbrock", "-m", "gd", "--rows", "20", "--max-iter", "200")
    assert r.exit_code == 0
    assert "rows elided" in r.output


def test_user_problem_file(quartic_file):
    r = invoke("solve", f"{quartic_file}:quartic", "-m", "newton", "-o", "line_search=none", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["x"][0] == pytest.approx(1.0, abs=1e-9)  # gtol = 1e-6 on |4x³ − 4x|
    assert data["trace"][1]["x_1"] == pytest.approx(1.4545454545454546)


@pytest.mark.parametrize(
    "args,message",
    [
        (["solve", "rosenbrok"], "error: problem 'rosenbrok' not found; did you mean 'rosenbrock'?"),
        (["solve", "rosenbrock", "-m", "newtn"], "error: method 'newtn' not found; did you mean 'newton'?"),
        (["solve", "rosenbrock", "-p", "nn=3"], "error: rosenbrock parameter 'nn' not found; did you mean 'n'?"),
        (["solve", "rosenbrock", "-p", "n=abc"], "error: rosenbrock parameter 'n' must be an integer, got 'abc'"),
        (["solve", "rosenbrock", "-p", "n"], "error: --param expects key=value, got 'n'"),
        (["solve", "rosenbrock", "-m", "lbfgs", "-o", "mm=3"], "error: lbfgs option 'mm' not found; did you mean 'm'?"),
        (["solve", "rosenbrock", "-m", "newton-cg", "-o", "eta=1.5"],
         "error: `newton-cg` option `eta` must be in (0, 1), got 1.5"),
        (["solve", "rosenbrock", "-m", "gd", "-o", "lr=-1"], "error: `gd` option `lr` must be a positive number or none"),
        (["solve", "rosenbrock", "--x0", "1,abc"], "error: --x0: 'abc' is not a number"),
        (["solve", "rosenbrock", "--x0", "1,2,3"], "error: --x0 has 3 entries but problem 'rosenbrock' has n = 2"),
        (["solve", "rosenbrock", "--x0", "1,nan"], "error: --x0 must be finite"),
        (["solve", "rosenbrock", "--gtol", "-1"], "error: --gtol must be ≥ 0"),
        (["solve", "rosenbrock", "--max-iter", "-3"], "error: --max-iter must be a non-negative integer"),
        (["solve", "nofile.py:thing"], "error: problem file 'nofile.py' not found"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(args, message):
    r = invoke(*args)
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert "Traceback" not in r.output
    assert len([ln for ln in r.output.splitlines() if ln.startswith("error:")]) == 1


def test_unwritable_csv_fails_before_running(tmp_path):
    r = invoke("solve", "rosenbrock", "--csv", str(tmp_path / "missing" / "t.csv"))
    assert r.exit_code == 1
    assert "does not exist" in r.output and "Status" not in r.output


def test_strict_turns_non_success_into_exit_1():
    assert invoke("solve", "rosenbrock", "-m", "gd", "--max-iter", "5").exit_code == 0
    r = invoke("solve", "rosenbrock", "-m", "gd", "--max-iter", "5", "--strict")
    assert r.exit_code == 1 and "Status: max_iter" in r.output


def test_list_shows_problems_and_solvers():
    r = invoke("list")
    assert r.exit_code == 0
    for name in ("rosenbrock", "gd", "newton", "newton-cg", "lbfgs"):
        assert name in r.output
