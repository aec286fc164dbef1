"""BLAS threads are pinned during runs (solve, compare) unless --blas-threads 0."""

import pytest
from threadpoolctl import threadpool_info
from typer.testing import CliRunner

from optbench.cli import app
from optbench.core.threads import blas_threads


def _blas_counts():
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


def test_blas_threads_limits_every_blas_library_inside_the_block():
    with blas_threads(1):
        counts = _blas_counts()
    assert counts and all(c == 1 for c in counts)  # numpy's and scipy's OpenBLAS both


@pytest.mark.parametrize("limit", [None, 0])
def test_no_limit_leaves_the_threads_alone(limit):
    before = _blas_counts()
    with blas_threads(limit):
        assert _blas_counts() == before


@pytest.mark.parametrize("command", [["solve", "rosenbrock"], ["compare", "rosenbrock", "-m", "lbfgs", "--no-plots"]])
def test_negative_blas_threads_is_a_usage_error(command):
    res = CliRunner().invoke(app, [*command, "--blas-threads", "-1"])
    assert res.exit_code == 2
    assert "--blas-threads must be ≥ 0 (0 = the library default), got -1" in res.output
