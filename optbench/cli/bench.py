"""``optbench bench``: the benchmark suite against scipy.optimize (and the core micro-benchmarks)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from .common import EXIT_OK, check_output_path, handle_errors, stderr_console, stdout_console


@handle_errors
def bench_command(
    ctx: typer.Context,
    quick: bool = typer.Option(False, "--quick", help="Small cases only (about half a minute)."),
    core: bool = typer.Option(False, "--core", help="Run the core micro-benchmarks instead of the suite."),
    json_out: bool = typer.Option(False, "--json", help="Print the records and the environment as JSON instead of tables."),
    out_file: Optional[Path] = typer.Option(None, "--out", help="Also write the records and the environment as JSON to FILE."),
    max_n: Optional[int] = typer.Option(None, "--max-n", help="Skip suite cases whose dimension exceeds N."),
    max_time: float = typer.Option(60.0, "--max-time", help="Time budget per run in seconds."),
    blas_threads: int = typer.Option(1, "--blas-threads", help="BLAS threads (0 leaves them alone)."),
    threads: Optional[int] = typer.Option(None, "--threads", hidden=True, help="Deprecated: --blas-threads."),
    backend: str = typer.Option("autograd", "--backend", metavar="[autograd|jax]",
                                help="Derivatives of every run (ours and scipy's) from autograd or jax (compiled; "
                                     "the minimum over repeats leaves the compile out)."),
) -> None:
    """optbench vs scipy.optimize: same problems, same autograd derivatives; wall time and gradient ratios."""
    from ..bench.core import run_core
    from ..bench.environment import environment
    from ..bench.suite import run_suite, suite_cases
    from ..bench.report import bench_json, write_bench_json
    from .bench_render import core_table, suite_table
    from ..core.errors import UsageError

    out, err = stdout_console(), stderr_console()
    legacy = list(ctx.args)  # extra arguments are allowed only for the old `--json FILE`
    if legacy:  # `bench --json FILE`, the old spelling: still writes FILE (and prints the tables)
        if not json_out or len(legacy) != 1 or out_file is not None:
            raise UsageError(f"bench takes no arguments, got {' '.join(legacy)!r} (--out FILE writes the JSON)")
        out_file, json_out = Path(legacy[0]), False
        err.print(f"note: `--json FILE` is deprecated; use `--out {out_file}` (--json alone prints the JSON)",
                  markup=False, highlight=False)
    if threads is not None:
        err.print("note: --threads is deprecated; use --blas-threads", markup=False, highlight=False)
        blas_threads = threads
    check_output_path(out_file, "--out")
    if max_time <= 0:
        raise UsageError(f"--max-time must be a positive number of seconds, got {max_time}")
    if blas_threads < 0:
        raise UsageError(f"--blas-threads must be ≥ 0 (0 leaves BLAS threads alone), got {blas_threads}")
    pinned = blas_threads or None
    from ..core.backends import check_backend, load_jax

    backend = check_backend(backend)
    if backend == "jax":
        if core:
            raise UsageError("--core measures the autograd oracle's micro-benchmarks; with --backend jax run the "
                             "suite (without --core) or benchmarks/bench_peers.py")
        load_jax()

    def progress(s: str) -> None:
        err.print(f"… {s}", markup=False, highlight=False)

    if core:
        records = run_core((10, 1000) if quick else (10, 1000, 100_000, 1_000_000), threads=pinned,
                           progress=progress)
        env = environment(pinned)
        table = core_table(records, f"core micro-benchmarks — {env['date']}")
    else:
        records = run_suite(suite_cases(quick=quick, max_n=max_n), max_time=max_time, threads=pinned,
                            progress=progress, backend=backend)
        env = environment(pinned)
        table = suite_table(records, f"optbench vs scipy.optimize — {env['date']}")
    kind = "core" if core else "suite"
    settings = {"quick": quick, "max_n": max_n, "max_time": max_time, "blas_threads": blas_threads}
    if backend != "autograd":
        settings["backend"] = backend
    if json_out:
        sys.stdout.write(bench_json(kind, records, env, settings) + "\n")
    else:
        out.print(table)
    if out_file is not None:
        write_bench_json(out_file, kind, records, env, settings)
        err.print(f"wrote {out_file}", markup=False, highlight=False)
    raise typer.Exit(EXIT_OK)
