"""``optbench compare``, ``optbench report`` and ``optbench plot``: grids of runs and their run directory."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any, List, Optional

import typer

from .common import EXIT_INTERRUPTED, EXIT_OK, handle_errors, load_problem_files, stderr_console, stdout_console

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
    from ..summary import aggregate_table, group_instances, instance_table

    out = stdout_console()
    for inst, rs in group_instances(rows).items():
        out.print(instance_table(inst, rs, norm))
        out.print()
    out.print(aggregate_table(rows))


def _print_json(run_dir: Path, state: str, rows: list[dict]) -> None:
    from ..summary import aggregate

    data = {"run_dir": str(run_dir), "state": state, "runs": rows, "aggregate": aggregate(rows)}
    sys.stdout.write(json.dumps(_clean(data), allow_nan=False) + "\n")


@handle_errors
def compare_command(
    problems: List[str] = typer.Argument(..., help="Problems to compare on (names, or path/to/file.py:name)."),
    methods: str = typer.Option(DEFAULT_METHODS, "--methods", "-m",
                                help="Comma-separated methods: ours (optbench list) and scipy:L-BFGS-B, scipy:BFGS, "
                                     "scipy:CG, scipy:Newton-CG, scipy:trust-ncg, scipy:trust-krylov."),
    param: Optional[List[str]] = typer.Option(None, "--param", "-p",
                                              help="Problem parameter grid: n=10,100 (every problem) or "
                                                   "rosenbrock.n=10,100 (one problem). Repeatable."),
    seeds: Optional[int] = typer.Option(None, "--seeds", help="K repetitions, seeds 0..K-1 (problem seed, or a perturbed x0)."),
    option: Optional[List[str]] = typer.Option(None, "--option", "-o",
                                               help="Solver option: method.key=value (one method) or key=value "
                                                    "(every method that has it). Repeatable."),
    gtol: float = typer.Option(1e-6, "--gtol", help="Converged when ‖∇f‖ ≤ gtol."),
    norm: str = typer.Option("inf", "--norm", help="Norm of the gradient test: inf or 2."),
    max_iter: int = typer.Option(1000, "--max-iter", help="Iteration budget of every run."),
    max_evals: Optional[int] = typer.Option(None, "--max-evals", help="Budget of calls of f per run."),
    max_time: Optional[float] = typer.Option(
        None, "--max-time", help="Time budget per run in seconds (default: none, so results do not depend on the "
                                 "machine's load; 0 = none)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Run directory (default runs/<timestamp>-<problems>)."),
    jobs: int = typer.Option(1, "--jobs", "-j", help="Run in N processes on this machine."),
    blas_threads: int = typer.Option(1, "--blas-threads", help="BLAS threads per run (0 = the library default)."),
    dask: Optional[str] = typer.Option(None, "--dask", help="Send the runs to a Dask scheduler, e.g. tcp://host:8786."),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Draw the figures into RUN_DIR/plots."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar; only the aggregate table."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary rows and aggregate as JSON."),
    problem_files: Optional[List[Path]] = typer.Option(None, "--problems", help="Load problems from a .py file or directory."),
) -> None:
    """Run methods on a grid of problems; print comparison tables; keep everything in a run directory."""
    from ..compare import (Budgets, GridOutcome, expand_grid, not_run, parse_methods, parse_param_grid,
                           resolve_options, run_grid)
    from ..errors import UsageError
    from ..params import parse_assignments
    from ..rundir import RunWriter, command_line, default_run_dir, machine, now_iso, prepare_run_dir, versions
    from ..run import check_settings

    if jobs < 1:
        raise UsageError(f"--jobs must be a positive integer, got {jobs}")
    if dask is not None and jobs != 1:
        raise UsageError("give either --jobs or --dask, not both")
    if max_time is not None and max_time < 0:
        raise UsageError(f"--max-time must be ≥ 0 seconds (0 = no limit), got {max_time}")
    if blas_threads < 0:
        raise UsageError(f"--blas-threads must be ≥ 0 (0 = the library default), got {blas_threads}")
    budgets = Budgets(gtol=gtol, norm=norm, max_iter=max_iter, max_evals=max_evals,
                      max_time=max_time or None, blas_threads=blas_threads or None)
    check_settings(gtol, 0.0, 0.0, norm, budgets.max_iter, max_evals, budgets.max_time)
    load_problem_files(problem_files)
    files = tuple(str(Path(p).resolve()) for p in problem_files or [])
    method_list = parse_methods(methods)
    per_method = resolve_options(method_list, parse_assignments(option, "--option"))
    grid = parse_param_grid(param)
    specs = expand_grid(list(problems), grid, seeds, method_list, per_method, files)

    client = None
    if dask is not None:  # connect before anything is written
        from ..compare import connect_dask

        client = connect_dask(dask)

    name = "-".join(Path(p.split(":")[-1]).stem for p in problems)
    run_dir = prepare_run_dir(out if out is not None else default_run_dir(name))
    from ..compare import PERTURBATION_SCALE

    manifest = {
        "command": command_line(), "argv": sys.argv[1:], "cwd": str(Path.cwd()), "start": now_iso(),
        "problems": list(problems), "problem_files": list(files), "param_grid": grid,
        "methods": method_list, "options": per_method, "seeds": seeds,
        "seed_modes": {s.problem: s.seed_mode for s in specs},
        "perturbation": {"scale": PERTURBATION_SCALE,
                         "rule": "seed s > 0 without a problem seed parameter: x0_i + scale*(1+|x0_i|)*xi_i, "
                                 "xi ~ N(0, I) from numpy.random.default_rng(s)"},
        "budgets": budgets.as_dict(),
        "executor": {"kind": "dask" if dask else ("processes" if jobs > 1 else "serial"), "jobs": jobs, "dask": dask},
        "cost_model": "nfev/3 + 2*ngev/3 + nhvp + n*nhev (gradient-equivalents)",
        "versions": versions(), "machine": machine(),
    }
    writer = RunWriter(run_dir, manifest, specs)

    err = stderr_console()
    show = not (quiet or json_out) and err.is_terminal
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    progress = Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                        console=err, disable=not show, transient=False)
    where = f"on Dask at {dask}" if dask else (f"in {jobs} processes" if jobs > 1 else "")
    task = progress.add_task(f"running {len(specs)} runs {where}".strip(), total=len(specs))

    def on_start(spec) -> None:
        progress.update(task, description=f"{spec.instance} · {spec.method}")

    finished: dict = {}

    def on_done(rec) -> None:
        finished[rec.spec.run_id] = rec
        writer.add(rec)
        progress.update(task, advance=1, description=f"{rec.spec.instance} · {rec.spec.method}: {rec.status}")

    try:
        with progress:
            outcome = run_grid(specs, budgets, jobs=jobs, dask=client, on_start=on_start, on_done=on_done)
    except KeyboardInterrupt:  # a second Ctrl-C while the executor was winding down
        why = "the comparison was interrupted before this run finished"
        outcome = GridOutcome([finished.get(s.run_id) or not_run(s, why) for s in specs], True)
    finally:
        if client is not None:
            client.close()
    writer.finish(outcome.records, outcome.interrupted)
    state = writer.manifest["state"]

    from ..rundir import summary_row

    rows = [summary_row(r) for r in outcome.records]
    written = []
    if plots:
        try:
            from ..plots import render_all

            traces = {r.spec.run_id: r.trace for r in outcome.records}
            written = render_all(run_dir, rows, traces, gtol=gtol)
        except Exception as e:  # noqa: BLE001 - the results are kept even if a figure fails
            err.print(f"warning: plots not drawn ({type(e).__name__}: {e}); try `optbench plot {run_dir}`")
    if json_out:
        _print_json(run_dir, state, rows)
    else:
        if quiet:
            from ..summary import aggregate_table

            stdout_console().print(aggregate_table(rows))
        else:
            _print_tables(rows, norm, state, run_dir)
        stdout_console().print(f" * Results in {run_dir}/ (summary.csv, traces.csv, manifest.json"
                               + (f", {len(written)} plot files" if written else "") + ")")
    if outcome.interrupted:
        finished = writer.manifest["finished_runs"]
        err.print(f"interrupted: {finished} of {len(specs)} runs finished; they are kept in {run_dir}/")
    raise typer.Exit(EXIT_INTERRUPTED if outcome.interrupted else EXIT_OK)


@handle_errors
def report_command(
    run_dir: Path = typer.Argument(..., help="A directory written by optbench compare."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary rows and aggregate as JSON."),
) -> None:
    """Print a comparison's tables again from its run directory (nothing is re-run)."""
    from ..rundir import load_run

    manifest, rows, _ = load_run(run_dir)
    state = manifest.get("state", "?")
    if json_out:
        _print_json(run_dir, state, rows)
        return
    norm = (manifest.get("budgets") or {}).get("norm", "inf")
    out = stdout_console()
    out.print(f"[dim]{manifest.get('command', '')}  ({manifest.get('start')} → {manifest.get('end')}, {state})[/dim]")
    _print_tables(rows, norm, state, run_dir)


@handle_errors
def plot_command(
    run_dir: Path = typer.Argument(..., help="A directory written by optbench compare."),
    cost: str = typer.Option("cost", "--cost", help="Profile cost: cost (gradient-equivalents), time, iter, nfev."),
    test: str = typer.Option("gtol", "--test", help="Profile convergence test: gtol (‖∇f‖ ≤ gtol) or f (f − f_L ≤ τ(f0 − f_L))."),
    tau: float = typer.Option(1e-6, "--tau", help="τ of the f test."),
    gtol: Optional[float] = typer.Option(None, "--gtol", help="gtol of the gradient test (default: the run's)."),
) -> None:
    """Draw (again) the figures of a run directory into RUN_DIR/plots (PNG and SVG)."""
    from ..errors import UsageError
    from ..plots import render_all
    from ..profiles import COSTS, TESTS
    from ..rundir import load_run

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
