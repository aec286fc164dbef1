"""``optbench list``: problems and solvers with their parameters."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from .common import handle_errors, load_problem_files, stdout_console


@handle_errors
def list_command(
    name: Optional[str] = typer.Argument(None, help="Show one problem or solver in full."),
    problems: Optional[List[Path]] = typer.Option(None, "--problems", help="Load problems from a .py file or directory."),
) -> None:
    """List the problems and solvers, with their parameters and defaults."""
    from rich.table import Table

    from ..problem import get_spec, load_errors, registry
    from ..solvers.base import solver_params, solver_registry

    load_problem_files(problems)
    out = stdout_console()
    solvers = solver_registry()
    if name is not None:
        if name in solvers:
            cls = solvers[name]
            out.print(f"[bold]{name}[/bold] — {cls.summary}\nneeds: {cls.needs}\n")
            out.print((cls.__module__ and __import__(cls.__module__, fromlist=["_"]).__doc__ or "").strip())
            table = Table("option", "type", "default")
            for p in solver_params(cls):
                table.add_row(p.name, p.type_name, repr(p.default))
            out.print(table)
            return
        spec = get_spec(name)
        out.print(f"[bold]{spec.name}[/bold]  ({spec.source})\n")
        out.print(spec.doc.strip())
        table = Table("parameter", "type", "default")
        for p in spec.params:
            table.add_row(p.name, p.type_name, repr(p.default))
        out.print(table)
        return

    reg = registry()
    table = Table(title="problems", title_justify="left")
    for col in ("name", "parameters", "description"):
        table.add_column(col)
    for pname in sorted(reg):
        spec = reg[pname]
        params = ", ".join(f"{p.name}: {p.type_name} = {p.default!r}" for p in spec.params)
        table.add_row(pname, params, spec.summary)
    out.print(table)
    stable = Table(title="solvers", title_justify="left")
    for col in ("name", "needs", "options", "description"):
        stable.add_column(col)
    for sname in sorted(solvers):
        cls = solvers[sname]
        opts = ", ".join(f"{p.name}={p.default!r}" for p in solver_params(cls))
        stable.add_row(sname, cls.needs, opts, cls.summary)
    out.print(stable)
    for where, msg in load_errors().items():
        out.print(f"[yellow]warning:[/yellow] could not load {where}: {msg}")
