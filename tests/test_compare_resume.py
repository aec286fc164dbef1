"""`optbench compare --out DIR --resume`: runs kept one file each in DIR/runs/, only missing,
damaged, crashed or different runs rerun, tables and files combining kept and new runs."""

from __future__ import annotations

import csv
import json
import os

import pytest
from typer.testing import CliRunner

import optbench.compare.executors as executors
from optbench.cli import app
from optbench.compare.cache import CACHE_DIR, key_name, load, run_key, store
from optbench.compare.grid import Budgets, expand_grid

runner = CliRunner()
GRID = ["compare", "rosenbrock", "-p", "n=2,3", "-m", "lbfgs,gd", "-o", "lbfgs.m=3,10", "--max-iter", "30",
        "--no-plots", "-q"]


@pytest.fixture
def count_runs(monkeypatch):
    """Counts the runs really carried out (the serial executor calls executors.execute once per run)."""
    calls = []
    real = executors.execute

    def counting(spec, budgets):
        calls.append(spec.label + " " + spec.instance)
        return real(spec, budgets)

    monkeypatch.setattr(executors, "execute", counting)
    return calls


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def table(path, drop=("time",)):
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    keep = [i for i, c in enumerate(rows[0]) if c not in drop]
    return [[r[i] for i in keep] for r in rows]


def cache_file(out, label, instance):
    """The kept file of the run labelled ``label`` on ``instance`` (found through the manifest's run ids)."""
    m = json.loads((out / "manifest.json").read_text())
    rid = next(r["run_id"] for r in m["runs"] if r["method"] == label and r["instance"] == instance)
    budgets = Budgets(**{k: v for k, v in m["budgets"].items()})
    from optbench.compare.grid import parse_option_grid, resolve_options

    specs = expand_grid(["rosenbrock"], {"n": ["2", "3"]}, methods=["lbfgs", "gd"],
                        options=resolve_options(["lbfgs", "gd"], parse_option_grid(["lbfgs.m=3,10"])))
    return out / CACHE_DIR / f"{key_name(run_key(specs[rid], budgets))}.json"


def test_resume_reruns_exactly_the_missing_and_damaged_runs(tmp_path, count_runs):
    out, fresh = tmp_path / "run", tmp_path / "fresh"
    r = invoke(*GRID, "--out", out)
    assert r.exit_code == 0, r.output
    assert len(count_runs) == 6 and len(list((out / CACHE_DIR).glob("*.json"))) == 6
    m = json.loads((out / "manifest.json").read_text())
    assert (m["reused_runs"], m["ran_runs"]) == (0, 6)

    # nothing missing: nothing runs
    count_runs.clear()
    r = invoke(*GRID, "--out", out, "--resume")
    assert r.exit_code == 0, r.output
    assert count_runs == [] and " * Resumed: 6 of 6 runs reused from " in r.stdout and ", 0 run now" in r.stdout

    # one file deleted, one cut short: exactly those two rerun
    cache_file(out, "lbfgs[m=3]", "rosenbrock(n=3)").unlink()
    damaged = cache_file(out, "gd", "rosenbrock(n=2)")
    damaged.write_text(damaged.read_text()[:200])
    count_runs.clear()
    r = invoke(*GRID, "--out", out, "--resume")
    assert r.exit_code == 0, r.output
    assert sorted(count_runs) == ["gd rosenbrock(n=2)", "lbfgs[m=3] rosenbrock(n=3)"]
    assert r.stdout.splitlines()[-1] == f" * Resumed: 4 of 6 runs reused from {out}/, 2 run now"
    m = json.loads((out / "manifest.json").read_text())
    assert (m["reused_runs"], m["ran_runs"], m["state"], m["finished_runs"]) == (4, 2, "complete", 6)
    assert [(x["method"], x["instance"]) for x in m["runs"] if not x["reused"]] == [
        ("gd", "rosenbrock(n=2)"), ("lbfgs[m=3]", "rosenbrock(n=3)")]
    assert not (out / ".optbench-lock").exists()

    # the combined files equal a fresh run's (times aside)
    assert invoke(*GRID, "--out", fresh).exit_code == 0
    assert table(out / "summary.csv") == table(fresh / "summary.csv")
    assert table(out / "traces.csv") == table(fresh / "traces.csv")
    rep = invoke("report", out)
    assert rep.exit_code == 0 and "lbfgs[m=10]" in rep.stdout


def test_resume_with_another_budget_or_a_bigger_grid_runs_only_what_differs(tmp_path, count_runs):
    out = tmp_path / "run"
    base = ["compare", "rosenbrock", "-p", "n=2", "-m", "lbfgs", "--max-iter", "30", "--no-plots", "-q", "--out", out]
    assert invoke(*base).exit_code == 0 and len(count_runs) == 1
    count_runs.clear()
    r = invoke(*[a if a != "30" else "31" for a in base], "--resume")  # another max_iter: another run
    assert r.exit_code == 0 and len(count_runs) == 1 and "0 of 1 runs reused" in r.stdout
    count_runs.clear()
    r = invoke(*base[:5], "lbfgs,newton", *base[6:], "--resume", "--json")  # a method added: only its run
    assert r.exit_code == 0, r.output
    assert count_runs == ["newton rosenbrock(n=2)"]
    d = json.loads(r.stdout)
    assert (d["reused_runs"], d["ran_runs"]) == (1, 1) and [x["method"] for x in d["runs"]] == ["lbfgs", "newton"]
    count_runs.clear()
    r = invoke(*base[:5], "lbfgs", "-o", "m=10", *base[6:], "--resume")  # m=10 is the default, but given: rerun
    assert r.exit_code == 0 and len(count_runs) == 1


