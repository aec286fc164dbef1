"""``optbench bench``: the benchmark suite against scipy.optimize (and the core micro-benchmarks)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import EXIT_OK, check_output_path, handle_errors, stderr_console, stdout_console


@handle_errors
def bench_command(
    quick: bool = typer.Option(False, "--quick", help="Small cases only (about half a minute)."),
    core: bool = typer.Option(False, "--core", help="Run the core micro-benchmarks instead of the suite."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write the records and the environment as JSON."),
    max_n: Optional[int] = typer.Option(None, "--max-n", help="Skip suite cases whose dimension exceeds N."),
    max_time: float = typer.Option(60.0, "--max-time", help="Time budget per run in seconds."),
    threads: int = typer.Option(1, "--threads", help="BLAS threads (0 leaves them alone)."),
) -> None:
    """optbench vs scipy.optimize: same problems, same autograd derivatives; wall time and gradient ratios."""
    from ..bench.core import run_core
    from ..bench.environment import environment
    from ..bench.suite import run_suite, suite_cases
    from ..bench.report import write_bench_json
    from .bench_render import core_table, suite_table
    from ..core.errors import UsageError

    check_output_path(json_out, "--json")
    if max_time <= 0:
        raise UsageError(f"--max-time must be a positive number of seconds, got {max_time}")
    if threads < 0:
        raise UsageError(f"--threads must be ≥ 0 (0 leaves BLAS threads alone), got {threads}")
    out, err = stdout_console(), stderr_console()
    pinned = threads or None

    def progress(s: str) -> None:
        err.print(f"… {s}", markup=False, highlight=False)

    if core:
        records = run_core((10, 1000) if quick else (10, 1000, 100_000, 1_000_000), threads=pinned,
                           progress=progress)
        env = environment(pinned)
        out.print(core_table(records, f"core micro-benchmarks — {env['date']}"))
    else:
        records = run_suite(suite_cases(quick=quick, max_n=max_n), max_time=max_time, threads=pinned,
                            progress=progress)
        env = environment(pinned)
        out.print(suite_table(records, f"optbench vs scipy.optimize — {env['date']}"))
    if json_out is not None:
        write_bench_json(json_out, "core" if core else "suite", records, env,
                         {"quick": quick, "max_n": max_n, "max_time": max_time, "threads": threads})
        out.print(f"wrote {json_out}", markup=False, highlight=False)
    raise typer.Exit(EXIT_OK)
