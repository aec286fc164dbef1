"""Issue 5 reliability cases through the CLI: interruption, bad objectives, exit codes."""

import csv
import textwrap

import pytest
from typer.testing import CliRunner

from optbench.cli import app

runner = CliRunner()

HEADER = "import autograd.numpy as np\nfrom optbench import Problem, problem\n"


def plugin(tmp_path, body):
    path = tmp_path / "plug.py"
    path.write_text(HEADER + textwrap.dedent(body), encoding="utf-8")
    return path


def test_ctrl_c_during_solve_prints_table_writes_csv_and_exits_130(tmp_path):
    path = plugin(tmp_path, """
        calls = [0]

        @problem
        def stops() -> Problem:
            def f(x):
                calls[0] += 1
                if calls[0] == 40:
                    raise KeyboardInterrupt
                return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
            return Problem(f, x0=np.array([-1.2, 1.0]))
    """)
    out_csv = tmp_path / "t.csv"
    r = runner.invoke(app, ["solve", f"{path}:stops", "-m", "gd", "--csv", str(out_csv)])
    assert r.exit_code == 130
    assert "Status: interrupted" in r.stdout
    assert "gd on stops" in r.stdout  # the table so far
    rows = list(csv.reader(out_csv.open()))
    assert rows[0][0] == "iter" and len(rows) > 2
    assert [int(row[0]) for row in rows[1:]] == list(range(len(rows) - 1))
    assert "Traceback" not in r.output


def test_objective_raising_midrun_exits_1_with_table(tmp_path):
    path = plugin(tmp_path, """
        calls = [0]

        @problem
        def flaky() -> Problem:
            def f(x):
                calls[0] += 1
                if calls[0] > 10:
                    raise RuntimeError("solver farm unreachable")
                return np.sum((x - 3.0) ** 2 * np.array([1.0, 50.0]))
            return Problem(f, x0=np.array([0.0, 0.0]))
    """)
    r = runner.invoke(app, ["solve", f"{path}:flaky", "-m", "gd"])
    assert r.exit_code == 1
    assert "Status: error" in r.stdout
    assert "RuntimeError: solver farm unreachable" in r.stdout
    assert "Traceback" not in r.output


def test_f_not_finite_at_x0_is_one_line_exit_1(tmp_path):
    path = plugin(tmp_path, """
        @problem
        def logneg() -> Problem:
            return Problem(lambda x: np.log(x[0]) + x[1], x0=np.array([1.0, 2.0]))
    """)
    r = runner.invoke(app, ["solve", f"{path}:logneg", "--x0", "-1,0"])
    assert r.exit_code == 1
    assert r.stderr.strip().startswith("error: problem 'logneg': f(x0) is not finite")
    assert len(r.stderr.strip().splitlines()) == 1
    assert r.stdout == ""


@pytest.mark.parametrize(
    "expr,message",
    [
        ("np.array([1.0, 2.0]) * x[0]", "f must return a scalar, got an array of shape (2,)"),
        ("1j * x[0]", "f must return a real number, got complex"),
        ("'abc'", "f must return a real number, got a string"),
    ],
)
def test_objective_of_the_wrong_type_via_x0(tmp_path, expr, message):
    # x0 given on the command line, so the plugin's own start is fine and the driver catches the type
    path = plugin(tmp_path, f"""
        @problem
        def odd() -> Problem:
            def f(x):
                if x[0] == 5.0:
                    return {expr}
                return np.sum(x ** 2)
            return Problem(f, x0=np.array([1.0]))
    """)
    r = runner.invoke(app, ["solve", f"{path}:odd", "--x0", "5"])
    assert r.exit_code == 1, r.output
    assert "problem 'odd'" in r.stderr and message in r.stderr
    assert "Traceback" not in r.output


def test_max_time_budget_via_cli():
    r = runner.invoke(app, ["solve", "rosenbrock", "-p", "n=50", "-m", "gd", "--max-time", "0.2", "--gtol", "0"])
    assert r.exit_code == 0
    assert "Status: max_time" in r.stdout
