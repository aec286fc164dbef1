"""Plugins: user files and directories, entry points, and broken plugins with exact messages."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from typer.testing import CliRunner

import importlib

import optbench
import optbench.solvers.registry as sb
from optbench.cli import app
from optbench.core.errors import PluginError

pm = importlib.import_module("optbench.core.problem")  # the module (optbench.core.problem is the decorator)

HEADER = "import autograd.numpy as np\nfrom optbench import Problem, problem\n\n"


@pytest.fixture
def registry_sandbox(monkeypatch):
    """A private copy of the problem and solver registries, restored after the test."""
    pm.load_bundled()
    monkeypatch.setattr(pm, "_REGISTRY", dict(pm._REGISTRY))
    monkeypatch.setattr(pm, "_FILE_REGISTRIES", dict(pm._FILE_REGISTRIES))
    monkeypatch.setattr(pm, "_LOAD_ERRORS", dict(pm._LOAD_ERRORS))
    sb.method_registry()
    monkeypatch.setattr(sb, "_METHODS", dict(sb._METHODS))
    return pm


def write(path, body: str, header: bool = True):
    path.write_text((HEADER if header else "") + textwrap.dedent(body), encoding="utf-8")
    return path


def cli(*args):
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


GOOD = """
@problem
def bowl(n: int = 3, shift: float = 1.0) -> Problem:
    \"\"\"A shifted bowl: Σ (x − shift)²; f* = 0 at shift·1.\"\"\"
    return Problem(lambda x: np.sum((x - shift) ** 2), x0=np.zeros(n), f_star=0.0, x_star=np.full(n, shift))
