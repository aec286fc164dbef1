"""Comparison tables (rich): one per problem instance, and an aggregate over instances.

Pure functions of summary rows (dicts with the :data:`optbench.compare.rundir.SUMMARY_COLUMNS`),
so ``optbench report RUN_DIR`` renders exactly what ``optbench compare`` printed.

Best per column (marked ``*``): the smallest f − f* and ‖∇f‖ over all runs of the
instance; the smallest iterations, evaluation counts, cost and time over the runs that
*succeeded* (a run that failed early is not "cheapest").

Aggregate: per method, runs and successes, the median cost and time of its successful
runs, and shifted geometric means (cost shift 10 gradient-equivalents, time shift 0.01 s)
over all its runs, where a failed run is charged the largest cost (time) any method
spent on that instance if that exceeds its own — a failure is never cheap (the
"PAR1" convention of solver benchmarks, where a timeout costs the time limit). Runs that
were interrupted or never ran are left out of the means.
"""

from __future__ import annotations

import math
from statistics import median
from typing import Any, Optional

from rich import box
from rich.markup import escape
from rich.table import Table

from .profiles import shifted_geometric_mean
from ..cli.render import fmt

COST_SHIFT = 10.0
TIME_SHIFT = 0.01

_COLS = [
    # key, header, digits, best-rule ("all": over all runs, "ok": over successful runs, None)
    ("status", "status", 0, None),
    ("nit", "iter", 0, "ok"),
    ("fun", "f", 6, None),
    ("f_minus_fstar", "f − f*", 3, "all"),
    ("grad_norm", "‖∇f‖", 3, "all"),
    ("nfev", "#f", 0, "ok"),
    ("ngev", "#∇f", 0, "ok"),
    ("nhvp", "#∇²f·v", 0, "ok"),
    ("nhev", "#∇²f", 0, "ok"),
    ("cost", "cost", 4, "ok"),
    ("time", "time [s]", 3, "ok"),
]


def group_instances(rows: list[dict]) -> dict[str, list[dict]]:
    """Rows grouped by instance, in order of first appearance."""
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r["instance"], []).append(r)
    return groups


def _num(v: Any) -> Optional[float]:
    if v is None or isinstance(v, bool):
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _best(rows: list[dict], key: str, rule: Optional[str]) -> Optional[float]:
    if rule is None:
        return None
    vals = [_num(r.get(key)) for r in rows if rule == "all" or r.get("success")]
    vals = [abs(v) if key == "f_minus_fstar" else v for v in vals if v is not None]
    return min(vals) if vals else None


