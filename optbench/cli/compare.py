"""``optbench compare``, ``optbench report`` and ``optbench plot``: grids of runs and their run directory."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any, List, Optional

import typer

from .common import NORM_CHOICES, EXIT_INTERRUPTED, EXIT_OK, handle_errors, load_problem_files, stderr_console, stdout_console

DEFAULT_METHODS = "gd,newton,newton-cg,lbfgs"


def _clean(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    return v


def _print_tables(rows: list[dict], norm: str, state: str, run_dir: Path) -> None:
    from ..compare.summary import group_instances
    from .compare_render import aggregate_table, instance_table

    out = stdout_console()
    for inst, rs in group_instances(rows).items():
        out.print(instance_table(inst, rs, norm))
        out.print()
    out.print(aggregate_table(rows))


def _print_json(run_dir: Path, state: str, rows: list[dict], extra: Optional[dict] = None) -> None:
    from ..compare.summary import aggregate

    data = {"run_dir": str(run_dir), "state": state, "runs": rows, "aggregate": aggregate(rows), **(extra or {})}
    sys.stdout.write(json.dumps(_clean(data), allow_nan=False) + "\n")


@handle_errors
def compare_command(
    problems: List[str] = typer.Argument(..., help="Problems to compare on (names, or path/to/file.py:name)."),
    methods: Optional[List[str]] = typer.Option(
        None, "--methods", "-m", show_default=DEFAULT_METHODS, metavar="NAMES",
        help="Comma-separated methods: ours (optbench list) and scipy:L-BFGS-B, scipy:BFGS, scipy:CG, "
             "scipy:Newton-CG, scipy:trust-ncg, scipy:trust-krylov. Repeatable: -m gd -m lbfgs is -m gd,lbfgs."),
    param: Optional[List[str]] = typer.Option(None, "--param", "-p",
                                              help="Problem parameter grid: n=10,100 (every problem) or "
                                                   "rosenbrock.n=10,100 (one problem); integer ranges "
                                                   "id=1..35 or id=1..3,7 (ends included); list values "
                                                   "hidden=32x16 (one two-layer net), hidden=32x16,64 (two nets). "
                                                   "Repeatable: values of the same key add up."),
    seeds: Optional[int] = typer.Option(None, "--seeds", help="K repetitions, seeds 0..K-1 (problem seed, or a perturbed x0)."),
    option: Optional[List[str]] = typer.Option(None, "--option", "-o",
                                               help="Solver option grid: method.key=v1,v2 (one method) or "
                                                    "key=v1,v2 (every method that has it); each combination is a "
                                                    "method of its own, labelled lbfgs[m=3]. Repeatable: values of "
                                                    "the same key add up."),
    gtol: float = typer.Option(1e-6, "--gtol", help="Converged when ‖∇f‖ ≤ gtol."),
    norm: str = typer.Option("inf", "--norm", metavar=NORM_CHOICES, help="Norm of the gradient test: inf or 2."),
    max_iter: int = typer.Option(1000, "--max-iter", help="Iteration budget of every run."),
    max_evals: Optional[int] = typer.Option(None, "--max-evals", help="Budget of calls of f per run."),
    max_time: Optional[float] = typer.Option(
        None, "--max-time", help="Time budget per run in seconds (default: none — budgets are iterations and "
                                 "evaluations, so results do not depend on the machine's load; 0 = none)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Run directory (default runs/<timestamp>-<problems>)."),
    jobs: int = typer.Option(1, "--jobs", "-j", help="Run in N processes on this machine."),
    blas_threads: int = typer.Option(1, "--blas-threads", help="BLAS threads per run (0 = the library default)."),
    dask: Optional[str] = typer.Option(None, "--dask", help="Send the runs to a Dask scheduler, e.g. tcp://host:8786."),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Draw the figures into RUN_DIR/plots."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar; only the aggregate table."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary rows and aggregate as JSON."),
    problem_files: Optional[List[Path]] = typer.Option(None, "--problems", help="Load problems from a .py file or directory."),
    resume: bool = typer.Option(False, "--resume",
                                help="With --out DIR: reuse the runs DIR already holds complete (same problem, "
                                     "parameters, method, options, seed, budgets and optbench version) and run "
                                     "only the others; interrupted, crashed and errored runs are rerun."),
    backend: str = typer.Option("autograd", "--backend", metavar="[autograd|jax]",
                                help="Automatic differentiation, or a grid axis: autograd,jax (runs off autograd are "
                                     "labelled method@jax)."),
) -> None:
    """Run methods on a grid of problems; print comparison tables; keep everything in a run directory."""
    from ..compare.grid import Budgets, parse_methods, parse_option_grid, parse_param_grid, resolve_options
    from ..compare.session import run_comparison
    from ..core.errors import UsageError
    from .compare_render import aggregate_table
    from .progress import grid_progress

    if blas_threads < 0:
        raise UsageError(f"--blas-threads must be ≥ 0 (0 = the library default), got {blas_threads}")
    if max_time is not None and max_time < 0:
        raise UsageError(f"--max-time must be ≥ 0 seconds (0 = no limit), got {max_time}")
    budgets = Budgets(gtol=gtol, norm=norm, max_iter=max_iter, max_evals=max_evals, max_time=max_time or None,
                      blas_threads=blas_threads or None)
    load_problem_files(problem_files)
    method_list = parse_methods(methods or DEFAULT_METHODS)
    per_method = resolve_options(method_list, parse_option_grid(option))
    err = stderr_console()
    where = f"on Dask at {dask}" if dask else (f"in {jobs} processes" if jobs > 1 else "")
    with grid_progress(err, where, enabled=not (quiet or json_out) and err.is_terminal) as progress:
        result = run_comparison(list(problems), method_list, options=per_method, param_grid=parse_param_grid(param),
                                seeds=seeds, budgets=budgets, out=out, jobs=jobs, dask=dask, plots=plots,
                                problem_files=tuple(problem_files or ()), resume=resume, on_start=progress.started,
                                on_done=progress.done, on_plan=progress.planned, argv=sys.argv[1:],
                                backends=backend)
    if result.plot_error:
        err.print(f"warning: plots not drawn ({result.plot_error}); try `optbench plot {result.run_dir}`",
                  markup=False)
    if json_out:
        _print_json(result.run_dir, result.state, result.rows,
                    {"reused_runs": result.reused_runs, "ran_runs": result.ran_runs} if resume else None)
    else:
        if quiet:
            stdout_console().print(aggregate_table(result.rows))
        else:
            _print_tables(result.rows, norm, result.state, result.run_dir)
        stdout_console().print(f" * Results in {result.run_dir}/ (summary.csv, traces.csv, manifest.json"
                               + (f", {len(result.plots)} plot files" if result.plots else "") + ")")
        if resume:
            stdout_console().print(f" * Resumed: {result.reused_runs} of {len(result.specs)} runs reused from "
                                   f"{result.run_dir}/, {result.ran_runs} run now", markup=False)
    if result.interrupted:
        err.print(f"interrupted: {result.finished_runs} of {len(result.specs)} runs finished; they are kept in "
                  f"{result.run_dir}/", markup=False)
    raise typer.Exit(EXIT_INTERRUPTED if result.interrupted else EXIT_OK)


@handle_errors
def report_command(
    run_dir: Path = typer.Argument(..., help="A directory written by optbench compare."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary rows and aggregate as JSON."),
    html: bool = typer.Option(False, "--html", help="Write one self-contained HTML page (tables, figures, manifest)."),
    out: Optional[Path] = typer.Option(None, "--out", help="File of the --html page (default RUN_DIR/report.html)."),
) -> None:
    """Print a comparison's tables again from its run directory (nothing is re-run), or write them as a web page."""
    from ..compare.rundir import load_run
    from .safe import safe

    if html or out is not None:
        from .report import html_report

        html_report(run_dir, html, out, json_out)
        return
    manifest, rows, _ = load_run(run_dir)
    state = manifest.get("state", "?")
    if json_out:
        _print_json(run_dir, state, rows)
        return
    norm = (manifest.get("budgets") or {}).get("norm", "inf")
    out = stdout_console()
    out.print(f"[dim]{safe(manifest.get('command', ''))}  ({safe(manifest.get('start'))} → "
              f"{safe(manifest.get('end'))}, {safe(state)})[/dim]")
    _print_tables(rows, norm, state, run_dir)


