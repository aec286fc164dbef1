"""Every script in benchmarks/ still imports and parses its options (``--help`` exits 0).

The benchmark scripts are run by hand and by ``docs/regen.py``, not by the default suite, so an
import that a refactoring left stale (``run_grid`` moving from ``compare.grid`` to
``compare.executors``) would otherwise surface only when someone measures.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(p.name for p in (ROOT / "benchmarks").glob("bench_*.py"))


def test_there_are_benchmark_scripts():
    assert len(SCRIPTS) >= 5, SCRIPTS


@pytest.mark.slow  # a fresh interpreter per script, importing numpy, scipy, autograd and optbench
@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_script_imports_and_shows_its_help(script):
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), "--help"], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "usage" in r.stdout.lower(), r.stdout[:500]
