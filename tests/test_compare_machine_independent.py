"""`optbench compare` does not depend on the machine's speed or load: no default time budget.

The same command, run on a normal objective, on the same objective slowed down by a sleep in f
(as a loaded machine or an expensive model would), and in two processes, writes the same
summary.csv and traces.csv apart from the measured times.
"""

import csv
import importlib
import json
import textwrap

import pytest
from typer.testing import CliRunner

from optbench.cli import app

PLUGIN = textwrap.dedent('''
    import os
    import time

    import autograd.numpy as np
    from optbench import Problem, problem

    @problem
    def sleepy_rosenbrock() -> Problem:
        """2-D Rosenbrock whose f sleeps OPTBENCH_TEST_SLEEP seconds per call (default 0)."""
        def f(x):
            time.sleep(float(os.environ.get("OPTBENCH_TEST_SLEEP", "0")))
            return 100.0 * (x[1] - x[0] ** 2) ** 2 + (1.0 - x[0]) ** 2
        return Problem(f, x0=np.array([-1.2, 1.0]), f_star=0.0, x_star=np.ones(2))
''')

TIME_COLUMNS = {"time"}


@pytest.fixture
def plugin(tmp_path):
    registry = importlib.import_module("optbench.core.problem")
    path = tmp_path / "sleepy.py"
    path.write_text(PLUGIN)
    yield str(path)
    for name in registry._FILE_REGISTRIES.pop(str(path.resolve()), {}):
        registry._REGISTRY.pop(name, None)


def _without_time(path):
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows, path
    return [{k: v for k, v in row.items() if k not in TIME_COLUMNS} for row in rows]


def _compare(plugin, out, *extra):
    args = ["compare", f"{plugin}:sleepy_rosenbrock", "-m", "gd,newton,newton-cg,lbfgs,scipy:L-BFGS-B",
            "--max-iter", "25", "--out", str(out), "-q", "--no-plots", *extra]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    return _without_time(out / "summary.csv"), _without_time(out / "traces.csv")


def test_slowed_objective_and_two_processes_give_the_same_results(plugin, tmp_path, monkeypatch):
    monkeypatch.setenv("OPTBENCH_TEST_SLEEP", "0")
    summary, traces = _compare(plugin, tmp_path / "plain")
    statuses = {row["method"]: row["status"] for row in summary}
    # a mix of outcomes, each decided by the gradient test or the iteration budget only
    assert statuses["gd"] == "max_iter" and statuses["newton"] == "converged", statuses
    assert "max_time" not in statuses.values()
    budgets = json.loads((tmp_path / "plain" / "manifest.json").read_text())["budgets"]
    assert budgets["max_time"] is None and budgets["max_iter"] == 25

    monkeypatch.setenv("OPTBENCH_TEST_SLEEP", "0.003")  # every call of f now takes ≥ 3 ms
    slow_summary, slow_traces = _compare(plugin, tmp_path / "slow")
    assert slow_summary == summary
    assert slow_traces == traces

    jobs_summary, jobs_traces = _compare(plugin, tmp_path / "jobs", "--jobs", "2")
    assert jobs_summary == summary
    assert jobs_traces == traces


def test_an_explicit_time_budget_is_still_honoured(plugin, tmp_path, monkeypatch):
    monkeypatch.setenv("OPTBENCH_TEST_SLEEP", "0.02")
    args = ["compare", f"{plugin}:sleepy_rosenbrock", "-m", "gd", "--max-time", "0.1", "--out", str(tmp_path / "t"),
            "-q", "--no-plots"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    (row,) = _without_time(tmp_path / "t" / "summary.csv")
    assert row["status"] == "max_time"


def test_library_default_budgets_have_no_time_limit():
    from optbench.compare.grid import Budgets

    b = Budgets()
    assert b.max_time is None and b.max_evals is None and b.max_iter == 1000
