"""Grid expansion, one-run execution with failure rows, and executor reproducibility."""

import importlib
import math
import textwrap

import numpy as np
import pytest

from optbench import UsageError
from optbench.compare.executors import execute, run_grid
from optbench.compare.grid import (
    Budgets,
    RunSpec,
    expand_grid,
    parse_methods,
    parse_param_grid,
    resolve_options,
    start_point,
)
from optbench.core.status import Status
from optbench.core.trace import COLUMNS

PROBLEMS = textwrap.dedent('''
    import autograd.numpy as np
    from optbench import Problem, problem

    @problem
    def quad(n: int = 3, cond: float = 10.0) -> Problem:
        """Diagonal quadratic, f* = 0 at 0."""
        d = np.logspace(0.0, np.log10(cond), n)
        return Problem(lambda x: 0.5 * np.sum(d * x ** 2), x0=np.ones(n), f_star=0.0)

    @problem
    def seeded(seed: int = 0, n: int = 3) -> Problem:
        """A quadratic whose centre depends on the seed."""
        c = np.array(np.random.RandomState(seed).standard_normal(n))
        return Problem(lambda x: np.sum((x - c) ** 2) + 0.1 * np.sum((x - c) ** 4), x0=np.zeros(n), f_star=0.0)

    @problem
    def raises_after(k: int = 5) -> Problem:
        """Rosenbrock whose objective raises after k calls."""
        calls = [0]
        def f(x):
            calls[0] += 1
            if calls[0] > k:
                raise RuntimeError("objective exploded")
            return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
        return Problem(f, x0=np.array([-1.2, 1.0]))

    @problem
    def nan_at_start() -> Problem:
        """f(x0) is NaN."""
        return Problem(lambda x: np.sum(x) * np.nan, x0=np.ones(2))

    @problem
    def not_a_problem() -> Problem:
        """A broken plugin: returns the wrong type."""
        return 42
''')


@pytest.fixture(scope="module")
def probs(tmp_path_factory):
    from optbench.core.problem import load_file

    registry = importlib.import_module("optbench.core.problem")

    path = tmp_path_factory.mktemp("probs") / "probs.py"
    path.write_text(PROBLEMS)
    names = load_file(path)
    yield str(path)
    for name in names:  # leave the global registry as we found it (other tests may list every problem)
        registry._REGISTRY.pop(name, None)
    registry._FILE_REGISTRIES.pop(str(path.resolve()), None)


ALL = ["gd", "lbfgs"]


def test_grid_is_problems_times_params_times_seeds_times_methods(probs):
    specs = expand_grid(["quad", "rosenbrock"], {"n": ["2", "4", "6"]}, 2, ALL)
    assert len(specs) == 2 * 3 * 2 * 2
    assert [s.run_id for s in specs] == list(range(len(specs)))
    first = specs[:4]
    assert [(s.params, s.seed, s.method) for s in first] == [
        ((("n", "2"),), 0, "gd"), ((("n", "2"),), 0, "lbfgs"), ((("n", "2"),), 1, "gd"), ((("n", "2"),), 1, "lbfgs"),
    ]
    assert {s.seed_mode for s in specs} == {"x0"}
    assert specs[2].instance == "quad(n=2) x0-seed=1"


def test_two_parameter_grid_and_scoping(probs):
    specs = expand_grid(["quad", "rosenbrock"], {"quad.cond": ["1e2", "1e4"], "n": ["2", "3"]}, None, ["lbfgs"])
    quad = [s.params for s in specs if s.problem == "quad"]
    rosen = [s.params for s in specs if s.problem == "rosenbrock"]
    assert len(quad) == 4 and len(rosen) == 2
    assert (("cond", "1e2"), ("n", "2")) in quad
    assert all(dict(p).keys() == {"n"} for p in rosen)
    assert {s.seed_mode for s in specs} == {"none"}


