"""The suite's exact expectations hold on other CPUs: rerun them with numpy's and OpenBLAS's vector
kernels switched to older processors' (the environments tests/golden/golden.py records with).

The suite once failed on a fresh machine only because that machine had AVX-512 (issue 8's
"value that depended on the last bit of rounding", met again): numpy's AVX-512 ``power`` and
OpenBLAS's kernels round differently. ``NPY_DISABLE_CPU_FEATURES`` and ``OPENBLAS_CORETYPE`` make
this machine round like an older one, so the tests that assert exact counts and statuses are
run that way too.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "golden"))
import golden  # noqa: E402

EXACT = ["tests/test_golden.py", "tests/test_problems_mgh.py", "tests/test_textbook.py",
         "tests/test_compare_machine_independent.py", "tests/test_linesearch.py"]


@pytest.mark.slow
@pytest.mark.parametrize("env", golden.kernel_environments(), ids=["avx2-sandybridge", "baseline-prescott"])
def test_exact_expectations_hold_with_older_cpus_kernels(env):
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *EXACT], cwd=ROOT, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, (env.get("NPY_DISABLE_CPU_FEATURES"), env.get("OPENBLAS_CORETYPE"), r.stdout[-3000:])
