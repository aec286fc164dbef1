"""The ``optbench`` command line (typer + rich).

Each command: parse → look up plugins → one library call → render.
Exit codes: 0 run finished and reported; 1 run could not be carried out;
2 usage error; 130 interrupted.
"""

from __future__ import annotations

import typer

from .compare import compare_command, plot_command, report_command
from .listing import list_command
from .solve import solve_command

app = typer.Typer(
    name="optbench",
    help="optbench — a command-line optimization workbench (autograd derivatives, pluggable problems and solvers).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.command("solve")(solve_command)
app.command("list")(list_command)
app.command("compare")(compare_command); app.command("report")(report_command); app.command("plot")(plot_command)


def main() -> None:
    app()
