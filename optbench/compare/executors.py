"""Executors: run one spec, or a whole grid serially, in a process pool, or on a Dask cluster.

:func:`execute` runs one spec through :func:`optbench.solve` and never raises: a run that
fails (exception in the objective, f(x₀) not finite, a broken plugin) becomes a
:class:`~optbench.compare.grid.RunRecord` with its status and message. :func:`run_grid`
runs a grid, calling back as runs start and finish; results do not depend on the executor
(same seed ⇒ same iterates and counts), only timings do.

Every run limits BLAS/OpenMP to ``Budgets.blas_threads`` threads (default 1, via
threadpoolctl): per-run timings are then comparable, and ``jobs`` processes do not
oversubscribe the cores.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

from ..core.errors import OptbenchError, RunError, UsageError
from ..core.status import Status
from ..core.trace import COLUMNS
from .grid import Budgets, RunRecord, RunSpec, start_point


# ---------------------------------------------------------------------------- one run
def execute(spec: RunSpec, budgets: Budgets) -> RunRecord:
    """Run one spec. Never raises: failures become a record with a status and a message.

    Picklable (a module-level function of picklable arguments) so process pools and
    Dask workers can run it.
    """
    t0 = time.perf_counter()
    try:
        with _blas_threads(budgets.blas_threads):
            result, n = _run(spec, budgets)
    except KeyboardInterrupt:
        return RunRecord(spec, Status.INTERRUPTED.value, "interrupted before the run started", time=time.perf_counter() - t0)
    except RunError as e:
        status = Status.MAX_TIME if e.field == "max_time" else Status.NONFINITE if "not finite" in str(e) else Status.ERROR
        return RunRecord(spec, status.value, str(e), time=time.perf_counter() - t0)
    except OptbenchError as e:
        return RunRecord(spec, Status.ERROR.value, str(e), time=time.perf_counter() - t0)
    except (Exception, SystemExit) as e:  # noqa: BLE001 - a comparison never stops for one run
        what = f"SystemExit({e.code!r})" if isinstance(e, SystemExit) else f"{type(e).__name__}: {e}"
        return RunRecord(spec, Status.ERROR.value, what, time=time.perf_counter() - t0)
    tr = result.trace
    return RunRecord(
        spec, result.status.value, result.message, n=n, nit=result.nit,
        f0=tr.data["f"][0] if len(tr) else None, fun=float(result.fun), f_star=result.f_star,
        grad_norm=float(result.grad_norm), nfev=result.nfev, ngev=result.njev, nhvp=result.nhvp,
        nhev=result.nhev, time=result.time, x=[float(v) for v in result.x],
        trace={c: list(tr.data[c]) for c in COLUMNS},
    )


def _blas_threads(limit: Optional[int]):
    """Limit BLAS/OpenMP threads during a run (:mod:`optbench.core.threads`), so that small problems are not
    slowed by threads spinning and parallel runs do not oversubscribe the cores."""
    from ..core.threads import blas_threads

    return blas_threads(limit)


def _run(spec: RunSpec, budgets: Budgets):
    from ..api import solve
    from ..core.problem import load_file, make_problem
    from ..solvers.registry import make_method

    import scipy.linalg  # noqa: F401 - solvers import these lazily; keep that out of the first run's time
    import scipy.optimize  # noqa: F401

    for path in spec.problem_files:
        load_file(path)
    name = spec.problem
    path, sep, pname = name.rpartition(":")
    if sep and path.endswith(".py") and spec.base_dir and not os.path.isabs(path):
        name = os.path.join(spec.base_dir, path) + ":" + pname
    method = make_method(spec.method, spec.options_dict)
    prob = make_problem(name, spec.params_dict)
    x0 = start_point(prob.x0, spec)
    return solve(prob, method, x0=x0, stopping=budgets.stopping, trace_x=False, backend=spec.backend), prob.n


# ---------------------------------------------------------------------------- executors
@dataclass
class GridOutcome:
    records: list  # RunRecord per spec, in spec order (not_run for those that never ran)
    interrupted: bool


def not_run(spec: RunSpec, why: str) -> RunRecord:
    return RunRecord(spec, Status.NOT_RUN.value, why)


def run_grid(
    specs: list[RunSpec],
    budgets: Budgets,
    *,
    jobs: int = 1,
    dask: Any = None,
    on_start: Optional[Callable[[RunSpec], None]] = None,
    on_done: Optional[Callable[[RunRecord], None]] = None,
    dask_timeout: float = 10.0,
) -> GridOutcome:
    """Run every spec: serially (``jobs=1``), in ``jobs`` processes, or on Dask (an address or Client).

    ``on_start(spec)``/``on_done(record)`` are called in this process as runs start
    (serial only) and finish. A KeyboardInterrupt (or a run whose status is
    ``interrupted``) stops the grid; runs that never started are ``not_run``.
    """
    if not isinstance(jobs, int) or jobs < 1:
        raise UsageError(f"{{field}} must be a positive integer, got {jobs!r}", field="jobs", value=jobs)
    records: list = [None] * len(specs)
    index = {s.run_id: i for i, s in enumerate(specs)}

    def done(rec: RunRecord) -> bool:
        i = index[rec.spec.run_id]
        if records[i] is not None:  # already kept (a pool run seen twice while interrupting)
            return False
        records[i] = rec
        if on_done is not None:
            on_done(rec)
        return rec.status == Status.INTERRUPTED.value

    if dask is not None:
        interrupted = _run_dask(specs, budgets, dask, done, dask_timeout)
    elif jobs > 1:
        interrupted = _run_pool(specs, budgets, jobs, done)
    else:
        interrupted = _run_serial(specs, budgets, on_start, done)
    why = "the comparison was interrupted before this run started" if interrupted else "did not run"
    return GridOutcome([r if r is not None else not_run(s, why) for r, s in zip(records, specs)], interrupted)


def _run_serial(specs, budgets, on_start, done) -> bool:
    try:
        for spec in specs:
            if on_start is not None:
                on_start(spec)
            if done(execute(spec, budgets)):
                return True
    except KeyboardInterrupt:
        return True
    return False


def _run_pool(specs, budgets, jobs, done) -> bool:
    from .pool import run_pool

    return run_pool(specs, budgets, jobs, done)


def _result_or_error(fut, spec) -> RunRecord:
    try:
        return fut.result()
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # a Dask worker that died is one failed row
        return RunRecord(spec, Status.CRASHED.value, f"worker failed: {type(e).__name__}: {e}")


def connect_dask(address: str, timeout: float = 10.0):
    """A ``dask.distributed.Client`` for ``address``, or a one-line error saying what to do."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise UsageError("{field} needs dask.distributed; install it with: pip install 'optbench[dask]'",
                         field="dask") from None
    try:
        return Client(address, timeout=timeout)
    except Exception as e:  # noqa: BLE001
        raise RunError(f"{{field}} {address}: cannot connect to the Dask scheduler ({type(e).__name__}: {e}); "
                       "start one with `dask scheduler` and `dask worker ADDRESS`", field="dask", value=address) from None


def _run_dask(specs, budgets, address, done, timeout) -> bool:
    own = isinstance(address, str)
    client = connect_dask(address, timeout) if own else address  # an address, or a Client to use
    from dask.distributed import as_completed

    stamp = f"{time.time_ns()}"
    futures = [client.submit(execute, s, budgets, pure=False, key=f"optbench-run-{stamp}-{s.run_id}") for s in specs]
    by_key = {f.key: s for f, s in zip(futures, specs)}
    interrupted = False
    try:
        for fut in as_completed(futures):
            if done(_result_or_error(fut, by_key[fut.key])):
                interrupted = True
                break
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if interrupted:
            client.cancel([f for f in futures if not f.done()])
        if own:
            client.close()
    return interrupted

