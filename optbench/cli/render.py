"""Rendering: rich tables and summaries of results — pure functions, no solving.

Nothing here runs a solver; everything takes a :class:`~optbench.core.result.Result`
(or registry entries) and returns rich renderables or text.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Optional

from rich.table import Table
from rich.text import Text

from ..core.result import Result
from ..core.status import Status
from .safe import plain, safe

TABLE_HEADERS = {
    "iter": "iter",
    "f": "f",
    "f_minus_fstar": "f − f*",
    "grad_norm": "‖∇f‖",
    "step": "‖Δx‖",
    "alpha": "t",
    "nfev": "#f",
    "ngev": "#∇f",
    "nhvp": "#∇²f·v",
    "nhev": "#∇²f",
    "inner_iter": "CG",
    "radius": "Δ",
    "time": "time [s]",
    "note": "note",
}

STATUS_STYLE = {True: "bold green", False: "bold yellow"}


def fmt(v: Any, digits: int = 6) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if v == 0 or 1e-3 <= abs(v) < 10**digits:
            return f"{v:.{digits}g}"
        return f"{v:.{max(digits - 2, 2)}e}"
    return str(v)


def _log_sample(n_rows: int, head: int, budget: int) -> set[int]:
    picked = set(range(min(head, n_rows)))
    picked.add(n_rows - 1)
    if budget > 0:
        lo, hi = math.log(head), math.log(n_rows - 1)
        for j in range(1, budget + 1):
            picked.add(int(round(math.exp(lo + (hi - lo) * j / (budget + 1)))))
    return {i for i in picked if 0 <= i < n_rows}


def _fill_single_gaps(picked: set[int]) -> list[int]:
    """A gap of one row costs a marker line either way: show the row instead."""
    rows = sorted(picked)
    return sorted(set(rows) | {a + 1 for a, b in zip(rows, rows[1:]) if b - a == 2})


def gaps(rows: list[int]) -> int:
    """How many runs of elided rows (each shown as one ``⋮ k rows`` line) lie between ``rows``."""
    return sum(1 for a, b in zip(rows, rows[1:]) if b > a + 1)


def select_rows(n_rows: int, max_rows: int) -> list[int]:
    """All rows if they fit; else the first ones, log-spaced ones and the last one.

    The shown rows plus one marker line per run of elided rows fit in ``max_rows`` lines.
    """
    if n_rows <= max_rows:
        return list(range(n_rows))
    head = max(max_rows // 3, 1)
    for budget in range(max_rows, -1, -1):
        rows = _fill_single_gaps(_log_sample(n_rows, head, budget))
        if len(rows) + gaps(rows) <= max_rows:
            return rows
    return _fill_single_gaps(_log_sample(n_rows, max(1, min(head, max_rows - 2)), 0))


def trace_table(result: Result, max_rows: int = 40, show_x: Optional[bool] = None) -> Table:
    """The convergence table: one row per iteration (sampled for long runs: one ``⋮ k rows`` line per gap)."""
    tr = result.trace
    cols = ["iter", "f"]
    if result.f_star not in (None, 0.0):  # f − f* is f itself when f* = 0
        cols.append("f_minus_fstar")
    cols += ["grad_norm", "step", "alpha"]
    for c in ("nfev", "ngev", "nhvp", "nhev", "inner_iter"):
        if any(v for v in tr.data[c]):
            cols.append(c)
    if any(v is not None for v in tr.data["radius"]):
        cols.append("radius")
    cols.append("time")
    if any(tr.data["note"]):
        cols.append("note")
    xs = tr.record_x and (show_x if show_x is not None else tr.n <= 3)
    norm = "∞" if result.norm == "inf" else "₂"
    table = Table(title=safe(f"{result.method} on {result.problem}"), title_justify="left", header_style="bold")
    for c in cols:
        header = TABLE_HEADERS[c].replace("‖∇f‖", f"‖∇f‖{norm}")
        table.add_column(header, justify="left" if c == "note" else "right", no_wrap=c != "note")
    if xs:
        for i in range(tr.n):
            table.add_column(f"x_{i + 1}", justify="right")
    rows = select_rows(len(tr), max_rows)
    prev = -1
    for i in rows:
        if i != prev + 1:
            skipped = i - prev - 1
            table.add_row(*(["⋮", f"{skipped} row{'s' if skipped > 1 else ''}"]
                            + [""] * (len(cols) - 2 + (tr.n if xs else 0))), style="dim")
        prev = i
        cells = [fmt(tr.data[c][i], 4 if c in ("time", "step", "alpha", "radius") else 6) for c in cols]
        if xs:
            cells += [fmt(float(v), 10) for v in tr.xs[i]]
        table.add_row(*cells)
    return table


def elision_note(result: Result, max_rows: int = 40, csv: bool = False) -> Optional[str]:
    """The line under a sampled table (None when every row is shown); mentions the CSV only if one was written."""
    n = len(result.trace)
    elided = n - len(select_rows(n, max_rows))
    if not elided:
        return None
    note = f" * {elided} of {n} rows elided (log-spaced sample); --rows N shows more, "
    return note + ("the CSV keeps every row" if csv else "--csv FILE keeps every row")


def _wrapped(head: str, body: str, width: Optional[int], indent: str = "    ") -> list[str]:
    """``head  (body)`` on one line if it fits in ``width``; else body on indented lines broken between words."""
    import textwrap

    line = f"{head}  ({body})"
    if width is None or len(line) <= width:
        return [line]
    return [head] + textwrap.wrap(body, width=max(width - len(indent), 20), initial_indent=indent,
                                  subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)


def summary_text(result: Result, width: Optional[int] = None) -> Text:
    """A summary in the spirit of Optim.jl: status, candidate solution, work counters.

    With ``width`` (the console's), a status message too long for the status line goes on
    indented lines of its own, broken between words — never mid-word at the right margin.
    """
    norm = "∞" if result.norm == "inf" else "₂"
    t = Text()
    head, *rest = _wrapped(f" * Status: {result.status.value}", plain(result.message), width)
    t.append(" * Status: ")
    t.append(result.status.value, style=STATUS_STYLE[result.success])
    t.append(head[len(f" * Status: {result.status.value}"):] + "\n")
    for line in rest:
        t.append(line + "\n")
    t.append(" * Candidate solution\n")
    rows = [("Final objective value", fmt(result.fun, 10))]
    if result.f_star is not None:
        rows.append(("f − f*", fmt(result.fun - result.f_star, 4)))
    rows.append((f"‖∇f‖{norm}", fmt(result.grad_norm, 4)))
    for k, v in result.metrics.items():
        rows.append((k.replace("_", " "), fmt(v, 6)))
    if result.x.size <= 6:
        rows.append(("x", "[" + ", ".join(fmt(float(v), 10) for v in result.x) + "]"))
    for label, value in rows:
        t.append(f"    {label + ':':<26}{value}\n")
    t.append(" * Work counters\n")
    counters = [
        ("Seconds run", fmt(result.time, 3)),
        ("Iterations", str(result.nit)),
        ("f(x) calls", str(result.nfev)),
        ("∇f(x) calls", str(result.njev)),
        ("∇²f(x)·v calls", str(result.nhvp)),
        ("∇²f(x) calls", str(result.nhev)),
    ]
    if result.backend != "autograd":
        counters.insert(1, (f"Compile seconds ({result.backend})", fmt(result.compile_time, 3)))
    for label, value in counters:
        t.append(f"    {label + ':':<26}{value}\n")
    return t


def status_table(statuses: Iterable[Status] = tuple(Status)) -> Table:
    table = Table(title="statuses", title_justify="left")
    table.add_column("status")
    table.add_column("success")
    table.add_column("meaning")
    for s in statuses:
        table.add_row(s.value, "yes" if s.success else "no", s.description)
    return table
