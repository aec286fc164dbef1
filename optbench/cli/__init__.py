"""The ``optbench`` command line (typer + rich).

Each command: parse → look up plugins → one library call → render.
Exit codes: 0 run finished and reported; 1 run could not be carried out;
2 usage error; 130 interrupted.
"""

from __future__ import annotations

from typing import Optional

import typer

from .bench import bench_command
from .check import check_command, graph_command, modes_command
from .compare import compare_command, plot_command, report_command
from .listing import list_command
from .memory import memory_command
from .solve import solve_command

app = typer.Typer(
    name="optbench",
    help="optbench — a command-line optimization workbench (autograd derivatives, pluggable problems and solvers).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},  # inherited by every command
)


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"optbench {__version__}")
        raise typer.Exit(0)


@app.callback()
def _quiet_numeric_warnings(
    version: Optional[bool] = typer.Option(None, "--version", "-V", callback=_version, is_eager=True,
                                           help="Print optbench's version and exit."),
) -> None:
    """optbench — a command-line optimization workbench."""
    import warnings

    # Overflow/invalid-value warnings from numpy are reported as run statuses (nonfinite,
    # unbounded), and autograd's "output seems independent of input" is not the user's concern here.
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    warnings.filterwarnings("ignore", message="Output seems independent of input")


app.command("solve")(solve_command)
app.command("list")(list_command)
app.command("compare")(compare_command)
app.command("report")(report_command)
app.command("plot")(plot_command)
app.command("check")(check_command)
app.command("modes")(modes_command)
app.command("graph")(graph_command)
app.command("memory")(memory_command)
app.command("bench", context_settings={"allow_extra_args": True})(bench_command)  # the old `--json FILE`


def main() -> None:
    app()
