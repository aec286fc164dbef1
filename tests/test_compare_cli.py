"""`optbench compare/report/plot` through typer's CliRunner: files, columns, manifest, failures, interrupts."""

import csv
import importlib
import json
import textwrap

import pytest
from typer.testing import CliRunner

from optbench.cli import app
from optbench.compare.rundir import SUMMARY_COLUMNS, TRACE_COLUMNS
from optbench.core.trace import COLUMNS

runner = CliRunner()

PROBLEMS = textwrap.dedent('''
    import autograd.numpy as np
    from optbench import Problem, problem

    @problem
    def bowl(n: int = 2) -> Problem:
        """A convex quartic bowl, f* = 0 at 1."""
        return Problem(lambda x: np.sum((x - 1.0) ** 2) + np.sum((x - 1.0) ** 4), x0=np.zeros(n), f_star=0.0)

    @problem
    def explodes() -> Problem:
        """Raises on the 4th call of f."""
        calls = [0]
        def f(x):
            calls[0] += 1
            if calls[0] > 3:
                raise ValueError("kaboom")
            return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
        return Problem(f, x0=np.array([-1.2, 1.0]))

    @problem
    def ctrl_c() -> Problem:
        """The user presses Ctrl-C during the 3rd call of f."""
        calls = [0]
        def f(x):
            calls[0] += 1
            if calls[0] == 3:
                raise KeyboardInterrupt
            return np.sum((x - 2.0) ** 2)
        return Problem(f, x0=np.zeros(2), f_star=0.0)
''')


@pytest.fixture
def probs(tmp_path):
    registry = importlib.import_module("optbench.core.problem")

    path = tmp_path / "probs.py"
    path.write_text(PROBLEMS)
    yield str(path)
    for name in registry._FILE_REGISTRIES.pop(str(path.resolve()), {}):  # leave the registry as we found it
        registry._REGISTRY.pop(name, None)


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def read_csv(path):
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


@pytest.mark.parametrize("plots", [False, pytest.param(True, marks=pytest.mark.slow)], ids=["no-plots", "plots"])
def test_compare_writes_run_directory(tmp_path, probs, plots):
    """The run directory of a grid. Drawing its 7 figures (PNG and SVG) takes most of the time, so the
    default suite checks everything else and the ``slow`` case the figures too (test_plot_rerenders_from_files
    draws figures in the default suite)."""
    out = tmp_path / "run"
    r = invoke("compare", "rosenbrock", f"{probs}:bowl", "-m", "newton,scipy:BFGS", "-p", "rosenbrock.n=2,3",
               "--seeds", "2", "--out", out, "--plots" if plots else "--no-plots")
    assert r.exit_code == 0, r.output
    assert "rosenbrock(n=3) x0-seed=1" in r.stdout and "all 6 instances" in r.stdout
    assert "Traceback" not in r.output
    header, rows = read_csv(out / "summary.csv")
    assert tuple(header) == SUMMARY_COLUMNS
    assert len(rows) == (2 * 2 + 2) * 2
    by = [dict(zip(header, row)) for row in rows]
    assert {b["status"] for b in by} == {"converged"}
    assert json.loads(by[0]["params"]) == {"n": "2"} and by[0]["seed_mode"] == "x0"
    theader, trows = read_csv(out / "traces.csv")
    assert tuple(theader) == TRACE_COLUMNS
    assert theader[:6] == ["run_id", "problem", "params", "seed", "method", "options"]
    assert theader[6:] == list(COLUMNS)
    # the trace rows of each run end at its last iteration, with at most its final counts
    for b in by:
        last = [t for t in trows if t[0] == b["run_id"]][-1]
        assert last[theader.index("iter")] == b["nit"]
        assert int(last[theader.index("ngev")]) <= int(b["ngev"]) and int(last[theader.index("nfev")]) <= int(b["nfev"])
    m = json.loads((out / "manifest.json").read_text())
    for key in ("command", "argv", "start", "end", "problems", "param_grid", "methods", "options", "seeds",
                "seed_modes", "perturbation", "budgets", "executor", "versions", "machine", "runs"):
        assert key in m, key
    assert m["state"] == "complete" and m["total_runs"] == m["finished_runs"] == 12
    assert set(m["versions"]) >= {"optbench", "numpy", "scipy", "autograd", "python"}
    assert m["seeds"] == 2 and m["param_grid"] == {"rosenbrock.n": ["2", "3"]}
    assert m["command"].startswith("optbench ")
    assert all(run["finished"] for run in m["runs"])
    if plots:
        names = sorted(p.name for p in (out / "plots").iterdir())
        assert "profiles.png" in names and "profiles.svg" in names
        assert "convergence-rosenbrock_n=2.png" in names and len(names) == 2 * (6 + 1)
    else:
        assert not (out / "plots").exists()
    # report reprints the same tables from the files
    rep = invoke("report", out)
    assert rep.exit_code == 0, rep.output
    assert "rosenbrock(n=3) x0-seed=1" in rep.stdout and "all 6 instances" in rep.stdout