def instance_table(instance: str, rows: list[dict], norm: str = "inf") -> Table:
    """The per-instance table: one row per method, the best of each column marked ``*``."""
    table = Table(title=escape(instance), title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
    table.add_column("method", no_wrap=True)
    f_stars = {r.get("f_star") for r in rows if r.get("status") != "not_run"}
    show = [c for c in _COLS if c[0] != "f_minus_fstar" or f_stars - {None, 0.0}]  # f − f* = f when f* = 0
    show = [c for c in show if c[0] not in ("nhvp", "nhev") or any(r.get(c[0]) for r in rows)]  # all-zero: hidden
    for key, header, _, _ in show:
        header = header.replace("‖∇f‖", "‖∇f‖∞" if norm == "inf" else "‖∇f‖₂")
        table.add_column(header, justify="left" if key == "status" else "right", no_wrap=True)
    bests = {key: _best(rows, key, rule) for key, _, _, rule in show}
    for r in rows:
        cells = [r["method"]]
        for key, _, digits, rule in show:
            v = r.get(key)
            if key == "status":
                style = "green" if r.get("success") else ("dim" if v == "not_run" else "yellow")
                cells.append(f"[{style}]{v}[/{style}]")
                continue
            text = fmt(v, digits) if isinstance(v, float) else ("" if v is None else str(v))
            if r.get("status") == "not_run" or r.get("n") is None:  # never got as far as f(x0)
                text = ""
            b = bests[key]
            x = _num(v)
            if b is not None and x is not None and (rule == "all" or r.get("success")) and not (b == 0 and rule == "ok"):
                if (abs(x) if key == "f_minus_fstar" else x) == b:
                    text = f"[bold]{text}*[/bold]"
            cells.append(text)
        table.add_row(*cells)
    failed = [r for r in rows if not r.get("success") and r.get("status") != "not_run"]
    notes = [escape(f"{r['method']}: {r['message']}") for r in failed if r.get("message")]
    caption = ("* best in column (iterations, counts, cost, time: among converged runs); "
               "cost in gradient-equivalents")
    if notes:
        caption += "\n" + "\n".join(notes)
    table.caption = caption
    table.caption_justify = "left"
    return table


def _charged(rows: list[dict], key: str) -> dict[int, Optional[float]]:
    """Cost (or time) charged to each run: its own if it succeeded, else at least the largest on its instance."""
    out: dict[int, Optional[float]] = {}
    for rs in group_instances(rows).values():
        worst = max((v for v in (_num(r.get(key)) for r in rs) if v is not None), default=None)
        for r in rs:
            own = _num(r.get(key))
            if r.get("success"):
                out[r["run_id"]] = own
            elif r.get("status") not in ("not_run", "interrupted"):  # runs cut short by the user are left out
                out[r["run_id"]] = max(v for v in (own, worst) if v is not None) if worst is not None else None
    return out


def aggregate(rows: list[dict]) -> list[dict]:
    """Per-method statistics over all instances (see the module doc)."""
    methods = list(dict.fromkeys(r["method"] for r in rows))
    charged_cost, charged_time = _charged(rows, "cost"), _charged(rows, "time")
    out = []
    for m in methods:
        mine = [r for r in rows if r["method"] == m]
        ok = [r for r in mine if r.get("success")]
        costs = [c for c in (_num(r.get("cost")) for r in ok) if c is not None]
        times = [t for t in (_num(r.get("time")) for r in ok) if t is not None]
        statuses: dict[str, int] = {}
        for r in mine:
            if not r.get("success"):
                statuses[r["status"]] = statuses.get(r["status"], 0) + 1
        cc = [charged_cost.get(r["run_id"]) for r in mine]
        ct = [charged_time.get(r["run_id"]) for r in mine]
        out.append({
            "method": m,
            "runs": len(mine),
            "successes": len(ok),
            "failures": statuses,
            "median_cost": median(costs) if costs else math.nan,
            "median_time": median(times) if times else math.nan,
            "sgm_cost": shifted_geometric_mean([c for c in cc if c is not None], COST_SHIFT),
            "sgm_time": shifted_geometric_mean([t for t in ct if t is not None], TIME_SHIFT),
        })
    return out


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
        cells = [s["method"], f"{s['successes']}/{s['runs']}" + ("*" if s["successes"] == top > 0 else "")]
        for k, d in (("median_cost", 4), ("median_time", 3), ("sgm_cost", 4), ("sgm_time", 3)):
            text = "" if math.isnan(s[k]) else fmt(s[k], d)
            if best[k] is not None and s[k] == best[k]:
                text = f"[bold]{text}*[/bold]"
            cells.append(text)
        cells.append(", ".join(f"{k} {v}" for k, v in s["failures"].items()))
        table.add_row(*cells)
    table.caption = ("cost in gradient-equivalents = nfev/3 + 2·ngev/3 + nhvp + n·nhev; time in seconds; medians over "
                     f"each method's converged runs; sgm = shifted geometric mean (shift {COST_SHIFT:g} for cost, "
                     f"{TIME_SHIFT:g} s for time) over all runs, a failed run charged at least the largest cost (time) "
                     "spent on its instance")
    table.caption_justify = "left"
    return table
