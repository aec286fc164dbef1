"""``optbench solve``: one solver on one problem, a convergence table and a summary."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from .common import (
    NORM_CHOICES,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_RUN,
    check_output_path,
    handle_errors,
    load_problem_files,
    parse_x0,
    solver_max_iter_text,
    stderr_console,
    stdout_console,
)


def one_method(given: Optional[List[str]]) -> str:
    """The one method of ``solve`` (default lbfgs); ``-m a -m b`` is refused, never cut to the last."""
    from ..core.errors import UsageError

    names = list(dict.fromkeys(given or ["lbfgs"]))
    if len(names) > 1:
        raise UsageError(f"--method is given {len(names)} times ({', '.join(names)}); solve runs one method "
                         f"(optbench compare runs several: -m {','.join(names)})")
    return names[0]


@handle_errors
def solve_command(
    problem: str = typer.Argument(..., help="Problem name (optbench list), or path/to/file.py:name."),
    method: Optional[List[str]] = typer.Option(
        None, "--method", "-m", show_default="lbfgs", metavar="TEXT",
        help="Solver: gd, newton, newton-cg, lbfgs, ... or a scipy reference (scipy:L-BFGS-B, ...).",
    ),
    param: Optional[List[str]] = typer.Option(None, "--param", "-p", help="Problem parameter key=value (repeatable; list values join entries with x: hidden=32x16)."),
    option: Optional[List[str]] = typer.Option(None, "--option", "-o", help="Solver option key=value (repeatable)."),
    x0: Optional[str] = typer.Option(None, "--x0", help="Starting point: comma-separated numbers ('-1.2,1'), one number for every coordinate ('0.5'), "
        "or a file ('@x0.npy', '@x0.txt', '@x0.csv')."),
    gtol: float = typer.Option(1e-6, "--gtol", help="Stop when ‖∇f‖ ≤ gtol (0 switches the test off)."),
    ftol: float = typer.Option(0.0, "--ftol", help="Stop when the relative change in f ≤ ftol (0 = off)."),
    xtol: float = typer.Option(0.0, "--xtol", help="Stop when ‖Δx‖ ≤ xtol·(1+‖x‖) (0 = off)."),
    norm: str = typer.Option("inf", "--norm", metavar=NORM_CHOICES, help="Norm of the gradient test: inf or 2."),
    max_iter: Optional[int] = typer.Option(None, "--max-iter", show_default=solver_max_iter_text(),
                                           help="Iteration budget."),
    max_evals: Optional[int] = typer.Option(None, "--max-evals", help="Budget of calls of f."),
    max_time: Optional[float] = typer.Option(None, "--max-time", help="Time budget in seconds."),
    csv: Optional[Path] = typer.Option(None, "--csv", help="Write the trace as CSV (streamed, one row per iteration)."),
    json_out: bool = typer.Option(False, "--json", help="Print the result (with trace) as JSON instead of tables."),
    json_jac: bool = typer.Option(
        False, "--json-jac",
        help="With --json: give x and jac as vectors at any n (by default only while n ≤ 100; beyond, jac's norms).",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the summary; no table, no progress."),
    trace_x: Optional[bool] = typer.Option(None, "--trace-x/--no-trace-x", help="Record x_1..x_n in the trace (default: n ≤ 10)."),
    rows: int = typer.Option(40, "--rows", help="Table rows to show for long runs (the CSV keeps all)."),
    trace_rows: int = typer.Option(
        100_000, "--trace-rows",
        help="Trace rows kept in memory (table, --json); past this, log-spaced rows and the last. The CSV gets every row.",
    ),
    blas_threads: int = typer.Option(1, "--blas-threads", help="BLAS threads for the run (0 = the library default)."),
    csv_every: int = typer.Option(1, "--csv-every", help="Write every K-th trace row to --csv (and always the last)."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when the status is not a success."),
    problems: Optional[List[Path]] = typer.Option(None, "--problems", help="Load problems from a .py file or directory."),
    backend: str = typer.Option("autograd", "--backend", metavar="[autograd|jax]",
                                help='Automatic differentiation: autograd, or jax (compiled; pip install "optbench[jax]").'),
) -> None:
    """Run one solver on one problem; print the convergence table and a summary."""
    from ..api import solve
    from ..core.budgets import Stopping
    from ..core.errors import UsageError
    from ..core.params import parse_assignments
    from ..core.problem import make_problem
    from ..core.status import Status
    from ..core.threads import blas_threads as limit_threads
    from ..solvers.registry import make_method
    from .progress import RunProgress
    from .render import elision_note, summary_text, trace_table
    from .tracefile import csv_trace

    for flag, value, least in (("--rows", rows, 3), ("--trace-rows", trace_rows, 1), ("--csv-every", csv_every, 1)):
        if value < least:
            raise UsageError(f"{flag} must be at least {least}, got {value}")
    if blas_threads < 0:
        raise UsageError(f"--blas-threads must be ≥ 0 (0 = the library default), got {blas_threads}")
    from ..core.backends import check_backend, load_jax

    backend = check_backend(backend)
    if backend == "jax":
        load_jax()  # not installed: one line naming the install command, before any work
    load_problem_files(problems)
    method = one_method(method)
    params, options = parse_assignments(param, "--param"), parse_assignments(option, "--option")
    stopping = Stopping(gtol=gtol, ftol=ftol, xtol=xtol, norm=norm, max_iter=max_iter, max_evals=max_evals,
                        max_time=max_time)
    chosen = make_method(method, options)  # bad options fail before the problem is built
    prob = make_problem(problem, params)
    start = parse_x0(x0) if x0 is not None else None
    check_output_path(csv, "--csv")
    out, err = stdout_console(), stderr_console()
    progress = RunProgress(err, f"{chosen.name} on {prob.label}", enabled=not (quiet or json_out),
                           max_iter=stopping.with_default_max_iter(chosen.default_max_iter).max_iter,
                           max_time=max_time)
    record_x = prob.n <= 10 if trace_x is None else trace_x
    try:
        with csv_trace(prob, record_x, trace_rows, csv_every, csv) as trace, limit_threads(blas_threads):
            result = solve(prob, chosen, x0=start, stopping=stopping, trace_x=record_x, callback=progress, trace=trace,
                           backend=backend)
    finally:
        progress.stop()
    result.options = options
    csv_error = trace.sink.error if csv is not None else None

    if json_out:
        sys.stdout.write(result.to_json(full_vectors=json_jac) + "\n")
    else:
        if not quiet:
            out.print(trace_table(result, max_rows=rows))
            note = elision_note(result, rows, csv is not None)
            if note:
                out.print(note, markup=False, highlight=False, style="dim")
        out.print(summary_text(result, width=out.width), end="")
        if csv is not None and csv_error is None:
            out.print(f" * Trace written to {csv} ({trace.sink.rows} rows)")
    if csv_error is not None:  # the result above stands; the file holds only complete rows
        stderr_console().print(f"error: writing the trace to --csv '{csv}' failed: {csv_error.strerror or csv_error} "
                               f"(errno {csv_error.errno}); the file holds the first {trace.sink.rows} rows",
                               markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_RUN)
    if result.status is Status.INTERRUPTED:
        raise typer.Exit(EXIT_INTERRUPTED)
    if result.status is Status.ERROR or (strict and not result.success):
        raise typer.Exit(EXIT_RUN)
    raise typer.Exit(EXIT_OK)
