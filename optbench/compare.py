"""Grids of runs and the executors that carry them out (serial, process pool, Dask).

A run spec is (problem, parameters, seed, method, options). :func:`expand_grid` builds
the grid problem × parameter combinations × seeds × methods, checking every name and
value up front. :func:`execute` runs one spec and never raises: a run that fails
(exception in the objective, f(x₀) not finite, a broken plugin) becomes a
:class:`RunRecord` with its status and message. :func:`run_grid` runs a grid serially,
in a process pool (``jobs``) or on a Dask cluster (``dask``), calling back as runs
start and finish; results do not depend on the executor (same seed ⇒ same iterates
and counts), only timings do.

Every run limits BLAS/OpenMP to ``Budgets.blas_threads`` threads (default 1, via
threadpoolctl): per-run timings are then comparable, and ``jobs`` processes do not
oversubscribe the cores.

Seeds: for a problem that declares a ``seed`` parameter, seed s sets it (``seed_mode
"problem"``); otherwise seed 0 is the problem's own x₀ and seed s > 0 starts from
x₀ᵢ + 0.1·(1 + |x₀ᵢ|)·ξᵢ, ξ ~ N(0, I) drawn by ``numpy.random.default_rng(s)``
(``seed_mode "x0"``).
"""

from __future__ import annotations

import itertools
import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

from .errors import OptbenchError, RunError, UsageError, unknown_name
from .status import Status
from .trace import COLUMNS

PERTURBATION_SCALE = 0.1
DEFAULT_MAX_ITER = 1000
DEFAULT_MAX_TIME = None  # no wall-clock budget unless asked: results must not depend on the machine's load


@dataclass(frozen=True)
class Budgets:
    """Common stopping test and budgets of every run in a comparison.

    The default budgets are iterations (and evaluations, when given) only, so the same
    comparison gives the same statuses and iterates on any machine, however busy;
    time is measured and reported, and is a stopping rule only when ``max_time`` is set.
    """

    gtol: float = 1e-6
    norm: str = "inf"
    max_iter: Optional[int] = DEFAULT_MAX_ITER
    max_evals: Optional[int] = None
    max_time: Optional[float] = DEFAULT_MAX_TIME
    blas_threads: Optional[int] = 1

    def as_dict(self) -> dict:
        return {"gtol": self.gtol, "norm": self.norm, "max_iter": self.max_iter,
                "max_evals": self.max_evals, "max_time": self.max_time, "blas_threads": self.blas_threads}


@dataclass(frozen=True)
class RunSpec:
    """One run of a grid. ``params``/``options`` hold what was given (options as strings)."""

    problem: str
    params: tuple  # ((name, value), ...) in the order given
    seed: int
    seed_mode: str  # "problem", "x0" or "none"
    method: str
    options: tuple  # ((name, value), ...)
    problem_files: tuple = ()
    run_id: int = 0
    base_dir: str = ""  # where relative problem-file paths are resolved (workers may run elsewhere)

    @property
    def params_dict(self) -> dict:
        return dict(self.params)

    @property
    def options_dict(self) -> dict:
        return dict(self.options)

    @property
    def instance(self) -> str:
        """``rosenbrock(n=10)`` or ``rosenbrock(n=10) x0-seed=2``: what the methods are compared on."""
        label = self.problem
        if self.params:
            label += "(" + ",".join(f"{k}={v}" for k, v in self.params) + ")"
        if self.seed_mode == "x0" and self.seed > 0:
            label += f" x0-seed={self.seed}"
        return label