def test_failure_rows_do_not_stop_the_comparison(tmp_path, probs):
    out = tmp_path / "run"
    r = invoke("compare", f"{probs}:explodes", f"{probs}:bowl", "-m", "gd,scipy:CG", "--out", out, "--json", "--no-plots")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    st = {(row["problem"].split(":")[-1], row["method"]): row for row in data["runs"]}
    assert st[("explodes", "gd")]["status"] == "error" and "kaboom" in st[("explodes", "gd")]["message"]
    assert st[("explodes", "scipy:CG")]["status"] == "error"
    assert st[("bowl", "gd")]["status"] == "converged" and st[("bowl", "scipy:CG")]["status"] == "converged"
    _, rows = read_csv(out / "summary.csv")
    assert len(rows) == 4


def test_interrupted_comparison_keeps_finished_runs(tmp_path, probs):
    out = tmp_path / "run"
    r = invoke("compare", f"{probs}:bowl", f"{probs}:ctrl_c", f"{probs}:bowl", "-p", f"{probs}:bowl.n=2",
               "-m", "lbfgs,newton", "--out", out, "--no-plots")
    assert r.exit_code == 130, r.output
    header, rows = read_csv(out / "summary.csv")
    status = [row[header.index("status")] for row in rows]
    assert status[:2] == ["converged", "converged"]  # bowl finished before the Ctrl-C
    assert status[2] == "interrupted"
    assert status[3:] == ["not_run"] * 3
    m = json.loads((out / "manifest.json").read_text())
    assert m["state"] == "interrupted" and m["finished_runs"] == 2
    assert [run["finished"] for run in m["runs"]] == [True, True, False, False, False, False]
    _, trows = read_csv(out / "traces.csv")
    assert {t[0] for t in trows} == {"0", "1", "2"}  # the interrupted run keeps its partial trace
    assert "interrupted" in r.stdout


def test_unknown_method_is_one_line_with_closest_match(tmp_path):
    r = invoke("compare", "rosenbrock", "-m", "lbfgs,netwon", "--out", tmp_path / "x")
    assert r.exit_code == 2
    assert r.stderr.strip().count("\n") == 0
    assert "method 'netwon' not found; did you mean 'newton'?" in r.stderr
    assert not (tmp_path / "x").exists()


def test_usage_errors_exit_2(tmp_path, probs):
    r = invoke("compare", "rosenbrock", f"{probs}:explodes", "-p", "n=3", "--out", tmp_path / "x")
    assert r.exit_code == 2 and "has no parameter 'n'" in r.stderr
    r = invoke("compare", "rosenbrock", "-m", "gd", "-o", "gd.c1=7", "--out", tmp_path / "x")
    assert r.exit_code == 2 and "c1" in r.stderr
    r = invoke("compare", "rosenbrock", "--jobs", "2", "--dask", "tcp://127.0.0.1:1")
    assert r.exit_code == 2 and "not both" in r.stderr


def test_existing_run_directory_is_not_overwritten(tmp_path):
    out = tmp_path / "run"
    assert invoke("compare", "rosenbrock", "-m", "lbfgs", "--out", out, "-q", "--no-plots").exit_code == 0
    r = invoke("compare", "rosenbrock", "-m", "lbfgs", "--out", out, "-q")
    assert r.exit_code == 1 and "already holds a comparison" in r.stderr


