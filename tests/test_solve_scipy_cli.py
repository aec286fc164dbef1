"""`optbench solve -m scipy:NAME` and `optbench list` show the scipy reference methods."""

import csv

import pytest
from typer.testing import CliRunner

from optbench.cli import app

runner = CliRunner()


@pytest.mark.parametrize("method", ["scipy:L-BFGS-B", "scipy:trust-ncg"])
def test_solve_with_a_scipy_method_streams_the_csv_and_reports_counts(tmp_path, method):
    out = tmp_path / "trace.csv"
    res = runner.invoke(app, ["solve", "rosenbrock", "-m", method, "--csv", str(out), "-q"])
    assert res.exit_code == 0, res.output
    assert "Status: converged" in res.stdout
    with open(out) as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["iter"] == "0" and abs(float(rows[-1]["x_1"]) - 1) < 1e-5
    assert float(rows[-1]["grad_norm"]) <= 1e-6
    assert f"Trace written to {out} ({len(rows)} rows)" in " ".join(res.stdout.split())
    if method == "scipy:trust-ncg":
        assert int(rows[-1]["nhvp"]) > 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["-m", "scipy:Newton-CG", "-o", "bogus=1"], "scipy:Newton-CG option 'bogus' not found (choices: c1, c2, xtol"),
        (["-m", "scipy:BFGS", "--ftol", "1e-3"], "--ftol is not available for scipy:BFGS"),
        (["-m", "scipy:LBFGS"], "'scipy:LBFGS' not found"),
    ],
)
def test_solve_scipy_bad_input_is_one_line_exit_2(args, message):
    res = runner.invoke(app, ["solve", "rosenbrock", *args])
    assert res.exit_code == 2
    assert message in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_list_shows_scipy_methods_and_their_options():
    res = runner.invoke(app, ["list"])
    assert res.exit_code == 0
    for name in ("scipy:L-BFGS-B", "scipy:BFGS", "scipy:CG", "scipy:Newton-CG", "scipy:trust-ncg", "scipy:trust-krylov"):
        assert name in res.stdout
    one = runner.invoke(app, ["list", "scipy:trust-krylov"])
    assert one.exit_code == 0 and "inexact" in one.stdout and "bool" in one.stdout
    bad = runner.invoke(app, ["list", "scipy:nope"])
    assert bad.exit_code == 2 and "method 'scipy:nope' not found" in bad.output


def test_python_api_runs_scipy_methods_too():
    import optbench

    r = optbench.solve("rosenbrock", "scipy:BFGS", params={"n": 4})
    assert r.method == "scipy:BFGS" and r.status.value == "converged" and r.grad_norm <= 1e-6
    assert r.njev == r.trace.column("ngev")[-1]
    with pytest.raises(optbench.UsageError, match="ftol is not available for scipy:BFGS"):
        optbench.solve("rosenbrock", "scipy:BFGS", ftol=1e-3)


@pytest.mark.parametrize("option, message", [
    ("maxcor=-1", "`scipy:L-BFGS-B` option `maxcor` must be a positive integer, got -1"),
    ("ftol=-0.5", "`scipy:L-BFGS-B` option `ftol` must be ≥ 0, got -0.5"),
])
def test_out_of_range_scipy_options_are_usage_errors(option, message):
    res = runner.invoke(app, ["solve", "rosenbrock", "-m", "scipy:L-BFGS-B", "-o", option])
    assert res.exit_code == 2 and message in res.output and "Traceback" not in res.output