@dataclass
class RunRecord:
    """The outcome of one spec: the summary numbers, the trace columns and the final x."""

    spec: RunSpec
    status: str
    message: str
    n: Optional[int] = None
    nit: int = 0
    f0: Optional[float] = None
    fun: Optional[float] = None
    f_star: Optional[float] = None
    grad_norm: Optional[float] = None
    nfev: int = 0
    ngev: int = 0
    nhvp: int = 0
    nhev: int = 0
    time: float = 0.0
    x: Optional[list] = None
    trace: dict = field(default_factory=lambda: {c: [] for c in COLUMNS})

    @property
    def success(self) -> bool:
        """Solved in a comparison means the common gradient test holds: status ``converged``.

        (scipy's own stopping tests — L-BFGS-B's relative reduction of f, Newton-CG's step
        test — end a run as ``ftol``/``xtol``; they were not asked for, so they do not count.)
        """
        return self.status == Status.CONVERGED.value

    @property
    def f_minus_fstar(self) -> Optional[float]:
        if self.fun is None or self.f_star is None:
            return None
        return self.fun - self.f_star

    @property
    def cost(self) -> Optional[float]:
        from .profiles import grad_equivalents

        return None if self.n is None else grad_equivalents(self.nfev, self.ngev, self.nhvp, self.nhev, self.n)


# ---------------------------------------------------------------------------- names and grids
def method_choices() -> list[str]:
    from .scipy_methods import scipy_method_names
    from .solvers.base import solver_registry

    return sorted(solver_registry()) + scipy_method_names()


def parse_methods(text: str | list[str]) -> list[str]:
    """``"gd,lbfgs,scipy:BFGS"`` → checked list; unknown names give the closest match."""
    items = text if isinstance(text, list) else [text]
    names = [m.strip() for item in items for m in item.split(",") if m.strip()]
    if not names:
        raise UsageError("no methods given; use -m gd,newton,lbfgs (optbench list shows them)")
    choices = method_choices()
    for m in names:
        if m not in choices:
            raise unknown_name("method", m, choices)
    if len(set(names)) != len(names):
        dup = next(m for m in names if names.count(m) > 1)
        raise UsageError(f"method '{dup}' is given twice in -m")
    return names


def _accepted_options(method: str) -> set[str]:
    from .scipy_methods import SCIPY_METHODS, is_scipy_method
    from .solvers.base import solver_params, solver_registry

    if is_scipy_method(method):
        return set(SCIPY_METHODS[method.split(":", 1)[1]][1])
    return {p.name for p in solver_params(solver_registry()[method])}


def resolve_options(methods: list[str], options: dict[str, str]) -> dict[str, dict]:
    """Split ``{"lbfgs.m": "5", "c1": "1e-3"}`` into per-method options and check them.

    ``method.option=value`` sets one method's option; a plain ``option=value`` goes to
    every method that has that option, and is an error if none has it.
    """
    from .scipy_methods import is_scipy_method, parse_options
    from .solvers.base import make_solver

    per: dict[str, dict] = {m: {} for m in methods}
    for key, value in options.items():
        if "." in key:
            m, _, opt = key.rpartition(".")
            if m not in per:
                raise UsageError(f"-o {key}={value}: method '{m}' is not among the compared methods ({', '.join(methods)})")
            per[m][opt] = value
        else:
            takers = [m for m in methods if key in _accepted_options(m)]
            if not takers:
                raise UsageError(f"-o {key}={value}: none of the methods {', '.join(methods)} has an option '{key}' "
                                 f"(optbench list METHOD shows a method's options; use METHOD.{key}=... to scope it)")
            for m in takers:
                per[m][key] = value
    for m, opts in per.items():  # validate now, not in the middle of the grid
        parse_options(m, opts) if is_scipy_method(m) else make_solver(m, opts)
    return per


def parse_param_grid(items: list[str] | None) -> dict[str, list[str]]:
    """``["n=10,100", "rosenbrock.a=1"]`` → ``{"n": ["10", "100"], "rosenbrock.a": ["1"]}``."""
    grid: dict[str, list[str]] = {}
    for item in items or []:
        if "=" not in item or not item.split("=", 1)[0].strip():
            raise UsageError(f"-p expects key=value[,value...], got '{item}'")
        key, values = item.split("=", 1)
        vals = [v.strip() for v in values.split(",")]
        if any(v == "" for v in vals):
            raise UsageError(f"-p {item}: empty value in the list; write -p {key}=1,2,3")
        grid[key.strip()] = vals
    return grid