def test_plot_rerenders_from_files(tmp_path):
    out = tmp_path / "run"
    assert invoke("compare", "rosenbrock", "-m", "lbfgs,newton", "--out", out, "-q", "--no-plots").exit_code == 0
    assert not (out / "plots").exists()
    r = invoke("plot", out, "--cost", "iter", "--test", "f", "--tau", "1e-8")
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in (out / "plots").iterdir())
    assert names == ["convergence-rosenbrock.png", "convergence-rosenbrock.svg", "profiles.png", "profiles.svg"]
    assert (out / "plots" / "profiles.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert invoke("plot", out, "--cost", "flops").exit_code == 2
    assert invoke("report", tmp_path / "nothing").exit_code == 1


def test_jobs_give_the_same_summary_as_serial(tmp_path):
    args = ["compare", "rosenbrock", "-m", "lbfgs,scipy:CG", "--seeds", "2", "--max-time", "0", "-q", "--no-plots"]
    assert invoke(*args, "--out", tmp_path / "s").exit_code == 0
    r = invoke(*args, "--jobs", "2", "--out", tmp_path / "p")
    assert r.exit_code == 0, r.output
    keep = ["run_id", "instance", "method", "status", "nit", "fun", "grad_norm", "nfev", "ngev", "nhvp", "nhev"]
    h, serial = read_csv(tmp_path / "s" / "summary.csv")
    _, parallel = read_csv(tmp_path / "p" / "summary.csv")
    cols = [h.index(k) for k in keep]
    assert [[row[i] for i in cols] for row in serial] == [[row[i] for i in cols] for row in parallel]
    m = json.loads((tmp_path / "p" / "manifest.json").read_text())
    assert m["executor"] == {"kind": "processes", "jobs": 2, "dask": None}
    assert m["budgets"]["max_time"] is None
    rep = invoke("report", tmp_path / "p", "--json")
    assert rep.exit_code == 0
    data = json.loads(rep.stdout)
    assert data["state"] == "complete" and len(data["runs"]) == 4
    assert {a["method"]: a["successes"] for a in data["aggregate"]} == {"lbfgs": 2, "scipy:CG": 2}


def test_unreachable_dask_scheduler_writes_nothing(tmp_path, monkeypatch):
    import optbench.compare.session as oc

    real = oc.connect_dask
    monkeypatch.setattr(oc, "connect_dask", lambda address, timeout=10.0: real(address, 1.0))
    out = tmp_path / "run"
    r = invoke("compare", "rosenbrock", "-m", "lbfgs", "--dask", "tcp://127.0.0.1:1", "--out", out)
    assert r.exit_code == 1
    assert "cannot connect to the Dask scheduler" in r.stderr and r.stderr.count("\n") == 1
    assert not out.exists()


FAULTS = textwrap.dedent('''
    import autograd.numpy as np
    from optbench import Problem, problem

    def _counter(limit, action):
        calls = [0]
        def f(x):
            calls[0] += 1
            if calls[0] > limit:
                return action(x)
            return np.sum((x - 1.0) ** 2 * np.arange(1.0, x.size + 1)) + np.sum((x - 1.0) ** 4)
        return f

    def _raise(x):
        raise RuntimeError("disk full")

    def _interrupt(x):
        raise KeyboardInterrupt

    @problem
    def good(n: int = 3) -> Problem:
        """f* = 0 at 1."""
        return Problem(_counter(10**9, None), x0=np.zeros(n), f_star=0.0, x_star=np.ones(n))

    @problem
    def raises() -> Problem:
        return Problem(_counter(5, _raise), x0=np.zeros(3))

    @problem
    def nan_midrun() -> Problem:
        return Problem(_counter(5, lambda x: np.nan * np.sum(x)), x0=np.zeros(3))

    @problem
    def interrupted() -> Problem:
        return Problem(_counter(5, _interrupt), x0=np.zeros(3))
''')


def test_fault_injection_keeps_every_other_run_complete_and_correct(tmp_path):
    """Issue 5: one run raises, one returns NaN, one is interrupted; all other runs are complete and correct."""
    registry = importlib.import_module("optbench.core.problem")
    path = tmp_path / "faults.py"
    path.write_text(FAULTS)
    out = tmp_path / "run"
    p = str(path)
    try:
        r = invoke("compare", f"{p}:good", f"{p}:raises", f"{p}:nan_midrun", f"{p}:interrupted", f"{p}:good",
                   "-m", "lbfgs,gd", "--out", out, "--no-plots")
    finally:
        for name in registry._FILE_REGISTRIES.pop(str(path.resolve()), {}):
            registry._REGISTRY.pop(name, None)
    assert r.exit_code == 130, r.output
    header, rows = read_csv(out / "summary.csv")
    col = {name: i for i, name in enumerate(header)}
    got = [(row[col["problem"]].split(":")[-1], row[col["method"]], row[col["status"]]) for row in rows]
    statuses = [g[2] for g in got]
    assert statuses[:2] == ["converged", "converged"]  # good, before any fault
    assert statuses[2:4] == ["error", "error"]  # raises: reported as rows, the comparison goes on
    assert statuses[4:6] == ["nonfinite", "nonfinite"]  # NaN mid-run: never converged
    assert statuses[6] == "interrupted"
    assert statuses[7:] == ["not_run"] * 3  # the good problem again, and gd on the interrupted one
    assert all("disk full" in rows[i][col["message"]] for i in (2, 3))
    # the finished runs are complete: full traces, correct minimum
    _, trows = read_csv(out / "traces.csv")
    theader = read_csv(out / "traces.csv")[0]
    tcol = {name: i for i, name in enumerate(theader)}
    for i in (0, 1):
        nit = int(rows[i][col["nit"]])
        method = rows[i][col["method"]]
        its = [int(t[tcol["iter"]]) for t in trows if t[tcol["method"]] == method and t[tcol["problem"]].endswith("good")]
        assert its[: nit + 1] == list(range(nit + 1))
        assert float(rows[i][col["fun"]]) < 1e-10
    m = json.loads((out / "manifest.json").read_text())
    assert m["state"] == "interrupted" and m["finished_runs"] == 6