@handle_errors
def plot_command(
    run_dir: Path = typer.Argument(..., help="A directory written by optbench compare."),
    cost: str = typer.Option("cost", "--cost", metavar="[cost|time|iter|nfev]", help="Profile cost: cost (gradient-equivalents), time, iter, nfev."),
    test: str = typer.Option("gtol", "--test", metavar="[gtol|f]", help="Profile convergence test: gtol (‖∇f‖ ≤ gtol) or f (f − f_L ≤ τ(f0 − f_L))."),
    tau: float = typer.Option(1e-6, "--tau", help="τ of the f test."),
    gtol: Optional[float] = typer.Option(None, "--gtol", help="gtol of the gradient test (default: the run's)."),
) -> None:
    """Draw (again) the figures of a run directory into RUN_DIR/plots (PNG and SVG)."""
    from ..core.errors import UsageError
    from ..compare.plots import render_all
    from ..compare.profiles import COSTS, TESTS
    from ..compare.rundir import load_run

    if cost not in COSTS:
        raise UsageError(f"--cost must be one of {', '.join(COSTS)}, got '{cost}'")
    if test not in TESTS:
        raise UsageError(f"--test must be one of {', '.join(TESTS)}, got '{test}'")
    if not (0 < tau < 1):
        raise UsageError(f"--tau must be in (0, 1), got {tau}")
    manifest, rows, traces = load_run(run_dir)
    g = gtol if gtol is not None else float((manifest.get("budgets") or {}).get("gtol", 1e-6))
    written = render_all(run_dir, rows, traces, gtol=g, cost=cost, test=test, tau=tau)
    out = stdout_console()
    for p in written:
        out.print(str(p))
    raise typer.Exit(EXIT_OK)
