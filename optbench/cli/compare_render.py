"""Comparison tables (rich): one per problem instance, and an aggregate over instances.

Pure functions of summary rows (dicts with the :data:`optbench.compare.rundir.SUMMARY_COLUMNS`),
so ``optbench report RUN_DIR`` renders exactly what ``optbench compare`` printed. The numbers
come from :mod:`optbench.compare.summary`.

Best per column (marked ``*``): the smallest f − f* and ‖∇f‖ over all runs of the
instance; the smallest iterations, evaluation counts, cost and time over the runs that
*succeeded* (a run that failed early is not "cheapest").
"""

from __future__ import annotations

import math

from rich import box
from rich.table import Table

from ..compare.profiles import COST_MODEL
from ..compare.summary import COST_SHIFT, TIME_SHIFT, aggregate, best_value, group_instances, is_best, shown_columns
from .render import fmt
from .safe import safe


def instance_table(instance: str, rows: list[dict], norm: str = "inf") -> Table:
    """The per-instance table: one row per method, the best of each column marked ``*``."""
    table = Table(title=safe(instance), title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
    table.add_column("method", no_wrap=True)
    show = shown_columns(rows)
    for key, header, _, _ in show:
        header = header.replace("‖∇f‖", "‖∇f‖∞" if norm == "inf" else "‖∇f‖₂")
        table.add_column(header, justify="left" if key == "status" else "right", no_wrap=True)
    bests = {key: best_value(rows, key, rule) for key, _, _, rule in show}
    for r in rows:
        cells = [safe(r["method"])]
        for key, _, digits, rule in show:
            v = r.get(key)
            if key == "status":
                style = "green" if r.get("success") else ("dim" if v == "not_run" else "yellow")
                cells.append(f"[{style}]{safe(v)}[/{style}]")
                continue
            text = fmt(v, digits) if isinstance(v, float) else ("" if v is None else str(v))
            if r.get("status") == "not_run" or r.get("n") is None:  # never got as far as f(x0)
                text = ""
            if is_best(r, key, rule, bests[key]):
                text = f"[bold]{text}*[/bold]"
            cells.append(text)
        table.add_row(*cells)
    failed = [r for r in rows if not r.get("success") and r.get("status") != "not_run"]
    notes = [safe(f"{r['method']}: {r['message']}") for r in failed if r.get("message")]
    caption = ("* best in column (iterations, counts, cost, time: among converged runs); "
               "cost in gradient-equivalents")
    if notes:
        caption += "\n" + "\n".join(notes)
    table.caption = caption
    table.caption_justify = "left"
    return table



def aggregate_table(rows: list[dict]) -> Table:
    stats = aggregate(rows)
    n_inst = len(group_instances(rows))
    table = Table(title=f"all {n_inst} instances", title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
    for h in ("method", "solved", "median cost", "median time", "sgm cost", "sgm time", "failures"):
        table.add_column(h, justify="left" if h in ("method", "failures") else "right", no_wrap=h != "failures",
                         min_width=12 if h == "failures" else None)
    best = {k: min((s[k] for s in stats if not math.isnan(s[k])), default=None)
            for k in ("median_cost", "median_time", "sgm_cost", "sgm_time")}
    top = max((s["successes"] for s in stats), default=0)
    for s in stats:
        cells = [safe(s["method"]), f"{s['successes']}/{s['runs']}" + ("*" if s["successes"] == top > 0 else "")]
        for k, d in (("median_cost", 4), ("median_time", 3), ("sgm_cost", 4), ("sgm_time", 3)):
            text = "" if math.isnan(s[k]) else fmt(s[k], d)
            if best[k] is not None and s[k] == best[k]:
                text = f"[bold]{text}*[/bold]"
            cells.append(text)
        cells.append(safe(", ".join(f"{k} {v}" for k, v in s["failures"].items())))
        table.add_row(*cells)
    table.caption = (f"cost in gradient-equivalents = {COST_MODEL}; time in seconds; medians over "
                     f"each method's converged runs; sgm = shifted geometric mean (shift {COST_SHIFT:g} for cost, "
                     f"{TIME_SHIFT:g} s for time) over all runs, a failed run charged at least the largest cost (time) "
                     "spent on its instance")
    table.caption_justify = "left"
    return table