def test_undeclared_parameter_names_the_problem(probs):
    with pytest.raises(UsageError, match="problem 'nan_at_start' has no parameter 'n'.*e.g. OTHER.n="):
        expand_grid(["quad", "nan_at_start"], {"n": ["2"]}, None, ["gd"])
    with pytest.raises(UsageError, match="problem 'beale' is not among the compared problems"):
        expand_grid(["quad"], {"beale.n": ["2"]}, None, ["gd"])
    with pytest.raises(UsageError, match="quad parameter 'n' must be an integer, got 'ten'"):
        expand_grid(["quad"], {"n": ["ten"]}, None, ["gd"])
    with pytest.raises(UsageError, match="problem 'quadd' not found; did you mean 'quad'"):
        expand_grid(["quadd"], {}, None, ["gd"])


def test_seeds_set_the_problem_seed_when_declared(probs):
    specs = expand_grid(["seeded"], {}, 3, ["lbfgs"])
    assert [(s.seed, s.seed_mode, s.params) for s in specs] == [
        (0, "problem", (("seed", 0),)), (1, "problem", (("seed", 1),)), (2, "problem", (("seed", 2),)),
    ]
    with pytest.raises(UsageError, match="either a seed parameter"):
        expand_grid(["seeded"], {"seed": ["1"]}, 2, ["lbfgs"])
    specs = expand_grid(["seeded"], {"seed": ["4", "5"]}, None, ["lbfgs"])
    assert [s.seed for s in specs] == [4, 5]


def test_seeded_start_perturbation():
    x0 = np.array([-1.2, 1.0])
    spec = RunSpec("rosenbrock", (), 0, "x0", "gd", ())
    assert start_point(x0, spec) is x0
    s3 = RunSpec("rosenbrock", (), 3, "x0", "gd", ())
    xi = np.random.default_rng(3).standard_normal(2)
    np.testing.assert_array_equal(start_point(x0, s3), x0 + 0.1 * (1 + np.abs(x0)) * xi)
    np.testing.assert_array_equal(start_point(x0, s3), start_point(x0, s3))


def test_methods_and_options():
    assert parse_methods("gd, lbfgs,scipy:BFGS") == ["gd", "lbfgs", "scipy:BFGS"]
    with pytest.raises(UsageError, match="method 'lbgfs' not found; did you mean 'lbfgs'"):
        parse_methods("gd,lbgfs")
    with pytest.raises(UsageError, match="did you mean 'scipy:L-BFGS-B'"):
        parse_methods("scipy:L-BFGS")
    per = resolve_options(["gd", "lbfgs", "scipy:BFGS"], {"c1": "1e-3", "lbfgs.m": "5"})
    assert per["gd"] == {"c1": ["1e-3"]} and per["scipy:BFGS"] == {"c1": ["1e-3"]}
    assert per["lbfgs"]["m"] == ["5"]
    with pytest.raises(UsageError, match="none of the methods gd has an option 'zzz'"):
        resolve_options(["gd"], {"zzz": "1"})
    with pytest.raises(UsageError, match="method 'newton' is not among"):
        resolve_options(["gd"], {"newton.damping": "1"})
    with pytest.raises(UsageError, match="c1"):
        resolve_options(["gd"], {"gd.c1": "2"})


def test_param_grid_parsing():
    assert parse_param_grid(["n=10,100", "a=1"]) == {"n": ["10", "100"], "a": ["1"]}
    with pytest.raises(UsageError, match="key=value"):
        parse_param_grid(["n"])
    with pytest.raises(UsageError, match="empty value"):
        parse_param_grid(["n=1,,2"])


def _spec(problem, method="lbfgs", params=(), files=()):
    return RunSpec(problem, params, 0, "none", method, (), files)


@pytest.mark.parametrize("method", ["gd", "scipy:BFGS"])
def test_failure_rows_never_raise(probs, method):
    b = Budgets(max_time=None)
    rec = execute(_spec("raises_after", method, (("k", "6"),)), b)
    assert rec.status == Status.ERROR.value and "objective exploded" in rec.message
    assert rec.trace["iter"][0] == 0 and rec.fun is not None  # the trace so far is kept
    rec = execute(_spec("raises_after", method, (("k", "0"),)), b)
    assert rec.status == "error" and "f(x0) raised RuntimeError" in rec.message and rec.trace["iter"] == []
    rec = execute(_spec("nan_at_start", method), b)
    assert rec.status == "nonfinite" and "not finite" in rec.message
    rec = execute(_spec("not_a_problem", method), b)
    assert rec.status == "error" and "must return optbench.Problem" in rec.message
    assert not rec.success and rec.cost is None