"""

# name → (file body, exact message after "problem '<name>' (<path>): ")
BROKEN = {
    "boom": ("""
        @problem
        def boom() -> Problem:
            raise RuntimeError("no data today")
        """, "factory raised RuntimeError: no data today"),
    "vector": ("""
        @problem
        def vector() -> Problem:
            return Problem(lambda x: x ** 2, x0=np.ones(2))
        """, "f(x0) must be a real scalar, got an array of shape (2,)"),
    "cplx": ("""
        @problem
        def cplx() -> Problem:
            return Problem(lambda x: np.sum(x) + 1j, x0=np.ones(2))
        """, "f(x0) must be real, got complex (2+1j)"),
    "infinite": ("""
        @problem
        def infinite() -> Problem:
            return Problem(lambda x: np.sum(x) + np.inf, x0=np.ones(2))
        """, "f(x0) is not finite (f = inf)"),
    "short": ("""
        @problem
        def short() -> Problem:
            return Problem(lambda x: x[0] ** 2 + x[1] ** 2 + x[2] ** 2, x0=np.ones(2))
        """, "f(x0) raised IndexError: index 2 is out of bounds for axis 0 with size 2 (is x0 the length f expects?)"),
    "matrix": ("""
        @problem
        def matrix() -> Problem:
            return Problem(lambda x: np.sum(x ** 2), x0=np.ones((2, 2)))
        """, "x0 must be a flat (1-D) vector, got shape (2, 2)"),
    "mismatch": ("""
        @problem
        def mismatch() -> Problem:
            return Problem(lambda x: np.sum(x ** 2), x0=np.ones(2), x_star=np.zeros(3))
        """, "x_star has shape (3,) but x0 has shape (2,)"),
    "notaproblem": ("""
        @problem
        def notaproblem():
            return lambda x: np.sum(x ** 2)
        """, "factory must return optbench.Problem, got function"),
}


# --------------------------------------------------------------------------- good plugins
def test_file_plugin_solves_by_path_and_name(tmp_path, registry_sandbox):
    path = write(tmp_path / "mine.py", GOOD)
    r = optbench.solve(f"{path}:bowl", "newton", params={"n": 4, "shift": 2.0})
    assert r.success and r.nit == 1
    assert np.allclose(r.x, 2.0)
    # a file with a single problem can be named by its path alone
    assert optbench.solve(str(path), "lbfgs").success


def test_problems_option_loads_a_file_for_solve_and_list(tmp_path, registry_sandbox):
    path = write(tmp_path / "mine.py", GOOD)
    code, out, err = cli("solve", "bowl", "--problems", str(path), "-m", "newton", "-q")
    assert code == 0, err
    assert "Status: converged" in out
    code, out, err = cli("list", "--problems", str(path))
    assert code == 0 and err == ""
    assert "bowl" in out and "A shifted bowl" in out
    code, out, _ = cli("list", "bowl", "--problems", str(path))
    assert code == 0
    assert f"({path})" in out and "shift" in out


def test_directory_with_broken_files_keeps_the_others(tmp_path, registry_sandbox):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    write(plugins / "good.py", GOOD)
    write(plugins / "syntax.py", "def oops(:\n    pass\n")
    write(plugins / "missing.py", "import optbench_no_such_module\n")
    write(plugins / "_private.py", "raise SystemExit('never imported')\n")
    code, out, err = cli("list", "--problems", str(plugins))
    assert code == 0
    assert "bowl" in out and "rosenbrock" in out
    lines = err.strip().splitlines()
    assert f"warning: problem file '{plugins / 'missing.py'}': ModuleNotFoundError: " \
           "No module named 'optbench_no_such_module'" in lines
    assert f"warning: problem file '{plugins / 'syntax.py'}': syntax error at line 4: invalid syntax" in lines
    code, out, err = cli("solve", "bowl", "--problems", str(plugins), "-m", "lbfgs", "-q")
    assert code == 0 and "Status: converged" in out


def test_syntax_error_names_file_and_problem(tmp_path, registry_sandbox):
    path = write(tmp_path / "syn.py", "@problem\ndef bad(:\n    pass\n")
    code, out, err = cli("solve", f"{path}:bad")
    assert code == 1
    assert err == f"error: problem 'bad' ({path}): syntax error at line 5: invalid syntax\n"


def test_import_error_names_file_and_problem(tmp_path, registry_sandbox):
    path = write(tmp_path / "imp.py", "import optbench_no_such_module\n" + GOOD)
    with pytest.raises(PluginError) as e:
        optbench.solve(f"{path}:bowl")
    assert str(e.value) == f"problem 'bowl' ({path}): ModuleNotFoundError: No module named 'optbench_no_such_module'"
    # nothing of the half-imported file stays registered
    assert str(path.resolve()) not in pm._FILE_REGISTRIES


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_problem_exact_message_and_neighbours_unharmed(tmp_path, registry_sandbox, name):
    body, message = BROKEN[name]
    path = tmp_path / f"{name}_plugin.py"
    path.write_text(HEADER + GOOD + textwrap.dedent(body), encoding="utf-8")
    code, out, err = cli("solve", f"{path}:{name}")
    assert code == 1
    assert err == f"error: problem '{name}' ({path}): {message}\n"
    with pytest.raises(PluginError) as e:
        pm.make_problem(f"{path}:{name}")
    assert str(e.value) == f"problem '{name}' ({path}): {message}"
    # the good problem in the same file still works, and so do the bundled ones
    code, out, err = cli("solve", f"{path}:bowl", "-m", "newton", "-q")
    assert code == 0 and "Status: converged" in out
    assert optbench.solve("booth", "newton").success
    # the listing shows the good ones and warns about the broken one
    code, out, err = cli("list", "--problems", str(path))
    assert code == 0
    assert "bowl" in out and "booth" in out
    assert f"warning: problem '{name}' ({path}): {message}" in err.splitlines()


def test_validate_problem_accepts_a_good_objective():
    prob = optbench.Problem(lambda x: (x[0] - 1.0) ** 2, x0=[3.0])
    assert pm.validate_problem(prob) == 4.0


def test_missing_problem_in_file_lists_the_choices(tmp_path, registry_sandbox):
    path = write(tmp_path / "mine.py", GOOD)
    code, _, err = cli("solve", f"{path}:bowel")
    assert code == 2
    assert err.startswith(f"error: problem 'bowel' not found in '{path}'; did you mean 'bowl'?")


def test_missing_problem_file(tmp_path):
    code, _, err = cli("solve", "--problems", str(tmp_path / "nope.py"), "rosenbrock")
    assert code == 2
    assert err == f"error: problem file '{tmp_path / 'nope.py'}' not found (give a .py file or a directory)\n"


# --------------------------------------------------------------------------- entry points
PLUGIN_MODULE = '''
import autograd.numpy as np
from dataclasses import dataclass
from optbench import Problem, problem
from optbench.solvers import Solver, StepInfo


@problem(name="ep-bowl")
def ep_bowl(n: int = 3) -> Problem:
    """Bowl from an installed package; f* = 0 at 0."""
    return Problem(lambda x: np.sum(x ** 2), x0=np.ones(n), f_star=0.0, x_star=np.zeros(n))


def square() -> Problem:
    """An undecorated factory registered by its entry point name."""
    return Problem(lambda x: (x[0] - 2.0) ** 2, x0=[0.0], f_star=0.0, x_star=[2.0])


def nan_at_start() -> Problem:
    """Broken: f(x0) is NaN."""
    return Problem(lambda x: np.sum(x) * np.nan, x0=[1.0])


@dataclass(frozen=True)
class HalfStep(Solver):
    """x ← x − ½∇f: exact in one step on Σx²."""

    scale: float = 0.5
    name = "half-step"
    needs = "f, grad"
    summary = "fixed step x - scale*grad (an entry-point demo)"

    def init(self, x, oracle):
        return None

    def step(self, x, state, oracle):
        return x - self.scale * oracle.grad(x), state, StepInfo(alpha=self.scale)
'''

ENTRY_POINTS = """\
[optbench.problems]
demo = optbench_demo_plugin
square = optbench_demo_plugin:square
nan-start = optbench_demo_plugin:nan_at_start
gone = optbench_demo_missing:thing

