"""Shared CLI plumbing: consoles, one-line errors, exit codes, parsing helpers.

Heavy modules (numpy, autograd, scipy) are imported inside functions only, so
``optbench --help`` starts fast.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Any, Callable, Optional

import typer

EXIT_OK, EXIT_RUN, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

#: library field names → the flags that set them (errors name the setting; the CLI names its flag)
FLAGS = {
    "x0": "--x0", "gtol": "--gtol", "ftol": "--ftol", "xtol": "--xtol", "norm": "--norm",
    "max_iter": "--max-iter", "max_evals": "--max-evals", "max_time": "--max-time", "jobs": "--jobs",
    "seeds": "--seeds", "out": "--out", "csv": "--csv", "dask": "--dask", "at": "--at", "options": "-o",
    "params": "-p", "methods": "-m", "blas_threads": "--blas-threads",
}


def _console(stderr: bool):
    from rich.console import Console

    console = Console(stderr=stderr)
    if not console.is_terminal:  # files and pipes: wide enough never to squash a table
        console = Console(stderr=stderr, width=int(os.environ.get("COLUMNS", 0)) or 200)
    return console


def stdout_console():
    return _console(stderr=False)


def stderr_console():
    return _console(stderr=True)


def fail(message: str, code: int) -> None:
    """Print ``error: message`` on one line to stderr and exit with ``code``."""
    from .safe import plain

    line = plain(" ".join(str(message).split()))
    sys.stderr.write(f"error: {line}\n")
    sys.stderr.flush()
    raise typer.Exit(code)


def handle_errors(func: Callable) -> Callable:
    """Turn library errors into one-line messages and exit codes; never a traceback.

    Set OPTBENCH_DEBUG=1 to see the traceback of an unexpected internal error.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ..core.errors import OptbenchError

        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except OptbenchError as e:
            fail(e.render(FLAGS), e.exit_code)
        except KeyboardInterrupt:
            fail("interrupted", EXIT_INTERRUPTED)
        except MemoryError as e:
            fail(f"out of memory: {e or 'an allocation failed'}", EXIT_RUN)
        except RecursionError:
            fail("an input is nested too deeply to be read", EXIT_RUN)
        except OSError as e:
            where = f"'{e.filename}': " if e.filename else ""
            fail(f"{where}{e.strerror or e} (errno {e.errno})" if e.errno else f"{where}{e}", EXIT_RUN)
        except Exception as e:  # noqa: BLE001 - last line of defence against tracebacks
            if os.environ.get("OPTBENCH_DEBUG"):
                raise
            fail(f"internal error: {type(e).__name__}: {e} (set OPTBENCH_DEBUG=1 for the traceback)", EXIT_RUN)

    return wrapper


def parse_vector(text: str, what: str = "--x0") -> list[float]:
    """``"-1.2, 1"`` → ``[-1.2, 1.0]`` with a one-line error naming the bad entry."""
    from ..core.errors import UsageError

    parts = [p.strip() for p in text.replace(";", ",").split(",")]
    if not text.strip() or any(p == "" for p in parts):
        raise UsageError(f"{what} expects comma-separated numbers, e.g. {what} '-1.2,1'; got '{text}'")
    values = []
    for p in parts:
        try:
            values.append(float(p))
        except ValueError:
            raise UsageError(f"{what}: '{p}' is not a number (expected comma-separated numbers, e.g. '-1.2,1')") from None
    return values


def check_output_path(path: Optional[Path], what: str) -> None:
    """Fail before running if ``path`` cannot be written (missing directory, not writable)."""
    from ..core.errors import RunError

    if path is None:
        return
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise RunError(f"{what} '{path}' is a directory; give a file name")
    if not parent.is_dir():
        raise RunError(f"{what} '{path}': directory '{parent}' does not exist; create it or choose another path")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise RunError(f"{what} '{path}' is not writable; choose another path")


def load_problem_files(paths: Optional[list[Path]]) -> None:
    from ..core.problem import load_file

    for p in paths or []:
        load_file(p)