def test_execute_records_counts_and_trace(probs):
    rec = execute(_spec("quad", "newton", (("n", "5"),)), Budgets())
    assert rec.status == "converged" and rec.success
    assert rec.n == 5 and rec.f_star == 0.0 and rec.f0 == pytest.approx(0.5 * np.sum(np.logspace(0, 1, 5)))
    assert list(rec.trace) == list(COLUMNS)
    # the last trace row's counts are at most the final ones (a driver may check curvature after it)
    assert rec.trace["nfev"][-1] <= rec.nfev and rec.trace["nhev"][-1] == rec.nit <= rec.nhev
    assert rec.cost == pytest.approx(rec.nfev / 3 + 2 * rec.ngev / 3 + rec.nhvp + 5 * rec.nhev)
    assert math.isclose(rec.fun, 0.0, abs_tol=1e-20)


def _same(a, b):
    assert (a.spec, a.status, a.nit, a.nfev, a.ngev, a.nhvp, a.nhev) == (b.spec, b.status, b.nit, b.nfev, b.ngev, b.nhvp, b.nhev)
    assert a.x == b.x  # bit for bit
    for c in ("f", "grad_norm", "step", "alpha", "nfev", "ngev", "nhvp", "nhev", "inner_iter", "note"):
        assert a.trace[c] == b.trace[c], c


def test_serial_and_process_pool_give_identical_iterates(probs):
    specs = expand_grid(["rosenbrock", "quad"], {"n": ["5"]}, 2, ["gd", "newton-cg", "lbfgs", "scipy:BFGS"],
                        problem_files=(probs,))
    b = Budgets(max_iter=60, max_time=None)
    serial = run_grid(specs, b)
    done = []
    pooled = run_grid(specs, b, jobs=2, on_done=done.append)
    assert not serial.interrupted and not pooled.interrupted
    assert len(done) == len(specs)
    assert sorted(r.spec.run_id for r in done) == list(range(len(specs)))
    for a, c in zip(serial.records, pooled.records):
        _same(a, c)


def test_interrupted_grid_keeps_finished_runs():
    specs = expand_grid(["rosenbrock"], {}, 3, ["lbfgs", "newton"])
    done = []

    def stop_after_three(rec):
        done.append(rec)
        if len(done) == 3:
            raise KeyboardInterrupt

    out = run_grid(specs, Budgets(), on_done=stop_after_three)
    assert out.interrupted
    assert [r.status for r in out.records[:3]] == ["converged"] * 3
    assert [r.status for r in out.records[3:]] == ["not_run"] * 3


def test_only_the_common_gradient_test_counts_as_solved():
    spec = RunSpec("rosenbrock", (), 0, "none", "scipy:L-BFGS-B", (("ftol", "2.2e-9"),))  # scipy's default ftol
    rec = execute(spec, Budgets())
    assert rec.status == "ftol" and "success=True" in rec.message
    assert not rec.success  # scipy's own ftol stop is not the comparison's gtol test


def test_interrupted_pool_keeps_finished_runs():
    specs = expand_grid(["rosenbrock"], {"n": ["2", "3", "4"]}, 2, ["lbfgs", "newton"])
    seen = []

    def stop_after_two(rec):
        seen.append(rec)
        if len(seen) == 2:
            raise KeyboardInterrupt

    out = run_grid(specs, Budgets(max_time=None), jobs=2, on_done=stop_after_two)
    assert out.interrupted
    by_id = {r.spec.run_id: r for r in out.records}
    for rec in seen[:2]:  # what finished before the Ctrl-C is kept as it was
        assert by_id[rec.spec.run_id].status == "converged"
    assert {r.status for r in out.records} <= {"converged", "not_run"}
    assert len(out.records) == len(specs)