[optbench.solvers]
half-step = optbench_demo_plugin:HalfStep
"""


@pytest.fixture
def installed_plugin(tmp_path, monkeypatch, registry_sandbox):
    """A tiny installed distribution (module + dist-info with entry points) on sys.path."""
    import sys

    (tmp_path / "optbench_demo_plugin.py").write_text(PLUGIN_MODULE, encoding="utf-8")
    info = tmp_path / "optbench_demo_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: optbench-demo-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    monkeypatch.delitem(sys.modules, "optbench_demo_plugin", raising=False)
    monkeypatch.setattr(pm, "_loaded_entry_points", False)
    monkeypatch.setattr(sb, "_loaded_entry_points", False)
    pm.load_entry_points()
    yield
    sys.modules.pop("optbench_demo_plugin", None)


def test_entry_point_problems_and_solver(installed_plugin):
    reg = pm.registry()
    assert reg["ep-bowl"].source == "entry point 'demo' (optbench_demo_plugin)"
    assert reg["square"].source == "entry point 'square' (optbench_demo_plugin:square)"
    r = optbench.solve("ep-bowl", "half-step", params={"n": 5})
    assert r.success and r.nit == 1 and np.allclose(r.x, 0.0)
    assert optbench.solve("square", "newton").x == pytest.approx([2.0])


def test_broken_entry_points_are_reported_not_fatal(installed_plugin):
    errors = pm.load_errors()
    assert errors["problem entry point 'gone' (optbench_demo_missing:thing)"] == (
        "problem entry point 'gone' (optbench_demo_missing:thing): "
        "ModuleNotFoundError: No module named 'optbench_demo_missing'")
    with pytest.raises(PluginError) as e:
        pm.make_problem("nan-start")
    assert str(e.value) == "problem 'nan-start' (entry point 'nan-start' (optbench_demo_plugin:nan_at_start)): " \
                           "f(x0) is not finite (f = nan)"
    code, out, err = cli("list")
    assert code == 0
    assert "ep-bowl" in out and "square" in out and "half-step" in out and "rosenbrock" in out
    assert "warning: problem entry point 'gone' (optbench_demo_missing:thing): ModuleNotFoundError: " \
           "No module named 'optbench_demo_missing'" in err.splitlines()
    code, out, err = cli("list", "half-step")
    assert code == 0 and "fixed step x - scale*grad" in out and "scale" in out


def test_list_name_of_a_broken_plugin_is_one_error_line(tmp_path, registry_sandbox):
    body, message = BROKEN["infinite"]
    path = tmp_path / "inf.py"
    path.write_text(HEADER + textwrap.dedent(body), encoding="utf-8")
    code, out, err = cli("list", f"{path}:infinite")
    assert code == 1 and out == ""
    assert err == f"error: problem 'infinite' ({path}): {message}\n"


def test_broken_solver_entry_point_is_reported_not_fatal(monkeypatch):
    import importlib.metadata as md

    import optbench.solvers.registry as base

    class FakeEP:
        name, value = "broken", "nowhere_pkg:Solver"

        def load(self):
            raise ImportError("No module named 'nowhere_pkg'")

    real = md.entry_points
    monkeypatch.setattr(md, "entry_points", lambda group=None: [FakeEP()] if group == "optbench.solvers" else real(group=group))
    monkeypatch.setattr(base, "_loaded_entry_points", False)
    monkeypatch.setattr(base, "_LOAD_ERRORS", {})
    assert "lbfgs" in base.method_registry()  # the others still load
    errors = base.load_errors()
    assert errors == {"solver entry point 'broken' (nowhere_pkg:Solver)": "ImportError: No module named 'nowhere_pkg'"}
    r = CliRunner().invoke(app, ["list"])
    assert r.exit_code == 0
    assert "warning: solver entry point 'broken' (nowhere_pkg:Solver): ImportError: No module named 'nowhere_pkg'" in r.stderr
