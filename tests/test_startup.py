"""Fast start (issue 15): the help path imports no numerical library; the lazy package API still works.

These check which modules a fresh interpreter loads, not timings (benchmarks/bench_startup.py
measures those).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "scipy", "autograd", "matplotlib", "jax", "pydantic")


def run_python(code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


def loaded_after(code: str) -> set[str]:
    """The heavy top-level packages in sys.modules after running ``code`` in a fresh interpreter."""
    probe = code + "\nimport sys\nprint('HEAVY:' + ','.join(sorted({m.split('.')[0] for m in sys.modules} & set(%r))))" % (HEAVY,)
    proc = run_python(probe)
    assert proc.returncode == 0, proc.stderr
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("HEAVY:")][-1]
    return {m for m in line[len("HEAVY:"):].split(",") if m}


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["solve", "--help"], ["compare", "--help"]])
def test_help_and_version_import_no_numerical_library(argv):
    code = (
        "import sys\nfrom optbench.cli import app\n"
        f"try:\n    app({argv!r}, prog_name='optbench')\nexcept SystemExit as e:\n    assert e.code in (0, None), e.code\n"
    )
    heavy = loaded_after(code) - {"pydantic"}  # typer ≥ 0.2x coerces option values with pydantic
    assert heavy == set(), f"optbench {' '.join(argv)} imported {sorted(heavy)}"


def test_import_optbench_is_light_and_the_api_loads_on_use():
    assert loaded_after("import optbench, optbench.cli") == set()
    code = (
        "import optbench\n"
        "assert {'solve', 'Problem', 'checkpoint', 'UsageError', '__version__'} <= set(dir(optbench))\n"
        "assert optbench.solve.__module__ == 'optbench.api'\n"
        "from optbench import Problem, UsageError, make_problem\n"
        "r = optbench.solve('rosenbrock', method='newton')\n"
        "assert r.status.name == 'CONVERGED', r.status\n"
        "try:\n    optbench.no_such_name\nexcept AttributeError as e:\n    assert 'no_such_name' in str(e)\n"
        "else:\n    raise AssertionError('no AttributeError')\n"
    )
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
    assert {"numpy", "autograd"} <= loaded_after("import optbench\noptbench.solve")


def test_every_public_name_resolves():
    import optbench

    for name in optbench.__all__:
        assert getattr(optbench, name) is not None, name


def test_bundled_method_table_matches_the_registry():
    from optbench.solvers.registry import BUNDLED, method_registry

    bundled = {name: cls.__module__.rsplit(".", 1)[1] for name, cls in method_registry().items()
               if cls.__module__.startswith("optbench.solvers.") and not name.startswith("scipy:")}
    assert bundled == BUNDLED


def test_looking_up_one_method_imports_only_its_module():
    code = (
        "import sys\nfrom optbench.solvers.registry import lookup, method_registry\n"
        "assert lookup('newton').name == 'newton'\n"
        "mods = {m for m in sys.modules if m.startswith('optbench.solvers.')}\n"
        "assert 'optbench.solvers.lbfgs' not in mods and 'optbench.solvers.scipy' not in mods, sorted(mods)\n"
        "assert lookup('scipy:BFGS').name == 'scipy:BFGS'\n"
        "assert lookup('NEWTON').name == 'newton'\n"  # case-insensitive: the whole registry
        "assert 'optbench.solvers.lbfgs' in sys.modules\n"
    )
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
