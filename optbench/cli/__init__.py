"""The ``optbench`` command line (typer + rich).

Each command: parse → look up plugins → one library call → render.
Exit codes: 0 run finished and reported; 1 run could not be carried out;
2 usage error; 130 interrupted.
"""

from __future__ import annotations

import sys
from typing import Any, Optional

import typer
from typer.core import TyperGroup

try:  # typer >= 0.20 vendors click; older typers use the click package
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - depends on the installed typer
    from click.exceptions import ClickException

from .bench import bench_command
from .check import check_command, graph_command, modes_command
from .compare import compare_command, plot_command, report_command
from .listing import list_command
from .memory import memory_command
from .solve import solve_command

class _OneLineErrors(TyperGroup):
    """The command group, with click's usage errors printed as one line like every other error.

    click (and typer's rich boxes) would print a usage block and a framed message over several
    lines; a malformed command line is bad input like any other, so it gets
    ``error: <click's message> (try 'optbench solve -h')`` and exit code 2.
    """

    def main(self, args: Any = None, prog_name: Optional[str] = None, complete_var: Optional[str] = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except ClickException as e:
            if type(e).__name__ == "NoArgsIsHelpError":  # a bare command: its help, as click shows it
                e.show()
                sys.exit(e.exit_code)
            message = " ".join(e.format_message().split())
            ctx = getattr(e, "ctx", None)
            hint = f" (try '{ctx.command_path} -h')" if ctx is not None else ""
            typer.echo(f"error: {message}{hint}", err=True)
            sys.exit(e.exit_code)
        except typer.Abort:
            typer.echo("error: aborted", err=True)
            sys.exit(130)
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    cls=_OneLineErrors,
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
