"""Long runs: the stored trace samples log-spaced rows, the streamed CSV keeps every row (or every K-th + the last)."""

import csv
import io
import math

import pytest
from typer.testing import CliRunner

import optbench
from optbench.cli import app
from optbench.core.trace import COLUMNS, Trace, log_spaced


def _fill(trace: Trace, k_max: int) -> None:
    for k in range(k_max + 1):
        trace.append(iter=k, time=0.0, f=1.0 / (k + 1), grad_norm=1.0, nfev=k, ngev=k, nhvp=0, nhev=0, inner_iter=0,
                     x=[float(k), 0.0])
    trace.finish()


def test_memory_rows_keeps_the_first_rows_then_log_spaced_and_always_the_last():
    trace = Trace(2, True, memory_rows=100)
    _fill(trace, 123_456)
    its = trace.column("iter")
    assert trace.total == 123_457
    assert its[:100] == list(range(100))
    assert its[-1] == 123_456 and trace.xs[-1][0] == 123_456.0  # the latest row and its x stay aligned
    assert its == sorted(set(its))
    # ~10 rows per decade past the first 100: decades 100..123456 span ~3.1 → ~31 more rows (+ the last)
    assert 100 + 25 <= len(its) <= 100 + 40
    sampled = its[100:-1]
    assert all(log_spaced(k, 10) for k in sampled)
    ratios = [b / a for a, b in zip(sampled, sampled[1:])]
    assert max(ratios) <= 10 ** (1 / 10) * 1.05  # evenly log-spaced: ≈ 10^(1/10) apart


def test_without_memory_rows_every_row_is_kept():
    trace = Trace(2, False)
    _fill(trace, 5000)
    assert trace.column("iter") == list(range(5001))


def test_csv_gets_every_row_even_when_memory_samples():
    buf = io.StringIO()
    trace = Trace(2, False, memory_rows=10)
    trace.add_sink(buf)
    _fill(trace, 2000)
    rows = list(csv.reader(io.StringIO(buf.getvalue())))
    assert rows[0] == list(COLUMNS)
    assert [int(r[0]) for r in rows[1:]] == list(range(2001))
    assert trace.csv_rows == 2001 and len(trace) < 100


@pytest.mark.parametrize("k_max, every", [(2000, 100), (2050, 100), (7, 3)])
def test_csv_every_writes_every_kth_row_and_the_last(k_max, every):
    buf = io.StringIO()
    trace = Trace(2, False, csv_every=every)
    trace.add_sink(buf)
    _fill(trace, k_max)
    its = [int(r[0]) for r in list(csv.reader(io.StringIO(buf.getvalue())))[1:]]
    expected = list(range(0, k_max + 1, every))
    if expected[-1] != k_max:
        expected.append(k_max)
    assert its == expected and trace.csv_rows == len(expected)


def test_solve_cli_trace_rows_and_csv_every(tmp_path):
    out = tmp_path / "t.csv"
    res = CliRunner().invoke(app, ["solve", "rosenbrock", "-m", "gd", "-o", "lr=1e-4", "--max-iter", "1000", "--gtol", "0",
                                   "--trace-rows", "100", "--csv", str(out), "--csv-every", "100", "--json"])
    assert res.exit_code == 0, res.output
    import json

    data = json.loads(res.stdout)
    its = [r["iter"] for r in data["trace"]]
    # the first 100 rows, then 10 per decade (100..1000), then the last
    assert its[:100] == list(range(100)) and its[-1] == 1000 and len(its) <= 100 + 10 + 1
    assert data["trace"][-1]["f"] == pytest.approx(data["fun"], rel=0, abs=0)
    with open(out) as fh:
        csv_its = [int(r["iter"]) for r in csv.DictReader(fh)]
    assert csv_its == list(range(0, 1001, 100))


@pytest.mark.parametrize("flag, value", [("--trace-rows", "0"), ("--csv-every", "0")])
def test_solve_cli_rejects_nonpositive_sampling(flag, value):
    res = CliRunner().invoke(app, ["solve", "rosenbrock", flag, value])
    assert res.exit_code == 2
    assert f"{flag} must be at least 1, got {value}" in res.output
    assert "Traceback" not in res.output


def test_run_finishes_the_trace_on_failure_too():
    """A run that ends early (budget) still writes its skipped last row to the CSV."""
    buf = io.StringIO()
    prob = optbench.make_problem("rosenbrock")
    trace = Trace(prob.n, True, csv_every=4)
    trace.add_sink(buf)
    from optbench import solve

    r = solve(prob, "gd", max_iter=6, trace=trace)
    its = [int(row[0]) for row in list(csv.reader(io.StringIO(buf.getvalue())))[1:]]
    assert r.nit == 6 and its == [0, 4, 6]
    assert math.isclose(float(list(csv.reader(io.StringIO(buf.getvalue())))[-1][2]), r.fun)
