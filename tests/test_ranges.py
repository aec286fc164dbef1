"""Integer ranges in `-p` grids (`id=1..35`, `id=1..3,7`): the parser and one `optbench compare` run."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from optbench import UsageError
from optbench.cli import app
from optbench.compare.grid import expand_grid, parse_param_grid
from optbench.compare.ranges import MAX_RANGE, expand_ranges


def test_range_includes_both_ends():
    assert parse_param_grid(["id=1..5"]) == {"id": ["1", "2", "3", "4", "5"]}
    assert parse_param_grid(["id=3..3"]) == {"id": ["3"]}
    assert parse_param_grid(["x=-2..1"]) == {"x": ["-2", "-1", "0", "1"]}


def test_ranges_mix_with_plain_values_in_order():
    assert parse_param_grid(["id=1..3,7", "n=10,100"]) == {"id": ["1", "2", "3", "7"], "n": ["10", "100"]}
    assert parse_param_grid(["mgh.id=9, 1..2"]) == {"mgh.id": ["9", "1", "2"]}
    assert parse_param_grid(["variant=extended"]) == {"variant": ["extended"]}  # no "..": untouched
    assert expand_ranges(["1.5", "a"], "-p x") == ["1.5", "a"]


@pytest.mark.parametrize("item,needle", [
    ("id=5..1", "-p id=5..1: range 5..1 is empty (start 5 > end 1); write 1..5"),
    ("id=1..x", "-p id=1..x: range 1..x needs integer ends, got 'x'"),
    ("id=..3", "range ..3 needs integer ends, got ''"),
    ("id=1.5..3", "got '1.5'"),
    ("id=1...3", "got '.3'"),
    ("id=2,4..3", "range 4..3 is empty"),
    (f"id=1..{MAX_RANGE + 1}", f"has {MAX_RANGE + 1} values"),
])
def test_bad_ranges_are_one_line_errors_naming_the_value(item, needle):
    with pytest.raises(UsageError) as e:
        parse_param_grid([item])
    from optbench.cli.common import FLAGS

    assert needle in e.value.render(FLAGS) and "\n" not in str(e.value)  # the CLI names its flag, -p
    assert needle.replace("-p ", "parameter ") in str(e.value)  # the library names the setting


def test_expanded_range_reaches_the_grid_as_values():
    specs = expand_grid(["mgh"], parse_param_grid(["id=1..3,7"]), methods=["lbfgs"])
    assert [dict(s.params)["id"] for s in specs] == ["1", "2", "3", "7"]


def test_compare_runs_an_mgh_range(tmp_path):
    runner = CliRunner()
    out = tmp_path / "run"
    r = runner.invoke(app, ["compare", "mgh", "-p", "id=4..5,7", "-m", "lbfgs,newton", "--out", str(out),
                            "--no-plots", "--json"])
    assert r.exit_code == 0, r.output
    runs = json.loads(r.stdout)["runs"]
    assert sorted((row["params"]["id"], row["method"]) for row in runs) == sorted(
        (i, m) for i in ("4", "5", "7") for m in ("lbfgs", "newton"))
    assert {row["status"] for row in runs} == {"converged"}
    with open(out / "summary.csv", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 6
    bad = runner.invoke(app, ["compare", "mgh", "-p", "id=5..1", "-m", "lbfgs", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "range 5..1 is empty" in bad.stderr
    assert bad.stderr.strip().count("\n") == 0 and "Traceback" not in bad.output
    assert not (tmp_path / "x").exists()
