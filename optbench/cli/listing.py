"""``optbench list``: problems and solvers with their parameters; ``optbench list NAME`` in full.

The overview builds every problem once with its default parameters to show its dimension
and known f* (and so also reports plugins that are broken, as warnings on stderr, while the
others are listed). Tables fit a 100-column terminal: parameters go on a second, dimmed line
under each description rather than in a column of their own.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, List, Optional

import typer

from .common import handle_errors, stdout_console


@handle_errors
def list_command(
    name: Optional[str] = typer.Argument(None, help="Show one problem or solver in full."),
    problems: Optional[List[Path]] = typer.Option(None, "--problems", help="Load problems from a .py file or directory."),
) -> None:
    """List the problems and solvers, with their parameters and defaults."""
    from ..core.errors import PluginError
    from ..core.problem import load_file

    warnings: dict[str, str] = {}
    for path in problems or []:
        try:
            load_file(path)
        except PluginError as e:  # one broken file must not hide the others
            warnings[str(path)] = str(e)
    if name is not None:
        show_one(name)
        return
    show_all(warnings)


# --------------------------------------------------------------------------- overview
def show_all(warnings: dict[str, str]) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from ..core.errors import OptbenchError
    from ..core.problem import load_errors, registry
    from ..core.methods import needs_text
    from ..solvers.registry import load_errors as method_load_errors
    from ..solvers.registry import method_params
    from ..solvers.registry import method_registry

    out = stdout_console()
    reg = registry()
    table = Table(title="problems  (dim and f* with default parameters; optbench list NAME for details)",
                  title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, expand=False)
    table.add_column("name", no_wrap=True, style="bold")
    table.add_column("dim", no_wrap=True, justify="right")
    table.add_column("f*", no_wrap=True, justify="right")
    table.add_column("description / parameters", ratio=1)
    for pname in sorted(reg):
        spec = reg[pname]
        try:
            prob = spec.build()
        except OptbenchError as e:
            warnings[pname] = str(e)
            continue
        except Exception as e:  # noqa: BLE001 - a plugin must not take the listing down
            warnings[pname] = f"{spec.where}: {type(e).__name__}: {e}"
            continue
        has_n = any(p.name == "n" for p in spec.params)
        dim = f"n={prob.n}" if has_n else str(prob.n)
        cell = Text(spec.summary or "(no description)")
        if spec.params:
            cell.append("\n" + params_line(spec.params), style="dim")
        table.add_row(Text(pname), dim, fmt_number(prob.f_star), cell)
    out.print(table)

    stable = Table(title="solvers  (optbench list NAME for details)", title_justify="left",
                   box=box.SIMPLE_HEAD, pad_edge=False)
    stable.add_column("name", no_wrap=True, style="bold")
    stable.add_column("needs", no_wrap=True)
    stable.add_column("description / options", ratio=1)
    methods = method_registry()
    for sname in sorted(methods, key=lambda m: (":" in m, m if ":" not in m else "")):  # ours, then references
        cls = methods[sname]
        cell = Text(cls.summary or "(no description)")
        params = method_params(cls)
        if params:
            cell.append("\n" + params_line(params), style="dim")
        stable.add_row(Text(sname), needs_text(cls.capabilities), cell)
    out.print(stable)

    for where, why in method_load_errors().items():
        warnings[where] = f"{where}: {why}"
    for msg in {**load_errors(), **warnings}.values():  # each message names the file and problem
        sys.stderr.write("warning: " + " ".join(msg.split()) + "\n")  # one line, never wrapped


def params_line(params: list) -> str:
    """``n: int = 2 · variant: chained|extended = chained`` (defaults as typed on the CLI)."""
    return " · ".join(f"{p.name}: {p.type_name} = {cli_value(p.default)}" for p in params)


def cli_value(v: Any) -> str:
    if v is None:
        return "none"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, (list, tuple)):
        return "x".join(cli_value(x) for x in v) if v else "''"
    return str(v) if v != "" else "''"


def fmt_number(v: Optional[float]) -> str:
    if v is None:
        return "unknown"
    if v == 0:
        return "0"
    return f"{v:.6g}"


# --------------------------------------------------------------------------- one entry
def show_one(name: str) -> None:
    from ..core.errors import unknown_name
    from ..core.problem import get_spec, registry
    from ..solvers.registry import method_registry
    from ..solvers.scipy import ScipyMethod

    solvers = method_registry()
    if name in solvers:
        cls = solvers[name]
        show_scipy_method(cls) if issubclass(cls, ScipyMethod) else show_solver(cls)
        return
    if name.startswith("scipy:"):
        raise unknown_name("method", name, solvers)
    if ":" in name or name.endswith(".py") or name in registry():
        show_problem(get_spec(name))
        return
    raise unknown_name("problem or solver", name, list(registry()) + list(solvers))


_GIVEN = {"": "gradient", "hessp": "gradient and Hessian-vector products", "hess": "gradient and dense Hessian"}


def show_scipy_method(cls) -> None:
    from rich.table import Table

    from ..solvers.scipy import SCIPY_METHODS

    name, short = cls.name, cls.scipy_name
    second, opts = SCIPY_METHODS[short]
    out = stdout_console()
    out.print(f"[bold]{name}[/bold]  scipy.optimize.minimize(method='{short}') as a reference method")
    out.print(
        f"Driven with optbench's autograd {_GIVEN[second]} "
        "and counters; stopped by optbench's gradient test (--gtol) in scipy's callback; "
        "--max-iter → maxiter. Works in `solve` and `compare`.\n"
    )
    table = Table("option", "type", title="options (-o name=value), passed to scipy", title_justify="left")
    for k, t in opts.items():
        table.add_row(k, t.__name__)
    out.print(table)


def show_problem(spec) -> None:
    from rich.table import Table
    from rich.text import Text

    prob = spec.build()  # first, so that a broken plugin is one error line and nothing else
    out = stdout_console()
    title = Text(spec.name, style="bold")
    title.append(f"  ({spec.source})", style="dim")
    out.print(title)
    out.print(Text(spec.doc.strip() and _dedent(spec.doc) or "(no description)"))
    out.print()
    if spec.params:
        table = Table("parameter", "type", "default", title="parameters (-p name=value)", title_justify="left")
        for p in spec.params:
            table.add_row(p.name, Text(p.type_name), Text(cli_value(p.default)))
        out.print(table)
    else:
        out.print("parameters: none")
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    facts.add_row("dimension", str(prob.n))
    facts.add_row("f*", fmt_number(prob.f_star))
    if prob.x_star is not None:
        facts.add_row("x*", Text(short_vector(prob.x_star)))
    facts.add_row("x0", Text(short_vector(prob.x0)))
    own = [d for d in ("grad", "hvp", "hess") if getattr(prob, d) is not None]
    facts.add_row("derivatives", "hand-written " + ", ".join(own) + " (autograd for the rest)" if own else "autograd")
    if prob.hess_sparsity is not None:
        nnz = getattr(prob.hess_sparsity, "nnz", None)
        facts.add_row("Hessian sparsity", f"{nnz} structural nonzeros of {prob.n}²" if nnz is not None else "declared")
    if prob.metrics is not None:
        try:
            names = ", ".join(prob.metrics(prob.x0))
        except Exception as e:  # noqa: BLE001
            names = f"(metrics failed at x0: {type(e).__name__})"
        facts.add_row("metrics", names)
    out.print("with the default parameters:")
    out.print(facts)


def show_solver(cls) -> None:
    from rich.table import Table
    from rich.text import Text

    from ..core.methods import needs_text
    from ..solvers.registry import method_params

    out = stdout_console()
    title = Text(cls.name, style="bold")
    title.append(f" — {cls.summary}")
    out.print(title)
    out.print(f"needs: {needs_text(cls.capabilities)}\n")
    module = sys.modules.get(cls.__module__)
    doc = (module.__doc__ if module is not None else None) or cls.__doc__ or ""
    if doc.strip():
        out.print(Text(_dedent(doc)))
        out.print()
    table = Table("option", "type", "default", title="options (-o name=value)", title_justify="left")
    for p in method_params(cls):
        table.add_row(p.name, Text(p.type_name), Text(cli_value(p.default)))
    out.print(table)


def short_vector(x, limit: int = 6) -> str:
    vals = [f"{float(v):.6g}" for v in x[:limit]]
    more = f", … ({len(x)} entries)" if len(x) > limit else ""
    return "[" + ", ".join(vals) + more + "]"


def _dedent(doc: str) -> str:
    import inspect

    return inspect.cleandoc(doc)
