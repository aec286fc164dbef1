"""A Dask LocalCluster on loopback runs a small grid with the same results as the serial executor."""

import pytest

from optbench.compare.executors import run_grid
from optbench.compare.grid import Budgets, expand_grid

distributed = pytest.importorskip("distributed")


@pytest.mark.slow  # end to end: starts a LocalCluster (scheduler and worker processes)
def test_dask_local_cluster_matches_serial():
    from dask.distributed import LocalCluster

    specs = expand_grid(["rosenbrock"], {"n": ["2", "4"]}, 2, ["lbfgs", "newton", "scipy:L-BFGS-B"])
    b = Budgets(max_iter=300, max_time=None)
    serial = run_grid(specs, b)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, host="127.0.0.1",
                      protocol="tcp", dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        done = []
        remote = run_grid(specs, b, dask=cluster.scheduler_address, on_done=done.append)
    assert not remote.interrupted and len(done) == len(specs)
    for a, c in zip(serial.records, remote.records):
        key = ("spec", "status", "nit", "nfev", "ngev", "nhvp", "nhev")
        assert [getattr(a, k) for k in key] == [getattr(c, k) for k in key]
        assert a.x == c.x
        assert a.trace["f"] == c.trace["f"] and a.trace["grad_norm"] == c.trace["grad_norm"]


def test_unreachable_scheduler_is_a_one_line_run_error():
    from optbench.core.errors import RunError

    specs = expand_grid(["rosenbrock"], {}, None, ["lbfgs"])
    with pytest.raises(RunError, match="cannot connect to the Dask scheduler"):
        run_grid(specs, Budgets(), dask="tcp://127.0.0.1:1", dask_timeout=1.0)
