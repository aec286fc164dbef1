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
    "params": "-p", "methods": "-m", "blas_threads": "--blas-threads", "ks": "--k", "resume": "--resume",
    "backend": "--backend",
}


#: the methods' own iteration budgets, for ``--help`` (which must not import the solvers to stay fast);
#: patterns as in fnmatch — tests/test_cli_usability.py checks every registered method against them
SOLVER_MAX_ITER = {"gd": 100_000, "lbfgs": 10_000, "newton-cg": 10_000, "trust-*": 10_000, "newton": 1000,
                   "scipy:*": 1000}


def solver_max_iter_text() -> str:
    """``the solver's: gd 100000, lbfgs 10000, …`` — the default of ``solve --max-iter``."""
    return "the solver's: " + ", ".join(f"{k} {v}" for k, v in SOLVER_MAX_ITER.items())


#: the choices of the enum-like options, shown in --help as their metavar
NORM_CHOICES = "[inf|2]"


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


@functools.lru_cache(maxsize=None)
def _required_arguments(func: Callable) -> tuple[str, ...]:
    """The names of ``func``'s required command-line arguments (``typer.Argument(...)``); read when the
    command runs, not when the module is imported (start-up)."""
    import inspect

    return tuple(name for name, p in inspect.signature(func).parameters.items()
                 if type(p.default).__name__ == "ArgumentInfo" and p.default.default is ...)


def _missing_argument(name: str) -> None:
    """Raise click's own usage error for a missing argument (``error: Missing argument 'problem'. (try …)``).

    typer enforces required arguments itself, except typer < 0.19 with click ≥ 8.3, which passes
    None to the command: this check gives the same one line there.
    """
    try:  # typer >= 0.20 vendors click; older typers use the click package
        from typer._click import get_current_context
        from typer._click.exceptions import MissingParameter
    except ImportError:  # pragma: no cover - depends on the installed typer
        from click import get_current_context
        from click.exceptions import MissingParameter
    raise MissingParameter(ctx=get_current_context(silent=True), param_hint=f"'{name}'", param_type="argument")


def handle_errors(func: Callable) -> Callable:
    """Turn library errors into one-line messages and exit codes; never a traceback.

    Set OPTBENCH_DEBUG=1 to see the traceback of an unexpected internal error.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ..core.errors import OptbenchError

        for name in _required_arguments(func):
            if kwargs.get(name) is None:
                _missing_argument(name)
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


def parse_x0(text: str, what: str = "--x0") -> Any:
    """The CLI's starting point: ``'-1.2,1'`` (a list), ``'0.5'`` (a scalar, broadcast to every
    coordinate by the driver) or ``'@file'`` — a ``.npy`` array, or a ``.txt``/``.csv`` of numbers
    separated by commas, semicolons or whitespace (one row or one column; ``#`` starts a comment)."""
    from ..core.errors import UsageError

    text = text.strip()
    if text.startswith("@"):
        return load_vector(Path(text[1:]), what)
    values = parse_vector(text, what)
    return values[0] if len(values) == 1 else values


def load_vector(path: Path, what: str = "--x0") -> list[float]:
    """A flat vector of numbers from ``path`` (.npy, or text: .txt, .csv, …), or a one-line UsageError."""
    import numpy as np

    from ..core.errors import UsageError

    if not str(path):
        raise UsageError(f"{what} @FILE needs a file name, e.g. {what} @x0.npy")
    if not path.is_file():
        raise UsageError(f"{what} @{path}: no such file (give a .npy, .txt or .csv file of numbers)")
    try:
        if path.suffix.lower() == ".npy":
            arr = np.load(path, allow_pickle=False)
        else:
            rows = []
            for line in path.read_text(encoding="utf-8").splitlines():
                line = line.split("#", 1)[0].replace(",", " ").replace(";", " ").strip()
                if line:
                    rows.append([float(v) for v in line.split()])
            arr = np.array(rows, dtype=float) if rows else np.zeros(0)
    except ValueError as e:
        raise UsageError(f"{what} @{path}: not a file of numbers ({' '.join(str(e).split())})") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"{what} @{path}: cannot be read ({type(e).__name__}: {e})") from None
    arr = np.asarray(arr)
    if arr.dtype.kind not in "biuf":
        raise UsageError(f"{what} @{path}: holds {arr.dtype} values, not numbers")
    if arr.ndim > 1 and sum(d > 1 for d in arr.shape) > 1:
        raise UsageError(f"{what} @{path}: holds a {' × '.join(map(str, arr.shape))} array; give one row or one column")
    if arr.size == 0:
        raise UsageError(f"{what} @{path}: holds no numbers")
    return [float(v) for v in arr.ravel()]


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