def expand_grid(
    problems: list[str],
    param_grid: Optional[dict[str, list]] = None,
    seeds: Optional[int] = None,
    methods: Optional[list[str]] = None,
    options: Optional[dict[str, dict]] = None,
    problem_files: tuple = (),
) -> list[RunSpec]:
    """problems × parameter combinations × seeds × methods, every name and value checked.

    A plain parameter (``n``) applies to every problem and each must declare it; a scoped
    one (``rosenbrock.n``) applies to that problem only. ``seeds=K`` gives seeds 0..K−1
    (see the module doc for what a seed does); ``None`` means one run per instance from the
    problem's own start (and its default ``seed``, if it declares one).
    """
    from .params import bind
    from .problem import get_spec

    param_grid = dict(param_grid or {})
    methods = list(methods or [])
    options = options or {m: {} for m in methods}
    if not problems:
        raise UsageError("no problems given; name at least one (optbench list shows them)")
    if not methods:
        raise UsageError("no methods given; use -m gd,newton,lbfgs (optbench list shows them)")
    if seeds is not None and (not isinstance(seeds, int) or seeds < 1):
        raise UsageError(f"--seeds must be a positive integer, got {seeds!r}")
    for key in param_grid:
        if "." in key and key.rpartition(".")[0] not in problems:
            raise UsageError(f"-p {key}: problem '{key.rpartition('.')[0]}' is not among the compared problems "
                             f"({', '.join(problems)})")
    specs: list[RunSpec] = []
    for pname in problems:
        spec = get_spec(pname)
        declared = {p.name for p in spec.params}
        mine: dict[str, list] = {}
        for key, values in param_grid.items():
            scope, _, name = key.rpartition(".")
            if scope and scope != pname:
                continue
            if name not in declared:
                listed = ", ".join(sorted(declared)) or "none"
                raise UsageError(f"problem '{pname}' has no parameter '{name}' (its parameters: {listed}); "
                                 f"scope it to the problems that have it, e.g. -p OTHER.{name}=...")
            for v in values:
                bind(spec.params, {name: v}, pname, "parameter")  # one-line error on a bad value
            mine[name] = list(values)
        if "seed" in declared and seeds is not None:
            if "seed" in mine:
                raise UsageError(f"problem '{pname}': give either -p seed=... or --seeds, not both")
            seed_values, mode = list(range(seeds)), "problem"
        elif "seed" in mine:
            seed_values, mode = [None], "problem"
        elif seeds is None and "seed" in declared:  # the problem's own default seed, recorded as such
            default = next(p.default for p in spec.params if p.name == "seed")
            seed_values, mode = [default if isinstance(default, int) else 0], "none"
        else:
            seed_values, mode = list(range(seeds or 1)), ("x0" if seeds else "none")
        names = list(mine)
        for combo in itertools.product(*(mine[k] for k in names)):
            base = tuple(zip(names, combo))
            for s in seed_values:
                if s is None:
                    params, seed = base, int(float(dict(base)["seed"]))
                elif mode == "problem":
                    params, seed = base + (("seed", s),), s
                else:
                    params, seed = base, s
                for m in methods:
                    specs.append(RunSpec(pname, params, seed, mode, m, tuple(options.get(m, {}).items()),
                                         tuple(problem_files), len(specs), os.getcwd()))
    return specs


def start_point(x0: np.ndarray, spec: RunSpec) -> np.ndarray:
    """x₀, or for ``seed_mode "x0"`` and seed > 0 the seeded perturbation in the module doc."""
    if spec.seed_mode != "x0" or spec.seed == 0:
        return x0
    xi = np.random.default_rng(spec.seed).standard_normal(x0.size)
    return x0 + PERTURBATION_SCALE * (1.0 + np.abs(x0)) * xi


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
        status = Status.NONFINITE if "not finite" in str(e) else Status.ERROR
        return RunRecord(spec, status.value, str(e), time=time.perf_counter() - t0)
    except OptbenchError as e:
        return RunRecord(spec, Status.ERROR.value, str(e), time=time.perf_counter() - t0)
    except Exception as e:  # noqa: BLE001 - a comparison never stops for one run
        return RunRecord(spec, Status.ERROR.value, f"{type(e).__name__}: {e}", time=time.perf_counter() - t0)
    tr = result.trace
    return RunRecord(
        spec, result.status.value, result.message, n=n, nit=result.nit,
        f0=tr.data["f"][0] if len(tr) else None, fun=float(result.fun), f_star=result.f_star,
        grad_norm=float(result.grad_norm), nfev=result.nfev, ngev=result.njev, nhvp=result.nhvp,
        nhev=result.nhev, time=result.time, x=[float(v) for v in result.x],
        trace={c: list(tr.data[c]) for c in COLUMNS},
    )


