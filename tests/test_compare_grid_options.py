"""Solver options as a grid axis (`-o lbfgs.m=3,10`), repeated flags that accumulate, list-valued
parameters (`-p hidden=32x16`): the parsers, the grid, and `optbench compare`/`solve` end to end."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from optbench import UsageError
from optbench.cli import app
from optbench.cli.common import FLAGS
from optbench.compare.grid import (expand_grid, option_variants, parse_option_grid, parse_param_grid,
                                   resolve_options)
from optbench.compare.plots import profile_matrix, slug
from optbench.core.problem import make_problem

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def summary(out):
    with open(out / "summary.csv", newline="") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------------------- parsing
def test_repeated_keys_accumulate_in_order_without_duplicates():
    assert parse_param_grid(["n=10", "n=20"]) == {"n": ["10", "20"]}
    assert parse_param_grid(["n=10,20", "a=1", "n=20,30"]) == {"n": ["10", "20", "30"], "a": ["1"]}
    assert parse_option_grid(["lbfgs.m=3", "lbfgs.m=10,3"]) == {"lbfgs.m": ["3", "10"]}
    assert parse_option_grid(["lbfgs.m=3..5"]) == {"lbfgs.m": ["3", "4", "5"]}


def test_option_grid_is_per_method_and_checked():
    per = resolve_options(["gd", "lbfgs"], {"lbfgs.m": ["3", "10", "3.0"], "c1": ["1e-4", "0.0001", "1e-3"]})
    assert per == {"gd": {"c1": ["1e-4", "1e-3"]}, "lbfgs": {"m": ["3", "10"], "c1": ["1e-4", "1e-3"]}}
    # case-insensitive scope, as -m
    assert resolve_options(["scipy:L-BFGS-B"], {"SCIPY:l-bfgs-b.maxcor": ["5"]}) == {"scipy:L-BFGS-B": {"maxcor": ["5"]}}


@pytest.mark.parametrize("methods,opts,needle", [
    (["lbfgs"], {"lbfgs.m": ["3", "x"]}, "lbfgs option 'm' must be an integer, got 'x'"),
    (["lbfgs"], {"lbfgs.mm": ["3"]}, "lbfgs option 'mm' not found; did you mean 'm'? (choices: c1, c2, line_search, m, rho"),
    (["gd", "newton"], {"m": ["3", "10"]}, "-o m=3,10: none of the methods gd, newton has an option 'm'; their "
                                           "options: gd: lr, line_search, c1, c2, rho; newton: line_search"),
    (["newton"], {"etaa": ["1"]}, "did you mean 'eta'?"),
    (["gd", "newton"], {"lbfgs.m": ["3"]}, "-o lbfgs.m=3: method 'lbfgs' is not among the compared methods (gd, newton)"),
])
def test_bad_options_are_one_line_errors_naming_value_and_names(methods, opts, needle):
    with pytest.raises(UsageError) as e:
        resolve_options(methods, opts)
    text = e.value.render(FLAGS)
    assert needle in text and "\n" not in text


def test_option_variants_label_only_the_axes():
    assert option_variants({}) == [((), "")]
    assert option_variants({"m": ["5"]}) == [((("m", "5"),), "")]
    assert option_variants({"m": ["3", "10"], "c1": ["1e-3"]}) == [
        ((("m", "3"), ("c1", "1e-3")), "[m=3]"), ((("m", "10"), ("c1", "1e-3")), "[m=10]")]
    got = option_variants({"m": ["3", "10"], "line_search": ["wolfe", "armijo"]})
    assert [v for _, v in got] == ["[m=3,line_search=wolfe]", "[m=3,line_search=armijo]",
                                   "[m=10,line_search=wolfe]", "[m=10,line_search=armijo]"]


def test_grid_has_one_labelled_method_per_option_combination():
    per = resolve_options(["gd", "lbfgs"], parse_option_grid(["lbfgs.m=3,10", "lbfgs.c1=1e-3"]))
    specs = expand_grid(["rosenbrock"], {"n": ["2", "3"]}, methods=["gd", "lbfgs"], options=per)
    assert [(s.instance, s.label, s.options) for s in specs] == [
        ("rosenbrock(n=2)", "gd", ()),
        ("rosenbrock(n=2)", "lbfgs[m=3]", (("m", "3"), ("c1", "1e-3"))),
        ("rosenbrock(n=2)", "lbfgs[m=10]", (("m", "10"), ("c1", "1e-3"))),
        ("rosenbrock(n=3)", "gd", ()),
        ("rosenbrock(n=3)", "lbfgs[m=3]", (("m", "3"), ("c1", "1e-3"))),
        ("rosenbrock(n=3)", "lbfgs[m=10]", (("m", "10"), ("c1", "1e-3"))),
    ]
    assert [s.run_id for s in specs] == list(range(6)) and {s.method for s in specs} == {"gd", "lbfgs"}


# ---------------------------------------------------------------------------- list-valued parameters
def test_list_values_parse_and_compose_with_grids_and_ranges():
    assert parse_param_grid(["hidden=32x16,64", "hidden=2..3"]) == {"hidden": ["32x16", "64", "2", "3"]}
    specs = expand_grid(["mlp"], parse_param_grid(["hidden=32x16,64"]), methods=["lbfgs"])
    assert [s.instance for s in specs] == ["mlp(hidden=32x16)", "mlp(hidden=64)"]
    two = make_problem("mlp", {"hidden": "32x16"})
    assert two.params == {"hidden": (32, 16)} and two.label == "mlp(hidden=32x16)"
    assert two.n == make_problem("mlp", {"hidden": "32,16"}).n == make_problem("mlp", {"hidden": [32, 16]}).n
    assert two.n == (2 * 32 + 32) + (32 * 16 + 16) + (16 * 2 + 2)  # moons: 2 features, 2 classes


@pytest.mark.parametrize("item,needle", [
    ("hidden=32xfoo", "mlp parameter 'hidden' must be integers joined by x, like 32x16; got '32xfoo' "
                      "('foo' is not an integer)"),
    ("hidden=32x", "got '32x' (an empty entry)"),
    ("hidden=32x16..18", "-p hidden=32x16..18: '32x16..18' mixes a range (a..b) with a list of sizes (AxB)"),
])
def test_bad_list_values_are_one_line_errors(item, needle):
    with pytest.raises(UsageError) as e:
        expand_grid(["mlp"], parse_param_grid([item]), methods=["lbfgs"])
    assert needle in e.value.render(FLAGS) and "\n" not in str(e.value)


# ---------------------------------------------------------------------------- the CLI
def test_compare_option_grid_labels_tables_csv_json_and_profiles(tmp_path):
    out = tmp_path / "run"
    r = invoke("compare", "rosenbrock", "-p", "n=2", "-p", "n=3", "-m", "lbfgs,gd", "-o", "lbfgs.m=3",
               "-o", "lbfgs.m=10", "--max-iter", "40", "--out", out, "--no-plots")
    assert r.exit_code == 0, r.output
    rows = summary(out)
    assert [(x["instance"], x["method"], x["options"], x["status"], x["nit"]) for x in rows] == [
        ("rosenbrock(n=2)", "lbfgs[m=3]", '{"m": "3"}', "converged", "35"),
        ("rosenbrock(n=2)", "lbfgs[m=10]", '{"m": "10"}', "converged", "36"),
        ("rosenbrock(n=2)", "gd", "{}", "max_iter", "40"),
        ("rosenbrock(n=3)", "lbfgs[m=3]", '{"m": "3"}', "converged", "36"),
        ("rosenbrock(n=3)", "lbfgs[m=10]", '{"m": "10"}', "converged", "38"),
        ("rosenbrock(n=3)", "gd", "{}", "max_iter", "40"),
    ]
    lines = r.stdout.splitlines()
    assert any(line.split()[:4] == ["lbfgs[m=3]", "converged", "35*", "6.0802e-17"] for line in lines)
    agg = lines[lines.index(next(line for line in lines if line.startswith("all 2 instances"))):]
    assert [line.split()[:2] for line in agg if line.strip().startswith(("lbfgs[", "gd "))] == [
        ["lbfgs[m=3]", "2/2*"], ["lbfgs[m=10]", "2/2*"], ["gd", "0/2"]]
    with open(out / "traces.csv", newline="") as fh:
        assert {t["method"] for t in csv.DictReader(fh)} == {"lbfgs[m=3]", "lbfgs[m=10]", "gd"}
    m = json.loads((out / "manifest.json").read_text())
    assert m["options"] == {"lbfgs": {"m": ["3", "10"]}, "gd": {}}
    assert m["param_grid"] == {"n": ["2", "3"]}
    rep = invoke("report", out, "--json")
    data = json.loads(rep.stdout)
    assert [a["method"] for a in data["aggregate"]] == ["lbfgs[m=3]", "lbfgs[m=10]", "gd"]
    # profiles: one column per labelled method; labels become distinct, file-name-safe slugs
    from optbench.compare.rundir import load_run

    _, rows2, traces = load_run(out)
    _, methods, T, _ = profile_matrix(rows2, traces)
    assert methods == ["lbfgs[m=3]", "lbfgs[m=10]", "gd"] and T.shape == (2, 3)
    slugs = [slug(x) for x in methods]
    assert len(set(slugs)) == 3 and all(c.isalnum() or c in "=-._" for s in slugs for c in s)


def test_compare_unscoped_option_grid_goes_to_every_method_that_has_it(tmp_path):
    r = invoke("compare", "rosenbrock", "-m", "gd,lbfgs,scipy:BFGS", "-o", "c1=1e-4,1e-3", "--max-iter", "5",
               "--out", tmp_path / "run", "--no-plots", "--json")
    assert r.exit_code == 0, r.output
    got = [(x["method"], x["options"]) for x in json.loads(r.stdout)["runs"]]
    assert got == [(f"{m}[c1={v}]", {"c1": v}) for m in ("gd", "lbfgs", "scipy:BFGS") for v in ("1e-4", "1e-3")]


@pytest.mark.parametrize("args,needle", [
    (["-m", "gd", "-o", "m=3,10"], "error: -o m=3,10: none of the methods gd has an option 'm'; their options: "
                                   "gd: lr, line_search, c1, c2, rho (use METHOD.m=... to scope it)"),
    (["-m", "lbfgs", "-o", "lbfgs.m=3,ten"], "error: lbfgs option 'm' must be an integer, got 'ten'"),
    (["-m", "lbfgs", "-o", "lbfgs.m=5..1"], "error: -o lbfgs.m=5..1: range 5..1 is empty"),
    (["-m", "lbfgs", "-o", "lbfgs.m"], "error: -o expects key=value[,value...], got 'lbfgs.m'"),
])
def test_compare_bad_option_grids_exit_2_before_writing(tmp_path, args, needle):
    r = invoke("compare", "rosenbrock", *args, "--out", tmp_path / "x")
    assert r.exit_code == 2 and r.stderr.startswith(needle) and r.stderr.count("\n") == 1, r.stderr
    assert not (tmp_path / "x").exists()


def test_compare_two_layer_mlp_beside_a_one_layer_one(tmp_path):
    r = invoke("compare", "mlp", "-p", "hidden=4x3,5", "-p", "n_samples=30", "-m", "lbfgs", "--max-iter", "3",
               "--out", tmp_path / "run", "--no-plots", "--json")
    assert r.exit_code == 0, r.output
    runs = json.loads(r.stdout)["runs"]
    assert [(x["instance"], x["params"], x["n"]) for x in runs] == [
        ("mlp(hidden=4x3,n_samples=30)", {"hidden": "4x3", "n_samples": "30"}, (2 * 4 + 4) + (4 * 3 + 3) + (3 * 2 + 2)),
        ("mlp(hidden=5,n_samples=30)", {"hidden": "5", "n_samples": "30"}, (2 * 5 + 5) + (5 * 2 + 2)),
    ]
    bad = invoke("compare", "mlp", "-p", "hidden=32xfoo", "-m", "lbfgs", "--out", tmp_path / "bad")
    assert bad.exit_code == 2 and bad.stderr == ("error: mlp parameter 'hidden' must be integers joined by x, like "
                                                 "32x16; got '32xfoo' ('foo' is not an integer)\n")


def test_solve_accumulates_distinct_keys_and_refuses_two_values_of_one(tmp_path):
    r = invoke("solve", "mlp", "-p", "hidden=4x3", "-p", "n_samples=30", "-m", "lbfgs", "--max-iter", "2", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["params"]["hidden"] == [4, 3] and d["params"]["n_samples"] == 30 and len(d["x"]) == 12 + 15 + 8
    same = invoke("solve", "rosenbrock", "-p", "n=3", "-p", "n=3", "-m", "lbfgs", "-q")
    assert same.exit_code == 0 and "Traceback" not in same.output
    r = invoke("solve", "rosenbrock", "-p", "n=10", "-p", "n=20", "-m", "lbfgs")
    assert r.exit_code == 2
    assert r.stderr == ("error: --param n is given twice (n=10 and n=20); this command runs one instance, so give n "
                        "once (optbench compare takes grids: n=a,b)\n")
    r = invoke("solve", "rosenbrock", "-m", "lbfgs", "-o", "m=3", "-o", "m=5")
    assert r.exit_code == 2 and "--option m is given twice (m=3 and m=5)" in r.stderr


def test_solve_refuses_two_methods_and_takes_one_given_twice():
    r = invoke("solve", "rosenbrock", "-m", "newton", "-m", "lbfgs")
    assert r.exit_code == 2
    assert r.stderr == ("error: --method is given 2 times (newton, lbfgs); solve runs one method "
                        "(optbench compare runs several: -m newton,lbfgs)\n")
    r = invoke("solve", "rosenbrock", "-m", "newton", "-m", "newton", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["method"] == "newton"
    r = invoke("solve", "rosenbrock", "--json")  # the default stays lbfgs
    assert r.exit_code == 0 and json.loads(r.stdout)["method"] == "lbfgs"


def test_compare_repeated_methods_accumulate_and_a_repeat_is_refused(tmp_path):
    r = invoke("compare", "rosenbrock", "-m", "gd", "-m", "lbfgs", "--max-iter", "3", "--out", tmp_path / "run",
               "--no-plots", "--json")
    assert r.exit_code == 0, r.output
    assert [x["method"] for x in json.loads(r.stdout)["runs"]] == ["gd", "lbfgs"]
    r = invoke("compare", "rosenbrock", "-m", "gd", "-m", "gd,lbfgs", "--out", tmp_path / "x")
    assert r.exit_code == 2 and r.stderr == "error: method 'gd' is given twice in -m\n"


def test_list_types_parse_from_text_and_check_api_values():
    from typing import Optional

    from optbench.core.params import check_value, cli_text, parse_value, type_name

    assert parse_value("1.5x2", list[float], "w") == (1.5, 2.0)
    assert parse_value("32X16", tuple[int, ...], "w") == (32, 16) and parse_value("", tuple[int, ...], "w") == ()
    assert parse_value("none", Optional[tuple[int, ...]], "w") is None
    assert parse_value("4x5", Optional[tuple[int, ...]], "w") == (4, 5)
    assert check_value([1, 2.0], tuple[int, ...], "w") == (1, 2) and check_value(3, tuple[int, ...], "w") == (3,)
    with pytest.raises(UsageError, match=r"^w must be an integer, got 2\.5$"):
        check_value([1, 2.5], tuple[int, ...], "w")
    with pytest.raises(UsageError, match=r"^w must be numbers joined by x, like 32x16; got '1xa' \('a' is not a number\)$"):
        parse_value("1xa", list[float], "w")
    assert type_name(tuple[int, ...]) == "int list (AxB)" and cli_text((32, 16)) == "32x16"