def test_errored_runs_are_rerun_and_finished_ones_kept(tmp_path):
    specs = expand_grid(["rosenbrock"], {"n": ["2"]}, methods=["lbfgs"])
    b = Budgets(max_iter=5)
    rec = executors.execute(specs[0], b)
    store(tmp_path, rec, b)
    kept = load(tmp_path, specs[0], b)
    assert kept is not None and kept.status == rec.status == "max_iter" and kept.trace == rec.trace
    assert (kept.fun, kept.x, kept.nfev) == (rec.fun, rec.x, rec.nfev)
    assert load(tmp_path, specs[0], Budgets(max_iter=6)) is None  # another budget: another key
    rec.status = "error"
    store(tmp_path, rec, b)
    assert load(tmp_path, specs[0], b) is None


def test_without_resume_an_existing_directory_is_refused(tmp_path):
    out = tmp_path / "run"
    assert invoke("compare", "rosenbrock", "-m", "lbfgs", "--max-iter", "5", "--out", out, "-q", "--no-plots").exit_code == 0
    r = invoke("compare", "rosenbrock", "-m", "lbfgs", "--max-iter", "5", "--out", out, "-q", "--no-plots")
    assert r.exit_code == 1 and r.stderr == (f"error: --out '{out}' already holds a comparison; choose another "
                                             "directory, remove it, or add --resume to run only the runs it does "
                                             "not hold\n")
    r = invoke("compare", "rosenbrock", "-m", "lbfgs", "--resume")
    assert r.exit_code == 2 and r.stderr == "error: resuming needs the run directory to resume: give --out DIR\n"


def test_resume_takes_over_the_lock_of_a_comparison_killed_outright(tmp_path):
    import socket
    import subprocess
    import sys

    from optbench.compare.rundir import LOCK

    out = tmp_path / "run"
    args = ["compare", "rosenbrock", "-m", "lbfgs", "--max-iter", "5", "--out", out, "-q", "--no-plots"]
    assert invoke(*args).exit_code == 0
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (out / LOCK).write_text(f"{dead.stdout.strip()} {socket.gethostname()}\n")  # its process is gone
    r = invoke(*args, "--resume")
    assert r.exit_code == 0, r.output
    assert "1 of 1 runs reused" in r.stdout and not (out / LOCK).exists()
    (out / LOCK).write_text(f"{os.getpid()} {socket.gethostname()}\n")  # a live process: still refused
    r = invoke(*args, "--resume")
    assert r.exit_code == 1 and "is being written by another comparison" in r.stderr
    (out / LOCK).write_text(f"{dead.stdout.strip()} another-host\n")  # another host's: never taken over
    assert invoke(*args, "--resume").exit_code == 1


def test_a_run_that_failed_at_x0_on_a_stopping_rule_is_kept_but_a_ragged_trace_is_not(tmp_path):
    from optbench.compare.grid import RunRecord

    spec = expand_grid(["rosenbrock"], {"n": ["2"]}, methods=["gd"])[0]
    b = Budgets()
    store(tmp_path, RunRecord(spec, "nonfinite", "f(x0) is not finite"), b)
    kept = load(tmp_path, spec, b)
    assert kept is not None and kept.status == "nonfinite" and kept.n is None and kept.trace["iter"] == []
    rec = executors.execute(spec, Budgets(max_iter=3))
    rec.trace["f"].pop()
    store(tmp_path, rec, Budgets(max_iter=3))
    assert load(tmp_path, spec, Budgets(max_iter=3)) is None


def test_an_interrupted_comparison_resumes_where_it_stopped(tmp_path, count_runs):
    import importlib
    import textwrap

    marker = tmp_path / "press-ctrl-c"
    marker.write_text("")
    path = tmp_path / "flaky.py"
    path.write_text(textwrap.dedent(f'''
        import os
        import autograd.numpy as np
        from optbench import Problem, problem

        @problem
        def flaky(n: int = 2) -> Problem:
            """The user presses Ctrl-C once (while the marker file exists)."""
            def f(x):
                if os.path.exists({str(marker)!r}):
                    os.unlink({str(marker)!r})
                    raise KeyboardInterrupt
                return np.sum((x - 1.0) ** 2)
            return Problem(f, x0=np.zeros(n), f_star=0.0)
    '''))
    registry = importlib.import_module("optbench.core.problem")
    try:
        out = tmp_path / "run"
        args = ["compare", "rosenbrock", f"{path}:flaky", "-m", "lbfgs,gd", "--max-iter", "20", "--out", out,
                "-q", "--no-plots"]
        r = invoke(*args)
        assert r.exit_code == 130, r.output
        m = json.loads((out / "manifest.json").read_text())
        assert m["state"] == "interrupted"
        assert [x["status"] for x in m["runs"]] == ["max_iter", "max_iter", "interrupted", "not_run"]
        count_runs.clear()
        r = invoke(*args, "--resume")
        assert r.exit_code == 0, r.output
        assert count_runs == [f"lbfgs {path}:flaky", f"gd {path}:flaky"]
        m = json.loads((out / "manifest.json").read_text())
        assert (m["state"], m["reused_runs"], m["ran_runs"]) == ("complete", 2, 2)
        assert [x["status"] for x in m["runs"]] == ["max_iter", "max_iter", "converged", "converged"]
    finally:
        for name in registry._FILE_REGISTRIES.pop(str(path.resolve()), {}):
            registry._REGISTRY.pop(name, None)
