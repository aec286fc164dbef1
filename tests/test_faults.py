"""Issue 13: reliability under faults — nothing lost, nothing false, no hangs.

One test per row of the issue's table (named after the event), through the library where
that is the whole story and through the CLI where the output is.
"""

import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import optbench
from optbench.cli import app
from optbench.compare.grid import Budgets, expand_grid
from optbench.compare.executors import run_grid
from optbench.compare.session import run_comparison

runner = CliRunner()
FAULTS = str(Path(__file__).parent / "data" / "faults.py")
ROOT = Path(__file__).resolve().parent.parent


def cli(*args):
    return runner.invoke(app, [str(a) for a in args])


def one_line_error(r, code, *words):
    assert r.exit_code == code, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    assert "internal error" not in r.stderr and "Traceback" not in r.output
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A small finished comparison to tamper with (copied per test)."""
    out = tmp_path_factory.mktemp("runs") / "base"
    run_comparison(["rosenbrock", f"{FAULTS}:linear"], ["lbfgs", "gd"], budgets=Budgets(max_iter=50), out=out,
                   plots=False, problem_files=(FAULTS,))
    return out


@pytest.fixture
def copy(run_dir, tmp_path):
    dst = tmp_path / "run"
    shutil.copytree(run_dir, dst)
    return dst


# ------------------------------------------------------------------ concurrent compares
def test_two_compares_with_the_same_out_one_refuses(tmp_path):
    from optbench.compare.rundir import LOCK, prepare_run_dir, release_run_dir
    from optbench.core.errors import RunError

    out = tmp_path / "shared"
    prepare_run_dir(out)  # the first command holds it
    with pytest.raises(RunError, match="being written by another comparison"):
        prepare_run_dir(out)
    release_run_dir(out)
    assert not (out / LOCK).exists()


def test_two_compare_processes_at_once_exactly_one_writes(tmp_path):
    out = tmp_path / "race"
    cmd = [sys.executable, "-m", "optbench", "compare", "rosenbrock", "-m", "lbfgs", "--no-plots", "-q",
           "--out", str(out)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for _ in range(2)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    codes = sorted(r[2] for r in results)
    assert codes == [0, 1], results
    loser = next(r for r in results if r[2] == 1)
    assert ("being written by another comparison" in loser[1] or "already holds a comparison" in loser[1])
    assert len(loser[1].strip().splitlines()) == 1
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["state"] == "complete" and manifest["total_runs"] == 1


# ------------------------------------------------------------------ a worker dies
def test_worker_death_marks_only_its_run_crashed(tmp_path):
    r = run_comparison([f"{FAULTS}:dies", "rosenbrock"], ["lbfgs", "gd"], param_grid={f"{FAULTS}:dies.code": [7, -9]},
                       budgets=Budgets(max_iter=50), out=tmp_path / "run", jobs=2, plots=False,
                       problem_files=(FAULTS,))
    by = {(rec.spec.problem, rec.spec.params, rec.spec.method): rec for rec in r.records}
    for method in ("lbfgs", "gd"):
        died = by[(f"{FAULTS}:dies", (("code", 7),), method)]
        assert died.status == "crashed" and "exited with code 7" in died.message
        killed = by[(f"{FAULTS}:dies", (("code", -9),), method)]
        assert killed.status == "crashed" and "signal 9 (SIGKILL)" in killed.message
    others = [rec for rec in r.records if rec.spec.problem == "rosenbrock"]
    assert [o.status for o in others] == ["converged", "max_iter"]  # completed in fresh workers
    m = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert m["state"] == "complete" and m["status_counts"]["crashed"] == 4
    assert m["finished_runs"] == 6
    rows = list(csv.DictReader(open(tmp_path / "run" / "summary.csv")))
    assert sum(row["status"] == "crashed" for row in rows) == 4 and len(rows) == 6


# ------------------------------------------------------------------ sys.exit in f
def test_sys_exit_in_f_is_an_error_in_solve():
    r = cli("solve", f"{FAULTS}:exits", "-m", "gd")
    assert r.exit_code == 1
    assert "Status: error" in r.stdout and "SystemExit(3)" in r.stdout
    assert "gd on exits" in r.stdout  # the table so far


def test_sys_exit_in_f_is_an_error_in_serial_compare(tmp_path):
    r = run_comparison([f"{FAULTS}:exits", "rosenbrock"], ["lbfgs"], out=tmp_path / "run", plots=False,
                       problem_files=(FAULTS,))
    assert [rec.status for rec in r.records] == ["error", "converged"]
    assert "SystemExit(3)" in r.records[0].message and r.records[0].trace["iter"]  # the trace so far is kept
    assert json.loads((tmp_path / "run" / "manifest.json").read_text())["state"] == "complete"


# ------------------------------------------------------------------ f blocks past max_time
def test_max_time_is_a_hard_limit_in_solve():
    t0 = time.perf_counter()
    r = optbench.solve(f"{FAULTS}:sleepy", "gd", params={"delay": 0.6}, max_time=1.0)
    elapsed = time.perf_counter() - t0
    assert r.status.value == "max_time" and "hard limit" in r.message
    assert elapsed < 1.0 + 1.0  # not 0.6 s per call until the next between-iterations check
    assert len(r.trace) >= 1  # the trace so far


def test_max_time_timer_restores_the_previous_handler():
    import signal

    before = signal.getsignal(signal.SIGALRM)
    optbench.solve("rosenbrock", "lbfgs", max_time=5.0)
    assert signal.getsignal(signal.SIGALRM) is before and signal.getitimer(signal.ITIMER_REAL)[0] == 0


def test_max_time_in_compare_workers_stops_a_blocked_run(tmp_path):
    from optbench.compare.pool import GRACE

    specs = expand_grid([f"{FAULTS}:sleepy", "rosenbrock"], {f"{FAULTS}:sleepy.masked": [True, False], f"{FAULTS}:sleepy.delay": [30.0]}, None,
                        ["gd"], problem_files=(FAULTS,))
    t0 = time.perf_counter()
    out = run_grid(specs, Budgets(max_time=0.5, max_iter=200), jobs=2)
    elapsed = time.perf_counter() - t0
    masked, plain, rosen = out.records
    assert masked.status == "max_time" and "worker was stopped" in masked.message
    assert plain.status == "max_time" and "hard limit" in plain.message
    assert rosen.status in ("max_iter", "max_time")
    assert elapsed < 0.5 + GRACE + 6  # worker start-up on a loaded machine included


# ------------------------------------------------------------------ the CSV cannot be written
def test_csv_on_a_full_disk_is_named_and_the_result_still_printed():
    r = cli("solve", "rosenbrock", "-m", "lbfgs", "--csv", "/dev/full")
    assert r.exit_code == 1
    assert "Status: converged" in r.stdout  # the result stands
    assert "'/dev/full'" in r.stderr and "No space left on device" in r.stderr
    assert "Trace written" not in r.stdout and "internal error" not in r.output


def test_csv_past_the_file_size_limit_holds_only_complete_rows(tmp_path):
    path = tmp_path / "t.csv"
    cmd = [sys.executable, "-m", "optbench", "solve", "rosenbrock", "-m", "gd", "--max-iter", "300", "--csv",
           str(path), "-q"]

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (6000, 6000))

    p = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=limit,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
    assert p.returncode == 1, p.stderr
    assert "Status: max_iter" in p.stdout
    assert "File too large" in p.stderr and str(path) in p.stderr
    claimed = int(p.stderr.split("holds the first ")[1].split()[0])
    rows = list(csv.reader(path.open()))
    assert path.read_text().endswith("\n")
    assert all(len(row) == len(rows[0]) for row in rows)  # no cut row
    assert len(rows) - 1 == claimed > 0
    assert [int(row[0]) for row in rows[1:]] == list(range(claimed))


# ------------------------------------------------------------------ report on a damaged run directory
def test_report_refuses_a_truncated_summary(copy):
    text = (copy / "summary.csv").read_text()
    (copy / "summary.csv").write_text(text[: text.rindex("\n", 0, len(text) - 1) + 25])
    one_line_error(cli("report", copy), 1, "summary.csv", "line 5")


def test_report_refuses_an_empty_summary_of_a_complete_run(copy):
    text = (copy / "summary.csv").read_text()
    (copy / "summary.csv").write_text(text.splitlines()[0] + "\n")
    one_line_error(cli("report", copy), 1, "holds 0 run(s)", "complete with 4")


def test_report_refuses_a_value_of_the_wrong_type(copy):
    rows = list(csv.reader((copy / "summary.csv").open()))
    rows[1][rows[0].index("nit")] = "many"
    with (copy / "summary.csv").open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    one_line_error(cli("report", copy), 1, "line 2", "wrong type")


@pytest.mark.parametrize("manifest,words", [
    ("[]", ["JSON list", "not the object"]),
    ('{"state": "complete"}', ["total_runs"]),
    ("[" * 100_000 + "]" * 100_000, ["nested too deeply"]),
    ('{"total_runs": 4, "state": "finished?"}', ["state must be"]),
])
def test_report_refuses_a_manifest_of_the_wrong_shape(copy, manifest, words):
    (copy / "manifest.json").write_text(manifest)
    one_line_error(cli("report", copy), 1, "manifest.json", *words)


# ------------------------------------------------------------------ markup and escapes
def test_markup_and_terminal_escapes_in_a_run_directory_are_shown_escaped(copy):
    m = json.loads((copy / "manifest.json").read_text())
    m["command"] = "optbench [bold red]pwned[/bold red] \x1b]0;title\x07\x1b[2J"
    (copy / "manifest.json").write_text(json.dumps(m))
    rows = list(csv.reader((copy / "summary.csv").open()))
    rows[1][rows[0].index("instance")] = "[blink]evil[/blink]\x1b[31m"
    rows[1][rows[0].index("message")] = "[link=http://x]click[/link]\x1b[1A"
    rows[1][rows[0].index("status")] = "max_iter"
    rows[1][rows[0].index("success")] = "false"
    with (copy / "summary.csv").open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    r = cli("report", copy)
    assert r.exit_code == 0, r.output
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout
    assert "[bold red]pwned[/bold red]" in r.stdout and "\\x1b]0;title\\x07" in r.stdout
    assert "[blink]evil[/blink]\\x1b[31m" in r.stdout
    assert "[link=http://x]click[/link]" in r.stdout


def test_escape_codes_in_an_error_message_are_shown_escaped():
    r = cli("solve", "rosen\x1b[2Jbrock")
    assert r.exit_code == 2 and "\x1b" not in r.stderr and "\\x1b[2J" in r.stderr


# ------------------------------------------------------------------ plots/ symlinked outside
def test_plot_refuses_a_plots_symlink_leading_outside(copy, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (copy / "plots").symlink_to(outside)
    one_line_error(cli("plot", copy), 1, "symbolic link")
    assert list(outside.iterdir()) == []


# ------------------------------------------------------------------ a saddle the 20-step check missed
@pytest.mark.parametrize("method", ["newton", "newton-cg"])
def test_saddle_missed_by_twenty_lanczos_steps_is_not_converged(method):
    r = optbench.solve(f"{FAULTS}:diagonal_saddle", method)
    assert r.status.value != "converged"  # it leaves the saddle (the quadratic is unbounded below)
    assert r.status.value == "unbounded" and r.fun < -1e6  # by f < −1e20, or the trust-region model (trust.py)
    assert any(str(n).startswith("escape: λmin=-") for n in r.trace.column("note"))


def test_curvature_check_reports_what_it_certified_and_its_cost():
    r = optbench.solve(f"{FAULTS}:diagonal_saddle", "newton-cg", params={"lowest": 1.0}, x0=np.ones(100))
    assert r.status.value == "converged"
    assert "curvature checked: λmin ≥" in r.message and "Hessian-vector products" in r.message


def test_curvature_check_at_its_cap_says_it_certified_nothing(monkeypatch):
    from optbench.solvers import curvature

    monkeypatch.setattr(curvature, "LANCZOS_MAX", curvature.LANCZOS_STEPS)
    r = optbench.solve(f"{FAULTS}:diagonal_saddle", "newton-cg", params={"lowest": 1.0}, x0=np.ones(100))
    assert r.status.value == "converged"
    assert "curvature NOT certified" in r.message and "cap of 20 Hessian-vector products" in r.message


# ------------------------------------------------------------------ scipy with gtol = 0
@pytest.mark.parametrize("method", ["scipy:L-BFGS-B", "scipy:trust-ncg", "scipy:BFGS"])
def test_scipy_with_the_gradient_test_off_is_never_converged(method):
    r = optbench.solve("rosenbrock", method, x0=[1.0, 1.0], gtol=0.0, max_iter=50)
    assert r.status.value != "converged" and not r.success
    assert "scipy" in r.message


# ------------------------------------------------------------------ internal errors become one-line messages
@pytest.mark.parametrize("args,code,words", [
    (["solve", "rosenbrock", "-m", "lbfgs", "-o", "m=1000000000000000"], 2, ["m=1000000000000000", "-o"]),
    (["solve", "rosenbrock", "-m", "lbfgs", "--csv", "/dev/full"], 1, ["/dev/full", "No space left"]),
])
def test_former_internal_errors_are_one_line_messages(args, code, words):
    r = cli(*args)
    assert r.exit_code == code and "internal error" not in r.output and "Traceback" not in r.output
    line = r.stderr.strip().splitlines()[-1]
    for w in words:
        assert w in line


def test_damaged_traces_file_is_named(copy):
    with (copy / "traces.csv").open("a") as fh:
        fh.write("0,x,{},0,lbfgs,{},zero,1,2\n")
    one_line_error(cli("plot", copy), 1, "traces.csv")


def test_summary_that_is_not_utf8_is_named(copy):
    (copy / "summary.csv").write_bytes(b"\xff\xfe" + (copy / "summary.csv").read_bytes())
    one_line_error(cli("report", copy), 1, "summary.csv")


# ------------------------------------------------------------------ --x0 1,nan
def test_x0_nan_message_shows_plain_numbers():
    line = one_line_error(cli("solve", "rosenbrock", "--x0", "1,nan"), 2, "--x0")
    assert "got nan at position(s) [2]" in line and "np." not in line


# ------------------------------------------------------------------ unbounded below along a line
@pytest.mark.parametrize("method", ["gd", "newton", "newton-cg", "lbfgs"])
def test_objective_unbounded_along_a_line_is_reported_unbounded(method):
    r = optbench.solve(f"{FAULTS}:linear", method)
    assert r.status.value == "unbounded", r.message
    assert r.nit < 50


# ------------------------------------------------------------------ --dask trust, statuses documented
def test_readme_documents_statuses_faults_and_dask_trust():
    from optbench.core.status import Status

    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Errors and statuses", 1)[1].split("\n## ", 1)[0]
    for s in Status:
        assert f"`{s.value}`" in section, s
    assert "--dask" in section and "trusted" in section
    assert "crashed" in section and "hard limit" in section
