"""``optbench check``, ``optbench modes``, ``optbench graph``: the derivative lab (rendering only)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from . import backend_flag
from .common import EXIT_OK, EXIT_RUN, check_output_path, fail, handle_errors, load_problem_files, stdout_console

PLOT_SUFFIXES = {".png", ".svg", ".pdf"}


def _check_plot_path(plot: Optional[Path]) -> None:
    from ..core.errors import UsageError

    if plot is not None and plot.suffix.lower() not in PLOT_SUFFIXES:
        raise UsageError(f"--plot '{plot}': unknown image type '{plot.suffix or '(none)'}'; use .png, .svg or .pdf")
    check_output_path(plot, "--plot")


def _parse_ints(text: str, what: str) -> list[int]:
    from ..core.errors import UsageError

    values = []
    for part in text.split(","):
        p = part.strip()
        try:
            v = int(p)
        except ValueError:
            raise UsageError(f"{what}: '{p}' is not a positive integer (expected e.g. {what} 1,10,100)") from None
        if v < 1:
            raise UsageError(f"{what}: {v} is not a positive integer (expected e.g. {what} 1,10,100)")
        values.append(v)
    return values


@handle_errors
def check_command(
    problem: Optional[str] = typer.Argument(None, help="Problem name (optbench list), or path/to/file.py:name."),
    param: Optional[List[str]] = typer.Option(None, "--param", "-p", help="Problem parameter key=value (repeatable)."),
    at: str = typer.Option("x0", "--at", help="Where to check: x0, random (x0 + N(0, I)), or '-1.2,1'."),
    seed: int = typer.Option(0, "--seed", help="Seed of the random point and directions."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Draw the error-vs-step curves (log-log) to FILE (.png/.svg/.pdf)."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON instead of tables."),
    demo: Optional[str] = typer.Option(None, "--demo", metavar="[float32]", help="Run a built-in demonstration instead: float32."),
    problems: Optional[List[Path]] = typer.Option(None, "--problems", help="Load problems from a .py file or directory."),
    backend: str = backend_flag.option(),
) -> None:
    """Verify derivatives: AD vs finite differences (step sweep), Taylor test, HVP strategies, symmetry.

    Exit code 1 when a derivative is wrong (the message names it).
    """
    backend_flag.autograd_only(backend, "check", "it measures autograd's derivatives against finite differences")
    from ..core.errors import UsageError

    if demo is not None:
        if problem is not None:
            raise UsageError("give either a PROBLEM or --demo, not both")
        if demo != "float32":
            raise UsageError(f"--demo '{demo}' not found (choices: float32)")
        return _demo(plot, json_out)
    if problem is None:
        raise UsageError("missing PROBLEM (e.g. optbench check rosenbrock; optbench list shows all) or --demo float32")
    from . import lab_render as lr
    from ..lab.check import check
    from ..core.params import parse_assignments

    load_problem_files(problems)
    _check_plot_path(plot)
    rep = check(problem, parse_assignments(param, "--param"), at=at, seed=seed)
    if json_out:
        sys.stdout.write(json.dumps(lr.jsonable(rep.to_dict()), ensure_ascii=False) + "\n")
    else:
        out = stdout_console()
        supplied = ", ".join(rep.supplied) if rep.supplied else "none (all from autograd)"
        out.print(f"Derivative check of {rep.problem} (n = {rep.n}) at {rep.at}; seed {rep.seed}; "
                  f"hand-written derivatives: {supplied}")
        out.print(lr.sweep_table(rep))
        out.print(lr.sweep_summary(rep))
        out.print(lr.agreement_table(rep))
        out.print(lr.taylor_table(rep))
        out.print(lr.taylor_summary(rep))
        out.print(lr.strategy_table(rep))
        for line in lr.symmetry_lines(rep):
            out.print(line)
        for line in rep.failures:
            out.print(f"[red]✗ {line}[/red]")
        if rep.passed:
            out.print("[green]✓ all derivative checks passed[/green]")
    if plot is not None:
        lr.plot_check(rep, plot)
        if not json_out:
            stdout_console().print(f" * Plot written to {plot}")
    if not rep.passed:
        fail("check failed: " + " | ".join(rep.failures), EXIT_RUN)
    raise typer.Exit(EXIT_OK)


def _demo(plot: Optional[Path], json_out: bool) -> None:
    from dataclasses import asdict

    from . import lab_render as lr
    from ..lab.finite_differences import float32_demo

    _check_plot_path(plot)
    d = float32_demo()
    if json_out:
        sys.stdout.write(json.dumps(lr.jsonable(asdict(d))) + "\n")
    else:
        out = stdout_console()
        out.print(lr.demo_table(d))
        out.print(f"r = {d.r:g}: finite differences in float32 give {d.fd:.6f}, in float64 {d.fd_float64:.12f}; "
                  f"autograd (float32) gives {d.ad:g} — exact, because it multiplies exact local derivatives "
                  "instead of dividing a rounded difference by r.")
    if plot is not None:
        lr.plot_demo(d, plot)
        if not json_out:
            stdout_console().print(f" * Plot written to {plot}")
    raise typer.Exit(EXIT_OK)


@handle_errors
def modes_command(
    n: str = typer.Option("1,10,100,1000", "--n", help="Input dimensions, comma-separated."),
    m: str = typer.Option("1,10,100,1000", "--m", help="Output dimensions, comma-separated."),
    width: int = typer.Option(32, "--width", help="Hidden width of the tanh stack."),
    depth: int = typer.Option(2, "--depth", help="Number of tanh layers."),
    seed: int = typer.Option(0, "--seed", help="Seed of the random weights and point."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Heat map of forward/reverse time to FILE (.png/.svg/.pdf)."),
    json_out: bool = typer.Option(False, "--json", help="Print the grid as JSON instead of a table."),
    backend: str = backend_flag.option(),
) -> None:
    """Forward vs reverse mode: time to form the full Jacobian of F: Rⁿ → Rᵐ (n JVPs vs m VJPs)."""
    backend_flag.autograd_only(backend, "modes", "it times autograd's forward and reverse modes")
    from . import lab_render as lr
    from ..core.errors import UsageError
    from ..lab.modes import modes

    ns, ms = _parse_ints(n, "--n"), _parse_ints(m, "--m")
    if width < 1 or depth < 1:
        raise UsageError(f"--width and --depth must be positive integers, got {width} and {depth}")
    _check_plot_path(plot)
    rep = modes(ns, ms, width=width, depth=depth, seed=seed)
    if json_out:
        sys.stdout.write(json.dumps(lr.jsonable(rep.to_dict())) + "\n")
    else:
        out = stdout_console()
        out.print(lr.modes_table(rep))
        agree = sum(c.faster == c.predicted for c in rep.cells if c.predicted != "either")
        total = sum(c.predicted != "either" for c in rep.cells)
        out.print(f"cost model: forward O(n·cost F), reverse O(m·cost F); the faster mode matched the prediction "
                  f"in {agree} of {total} cells with n ≠ m")
    if plot is not None:
        lr.plot_modes(rep, plot)
        if not json_out:
            stdout_console().print(f" * Plot written to {plot}")
    raise typer.Exit(EXIT_OK)


@handle_errors
def graph_command(
    problem: str = typer.Argument(..., help="Problem name (optbench list), or path/to/file.py:name."),
    param: Optional[List[str]] = typer.Option(None, "--param", "-p", help="Problem parameter key=value (repeatable)."),
    at: str = typer.Option("x0", "--at", help="Where to trace: x0, random, or '-1.2,1'."),
    seed: int = typer.Option(0, "--seed", help="Seed of --at random."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to FILE: .dot, or .svg/.png/.pdf (rendered with Graphviz dot). Default: DOT on stdout."),
    grad: bool = typer.Option(False, "--grad", help="The graph of the gradient computation (forward + backward pass)."),
    problems: Optional[List[Path]] = typer.Option(None, "--problems", help="Load problems from a .py file or directory."),
    backend: str = backend_flag.option(),
) -> None:
    """The computational graph autograd traces for f at a point, as Graphviz DOT (one node per primitive)."""
    backend_flag.autograd_only(backend, "graph", "it draws autograd's recorded computation")
    from ..core.errors import RunError, UsageError
    from ..lab.graph import graph, render
    from ..core.params import parse_assignments

    load_problem_files(problems)
    if output is not None and output.suffix.lower() not in {".dot", ".gv"} | PLOT_SUFFIXES:
        raise UsageError(f"-o '{output}': unknown type '{output.suffix or '(none)'}'; use .dot, .svg, .png or .pdf")
    check_output_path(output, "-o")
    g = graph(problem, parse_assignments(param, "--param"), at=at, seed=seed, grad=grad)
    dot = g.to_dot()
    if output is None:
        sys.stdout.write(dot)
        raise typer.Exit(EXIT_OK)
    dot_file = output if output.suffix.lower() in {".dot", ".gv"} else output.with_suffix(".dot")
    try:
        dot_file.write_text(dot, encoding="utf-8")
    except OSError as e:
        raise RunError(f"-o '{dot_file}' cannot be written: {e.strerror}") from None
    counts = ", ".join(f"{k} {v}" for k, v in sorted(g.op_counts().items(), key=lambda kv: (-kv[1], kv[0])))
    what = "gradient of " if grad else ""
    out = stdout_console()
    out.print(f"Graph of {what}{g.problem}: {len(g.primitives)} primitives ({counts}), {len(g.edges)} edges")
    out.print(f" * DOT written to {dot_file}")
    if dot_file != output:
        render(dot_file, output)
        out.print(f" * Rendered to {output}")
    raise typer.Exit(EXIT_OK)
