"""Issue 16 (solve and CLI conventions): x0 files and broadcast, StopIteration from a callback,
params and jac in --json, the elided-rows marker and footers, budget progress, --version/-h,
rich help, bench's consistent flags, case-insensitive method names with the closest match."""

import fnmatch
import json
import re

import numpy as np
import pytest
from typer.testing import CliRunner

import optbench
from optbench.cli import app
from optbench.cli.common import SOLVER_MAX_ITER, solver_max_iter_text
from optbench.cli.progress import RunProgress
from optbench.cli.render import elision_note, gaps, select_rows, summary_text, trace_table
from optbench.core.errors import UsageError
from optbench.core.status import Status

runner = CliRunner()


def invoke(*args, **env):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "100", **env})


def one_error_line(r) -> str:
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), r.output
    assert "Traceback" not in r.output
    return lines[0]


# ---------------------------------------------------------------- 1. --x0 from a file, or one number


@pytest.mark.parametrize("kind", ["npy", "txt", "csv", "csv-row"])
def test_x0_from_a_file_is_the_starting_point(tmp_path, kind):
    x0 = [float(v) for v in np.linspace(-1.0, 1.5, 5)]
    path = tmp_path / f"x0.{kind.split('-')[0]}"
    if kind == "npy":
        np.save(path, np.array(x0))
    elif kind == "txt":
        path.write_text("# a starting point\n" + "\n".join(repr(v) for v in x0) + "\n")
    elif kind == "csv":
        path.write_text("\n".join(f"{v!r}," for v in x0).replace(",\n", "\n").rstrip(",") + "\n")
    else:
        path.write_text(", ".join(repr(v) for v in x0) + "\n")
    r = invoke("solve", "rosenbrock", "-p", "n=5", "--x0", f"@{path}", "--json", "--max-iter", "1")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    expected = optbench.solve("rosenbrock", params={"n": 5}, x0=x0, max_iter=1)
    assert data["trace"][0]["f"] == pytest.approx(expected.trace.data["f"][0], rel=1e-15)
    assert data["trace"][0]["f"] != pytest.approx(optbench.solve("rosenbrock", params={"n": 5}, max_iter=0).fun)


def test_x0_scalar_is_broadcast_at_n_100():
    r = invoke("solve", "rosenbrock", "-p", "n=100", "--x0", "0.5", "--json", "--json-jac", "--max-iter", "0")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["x"] == [0.5] * 100
    x = np.full(100, 0.5)
    # chained Rosenbrock: sum 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2 over 99 pairs
    assert data["fun"] == pytest.approx(99 * (100 * 0.25**2 + 0.25))
    assert optbench.solve("rosenbrock", params={"n": 100}, x0=0.5, max_iter=0).x.tolist() == x.tolist()