def _blas_threads(limit: Optional[int]):
    """Limit BLAS/OpenMP threads during a run (:mod:`optbench.threads`), so that small problems are not
    slowed by threads spinning and parallel runs do not oversubscribe the cores."""
    from .threads import blas_threads

    return blas_threads(limit)


def _run(spec: RunSpec, budgets: Budgets):
    from .problem import load_file, make_problem
    from .run import run
    from .scipy_methods import is_scipy_method, run_scipy
    from .solvers.base import make_solver

    import scipy.linalg  # noqa: F401 - solvers import these lazily; keep that out of the first run's time
    import scipy.optimize  # noqa: F401

    for path in spec.problem_files:
        load_file(path)
    name = spec.problem
    path, sep, pname = name.rpartition(":")
    if sep and path.endswith(".py") and spec.base_dir and not os.path.isabs(path):
        name = os.path.join(spec.base_dir, path) + ":" + pname
    prob = make_problem(name, spec.params_dict)
    x0 = start_point(prob.x0, spec)
    common = dict(gtol=budgets.gtol, norm=budgets.norm, max_iter=budgets.max_iter,
                  max_evals=budgets.max_evals, max_time=budgets.max_time, trace_x=False)
    if is_scipy_method(spec.method):
        return run_scipy(prob, spec.method, x0, options=spec.options_dict, **common), prob.n
    solver = make_solver(spec.method, spec.options_dict)
    return run(prob, solver, x0, **common), prob.n


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
        raise UsageError(f"--jobs must be a positive integer, got {jobs!r}")
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
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":
        # workers fork from a server that has already imported what every run needs
        ctx.set_forkserver_preload(["optbench.compare", "optbench.run", "optbench.scipy_methods",
                                    "optbench.solvers.base", "scipy.optimize", "scipy.linalg", "threadpoolctl"])
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx)
    futures = {pool.submit(execute, s, budgets): s for s in specs}
    interrupted = False
    try:
        for fut in as_completed(futures):
            if done(_result_or_error(fut, futures[fut])):
                interrupted = True
                break
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if interrupted:
            for fut in futures:
                fut.cancel()
        pool.shutdown(wait=True, cancel_futures=True)  # running workers got the Ctrl-C too and return soon
        if interrupted:
            for fut in futures:  # keep what finished meanwhile (and the interrupted runs' partial traces)
                if fut.done() and not fut.cancelled():
                    _keep_if_new(fut, futures[fut], done)
    return interrupted


def _keep_if_new(fut, spec, done) -> None:
    try:
        done(_result_or_error(fut, spec))
    except Exception:  # noqa: BLE001
        pass


def _result_or_error(fut, spec) -> RunRecord:
    try:
        return fut.result()
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # a worker that died (e.g. killed by the OS) is one failed row
        return RunRecord(spec, Status.ERROR.value, f"worker failed: {type(e).__name__}: {e}")


def connect_dask(address: str, timeout: float = 10.0):
    """A ``dask.distributed.Client`` for ``address``, or a one-line error saying what to do."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise UsageError("--dask needs dask.distributed; install it with: pip install 'optbench[dask]'") from None
    try:
        return Client(address, timeout=timeout)
    except Exception as e:  # noqa: BLE001
        raise RunError(f"--dask {address}: cannot connect to the Dask scheduler ({type(e).__name__}: {e}); "
                       "start one with `dask scheduler` and `dask worker ADDRESS`") from None


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

