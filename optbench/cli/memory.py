"""``optbench memory``: reverse-mode memory against checkpoint segment size (rendering only)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from .check import _check_plot_path, _parse_ints
from . import backend_flag
from .common import EXIT_OK, handle_errors, load_problem_files, stderr_console, stdout_console


@handle_errors
def memory_command(
    problem: str = typer.Argument("mlp", help="A problem with depth and checkpoint parameters (default mlp)."),
    param: Optional[List[str]] = typer.Option(None, "--param", "-p", help="Problem parameter key=value (repeatable), e.g. -p hidden=64 -p depth=64."),
    k: Optional[str] = typer.Option(None, "--k", help="Segment sizes K, comma-separated (default 1, 2, 4, …, L and √L)."),
    repeat: int = typer.Option(2, "--repeat", help="Timed runs per measurement (the best is reported)."),
    blas_threads: int = typer.Option(1, "--blas-threads", help="BLAS threads for the measurements (0 = the library default)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the HVP direction."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Memory vs time, one point per K, to FILE (.png/.svg/.pdf)."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON instead of a table."),
    problems: Optional[List[Path]] = typer.Option(None, "--problems", help="Load problems from a .py file or directory."),
    backend: str = backend_flag.option(),
) -> None:
    """Peak memory and time of one gradient and one HVP, without checkpointing and per segment size K."""
    backend_flag.autograd_only(backend, "memory", "it measures autograd's tape and optbench.checkpoint")
    from ..core.errors import UsageError
    from . import memory_render as mr
    from .lab_render import jsonable
    from ..lab.memory import memory
    from ..core.params import parse_assignments

    load_problem_files(problems)
    ks = None if k is None else _parse_ints(k, "--k")
    if repeat < 1:
        raise UsageError(f"--repeat must be a positive integer, got {repeat}")
    if blas_threads < 0:
        raise UsageError(f"--blas-threads must be ≥ 0 (0 = the library default), got {blas_threads}")
    _check_plot_path(plot)
    err = stderr_console()
    show = not json_out and err.is_terminal

    def progress(row) -> None:
        if show:
            err.print(f"  K = {'off' if row.k == 0 else row.k}: ∇f {row.grad_peak_bytes / 1e6:.1f} MB, "
                      f"∇²f·v {row.hvp_peak_bytes / 1e6:.1f} MB", highlight=False)

    rep = memory(problem, parse_assignments(param, "--param"), ks, seed=seed, repeat=repeat,
                 blas_threads=blas_threads, callback=progress)
    if json_out:
        sys.stdout.write(json.dumps(jsonable(rep.to_dict()), ensure_ascii=False) + "\n")
    else:
        out = stdout_console()
        out.print(mr.memory_table(rep))
        out.print(mr.memory_summary(rep))
    if plot is not None:
        mr.plot_memory(rep, plot)
        if not json_out:
            stdout_console().print(f" * Plot written to {plot}")
    raise typer.Exit(EXIT_OK)