@pytest.mark.parametrize("content, message", [
    ("1 2\n3 4\n", "holds a 2 × 2 array; give one row or one column"),
    ("1, two, 3\n", "not a file of numbers"),
    ("# nothing\n", "holds no numbers"),
])
def test_x0_bad_files_give_one_line_naming_the_file(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_text(content)
    r = invoke("solve", "rosenbrock", "--x0", f"@{path}")
    assert r.exit_code == 2
    line = one_error_line(r)
    assert f"--x0 @{path}" in line and message in line


def test_x0_missing_file_and_wrong_length():
    r = invoke("solve", "rosenbrock", "--x0", "@does-not-exist.npy")
    assert r.exit_code == 2 and "no such file" in one_error_line(r)
    r = invoke("solve", "rosenbrock", "-p", "n=3", "--x0", "1,2")
    line = one_error_line(r)
    assert r.exit_code == 2
    assert "--x0 has 2 entries but problem 'rosenbrock' has n = 3 (got [1, 2])" in line
    assert "one number for every coordinate" in line


def test_x0_errors_show_plain_numbers_not_numpy_reprs():
    with pytest.raises(UsageError) as e:
        optbench.solve("rosenbrock", x0=np.array([np.int64(1), np.int64(2), np.int64(3)]))
    assert "np." not in str(e.value) and "[1, 2, 3]" in str(e.value)
    with pytest.raises(UsageError) as e:
        optbench.solve("rosenbrock", x0=[1.0, np.float64("inf")])
    assert "got inf at position(s) [2]" in str(e.value)


# ---------------------------------------------------------------- 2. StopIteration from a callback


@pytest.mark.parametrize("method", ["lbfgs", "newton", "gd", "trust-ncg", "scipy:L-BFGS-B", "scipy:BFGS",
                                    "scipy:trust-krylov"])
def test_callback_stop_iteration_is_a_user_stop_with_the_trace_kept(method):
    seen = []

    def callback(rec):
        seen.append(rec["iter"])
        if rec["iter"] == 3:
            raise StopIteration("enough")

    r = optbench.solve("rosenbrock", method, callback=callback)
    assert r.status is Status.STOPPED and r.success is False
    assert r.nit == 3 and len(r.trace) == 4 and seen == [0, 1, 2, 3]
    assert "stopped by the callback after iteration 3" in r.message and "enough" in r.message
    np.testing.assert_array_equal(r.x, r.trace.xs[-1])  # x is the iterate the callback saw last


def test_scipy_internal_stop_is_not_mistaken_for_the_users():
    # scipy's recording callback raises StopIteration itself when our gradient test holds:
    calls = []
    r = optbench.solve("rosenbrock", "scipy:BFGS", callback=calls.append)
    assert r.status is Status.CONVERGED and len(calls) == len(r.trace)


def test_stop_at_row_zero_and_status_listed():
    def stop(rec):
        raise StopIteration

    r = optbench.solve("rosenbrock", "newton", callback=stop)
    assert r.status is Status.STOPPED and r.nit == 0 and len(r.trace) == 1
    assert Status.STOPPED.value == "stopped" and not Status.STOPPED.success
    assert "callback" in Status.STOPPED.description


def test_cli_reports_a_stopped_run_with_exit_0_and_strict_1(monkeypatch):
    import optbench.cli.progress as progress

    def stopping_progress(self, rec):
        if rec["iter"] == 2:
            raise StopIteration

    monkeypatch.setattr(progress.RunProgress, "__call__", stopping_progress)
    r = invoke("solve", "rosenbrock", "-m", "newton", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["status"] == "stopped" and d["success"] is False and len(d["trace"]) == 3
    assert invoke("solve", "rosenbrock", "-m", "newton", "--strict", "-q").exit_code == 1


# ---------------------------------------------------------------- 3. --json: params and jac


def test_json_has_params_as_an_object_and_jac():
    r = invoke("solve", "rosenbrock", "-p", "n=3", "-m", "newton", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["params"] == {"n": 3, "a": 1.0, "b": 100.0, "variant": "chained", "derivatives": "autograd"}
    res = optbench.solve("rosenbrock", "newton", params={"n": 3})
    assert d["jac"] == pytest.approx(res.jac.tolist(), abs=1e-300)
    assert len(d["jac"]) == 3
    assert d["jac_norm_inf"] == pytest.approx(d["grad_norm"])
    assert d["jac_norm_2"] == pytest.approx(float(np.linalg.norm(d["jac"])))


def test_json_large_n_gives_jac_norms_and_json_jac_the_vector():
    args = ("solve", "rosenbrock", "-p", "n=150", "-m", "lbfgs", "--max-iter", "5", "--json")
    d = json.loads(invoke(*args).stdout)
    assert "jac" not in d and "x" not in d
    assert d["jac_norm_2"] > 0 and d["params"]["n"] == 150
    full = json.loads(invoke(*args, "--json-jac").stdout)
    assert len(full["jac"]) == 150 and len(full["x"]) == 150
    assert float(np.linalg.norm(full["jac"])) == pytest.approx(d["jac_norm_2"], rel=1e-12)
    assert max(abs(v) for v in full["jac"]) == pytest.approx(d["grad_norm"])


# ---------------------------------------------------------------- 4. the elided-rows marker and footers


def test_select_rows_fits_markers_in_the_line_budget():
    for n in range(1, 400, 7):
        for m in range(3, 60, 4):
            rows = select_rows(n, m)
            assert rows[0] == 0 and rows[-1] == n - 1
            assert len(rows) + gaps(rows) <= m
            assert all(b - a != 2 for a, b in zip(rows, rows[1:]))  # a one-row gap shows the row instead


def test_table_marker_counts_the_rows_it_stands_for(tmp_path):
    r = invoke("solve", "rosenbrock", "-m", "gd", "--max-iter", "50", "--rows", "12")
    assert r.exit_code == 0, r.output
    table = r.stdout.split(" * ")[0]
    body = [ln for ln in table.splitlines() if ln.startswith("│")]
    assert len(body) <= 12
    counted = [int(m) for m in re.findall(r"│\s+⋮ │\s+(\d+) rows? │", table)]
    shown = [ln for ln in body if "⋮" not in ln]
    assert counted and sum(counted) + len(shown) == 51
    assert f"{sum(counted)} of 51 rows elided" in r.stdout
    assert "--csv FILE keeps every row" in r.stdout and "the CSV keeps every row" not in r.stdout
    r = invoke("solve", "rosenbrock", "-m", "gd", "--max-iter", "50", "--rows", "12", "--csv", tmp_path / "t.csv")
    assert "the CSV keeps every row" in r.stdout and (tmp_path / "t.csv").exists()
    r = invoke("solve", "rosenbrock", "-m", "newton")
    assert "elided" not in r.stdout


def test_long_status_message_wraps_between_words_at_100_columns():
    res = optbench.solve("rosenbrock", "scipy:BFGS")
    from rich.console import Console

    console = Console(width=100, record=True, file=open("/dev/null", "w"))
    console.print(summary_text(res, width=100), end="")
    text = console.export_text()
    lines = text.splitlines()
    assert lines[0].rstrip() == " * Status: converged"
    continuation = [ln for ln in lines[1:] if not ln.startswith(" * ") and not ln.startswith("    ") ]
    assert continuation == []  # no line starts at column 0 in the middle of the message
    assert all(len(ln) <= 100 for ln in lines)
    words = " ".join(ln.strip() for ln in lines[1:lines.index(" * Candidate solution")])
    assert words == res.message
    assert elision_note(res, 40) is None


# ---------------------------------------------------------------- 5. progress against the budget


def test_progress_text_shows_the_budget():
    p = RunProgress(console=type("C", (), {"is_terminal": False})(), label="lbfgs on rosenbrock",
                    max_iter=10000, max_time=10.0)
    text = p.text({"iter": 120, "f": 1.5, "grad_norm": 0.25}, 1.23)
    assert "iter 120/10000 (1%)" in text and "1.2/10 s" in text
    p = RunProgress(console=type("C", (), {"is_terminal": False})(), label="x", max_iter=None)
    assert "iter 7  " in p.text({"iter": 7, "f": 1.0, "grad_norm": 1.0}, 0.5)


def test_progress_shown_on_a_terminal_uses_the_solvers_budget(monkeypatch):
    import optbench.cli.progress as progress

    shown = []

    class FakeStatus:
        def __init__(self, text):
            shown.append(text)

        def start(self):
            pass

        def update(self, text):
            shown.append(text)

        def stop(self):
            pass

    class FakeConsole:
        is_terminal = True

        def status(self, text):
            return FakeStatus(text)

    monkeypatch.setattr("optbench.cli.solve.stderr_console", lambda: FakeConsole())
    monkeypatch.setattr(progress.RunProgress.__init__, "__defaults__", (True, 0.0, None, None))
    r = invoke("solve", "rosenbrock", "-p", "n=50", "-m", "gd", "--max-iter", "3000", "--max-time", "30")
    assert r.exit_code == 0, r.output
    assert shown and all(re.search(r"iter \d+/3000 \(\d+%\)", s) and "/30 s" in s for s in shown)


# ---------------------------------------------------------------- 6. conventions


def test_version_and_short_help():
    r = invoke("--version")
    assert r.exit_code == 0 and r.stdout.strip() == f"optbench {optbench.__version__}"
    for args in (["-h"], ["solve", "-h"], ["compare", "-h"], ["bench", "-h"]):
        r = invoke(*args)
        assert r.exit_code == 0 and "Usage" in r.stdout and "--help" in r.stdout


def test_help_shows_choices_and_real_defaults():
    r = invoke("solve", "-h", COLUMNS="200")
    assert "[inf|2]" in r.stdout
    assert "gd 100000" in r.stdout and "lbfgs 10000" in r.stdout
    assert "[inf|2]" in invoke("compare", "-h", COLUMNS="200").stdout
    plot = invoke("plot", "-h", COLUMNS="200").stdout
    assert "[cost|time|iter|nfev]" in plot and "[gtol|f]" in plot


def test_help_max_iter_table_matches_every_registered_method():
    from optbench.solvers.registry import method_registry

    for name, cls in method_registry().items():
        if getattr(cls, "__module__", "").startswith("optbench."):
            budgets = [v for pattern, v in SOLVER_MAX_ITER.items() if fnmatch.fnmatchcase(name, pattern)]
            assert budgets[:1] == [cls.default_max_iter], name
    assert solver_max_iter_text().startswith("the solver's: gd 100000")


def test_method_names_are_case_insensitive_in_solve_and_compare(tmp_path):
    r = invoke("solve", "rosenbrock", "-m", "scipy:l-bfgs-b", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["method"] == "scipy:L-BFGS-B"
    r = invoke("compare", "rosenbrock", "-m", "scipy:l-bfgs-b,LBFGS", "--json", "--out", tmp_path / "run")
    assert r.exit_code == 0, r.output
    assert {row["method"] for row in json.loads(r.stdout)["runs"]} == {"scipy:L-BFGS-B", "lbfgs"}


@pytest.mark.parametrize("command", ["solve", "compare"])
def test_unknown_method_suggests_the_closest(command):
    r = invoke(command, "rosenbrock", "-m", "scipy:lbfgsb")
    assert r.exit_code == 2
    assert "did you mean 'scipy:L-BFGS-B'?" in one_error_line(r)


@pytest.mark.slow  # runs the quick benchmark suite
def test_bench_flags(tmp_path, monkeypatch):
    import optbench.bench.suite as suite

    ran = {}
    real_run = suite.run_suite

    def small_run(cases, **kw):
        ran.update(kw)
        return real_run([c for c in cases][:1], **kw)

    monkeypatch.setattr(suite, "run_suite", small_run)
    out = tmp_path / "b.json"
    r = invoke("bench", "--quick", "--max-n", "2", "--blas-threads", "2", "--out", out)
    assert r.exit_code == 0, r.output
    assert ran["threads"] == 2 and json.loads(out.read_text())["settings"]["blas_threads"] == 2
    assert "optbench vs scipy.optimize" in r.stdout
    r = invoke("bench", "--quick", "--max-n", "2", "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["kind"] == "suite" and doc["records"]
    old = tmp_path / "old.json"
    r = invoke("bench", "--quick", "--max-n", "2", "--json", old, "--threads", "0")
    assert r.exit_code == 0, r.output
    assert json.loads(old.read_text())["kind"] == "suite" and ran["threads"] is None
    assert "`--json FILE` is deprecated; use `--out" in r.output and "--threads is deprecated" in r.output
    assert "--threads" not in invoke("bench", "-h", COLUMNS="200").stdout
    r = invoke("bench", "stray")
    assert r.exit_code == 2 and "bench takes no arguments" in one_error_line(r)


def test_compare_scoped_options_follow_the_case_insensitive_names():
    from optbench.compare.grid import parse_methods, resolve_options

    methods = parse_methods("LBFGS,Scipy:l-bfgs-b")
    assert methods == ["lbfgs", "scipy:L-BFGS-B"]
    assert resolve_options(methods, {"LBFGS.m": "3"}) == {"lbfgs": {"m": ["3"]}, "scipy:L-BFGS-B": {}}


@pytest.mark.parametrize("args, says", [
    (["solve", "rosenbrock", "--bogus"], "--bogus"),
    (["solve", "rosenbrock", "--max-iter"], "'--max-iter' requires an argument"),
    (["solve", "rosenbrock", "--max-iter", "abc"], "'--max-iter'"),
    (["solve"], "Missing argument 'problem'"),
    (["graph"], "Missing argument 'problem'"),
    (["plot"], "Missing argument 'run_dir'"),
    (["report"], "Missing argument 'run_dir'"),
    (["nosuch"], "No such command 'nosuch'"),
])
def test_a_malformed_command_line_is_one_line_with_exit_2(args, says):
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1 and says in r.stderr, r.stderr
    assert "╭" not in r.output and "Traceback" not in r.output
