"""Comparison statistics: summary rows grouped by instance, and the aggregate over instances.

Pure functions of summary rows (dicts with the :data:`optbench.compare.rundir.SUMMARY_COLUMNS`);
the tables that show them are drawn by :mod:`optbench.cli.compare_render`.

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

from .profiles import shifted_geometric_mean

COST_SHIFT = 10.0
TIME_SHIFT = 0.01


#: columns of a per-instance table: key, header, significant digits, best-rule ("all": best over all
#: runs, "ok": over the runs that succeeded — a run that failed early is not "cheapest"; None: no best)
TABLE_COLUMNS = [
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


def shown_columns(rows: list[dict]) -> list[tuple]:
    """The :data:`TABLE_COLUMNS` worth showing for an instance: f − f* only when some f* ≠ 0 (else it
    repeats f), the Hessian-product and Hessian counts only when some run used them."""
    f_stars = {r.get("f_star") for r in rows if r.get("status") != "not_run"}
    show = [c for c in TABLE_COLUMNS if c[0] != "f_minus_fstar" or f_stars - {None, 0.0}]
    return [c for c in show if c[0] not in ("nhvp", "nhev") or any(r.get(c[0]) for r in rows)]


def best_value(rows: list[dict], key: str, rule: Optional[str]) -> Optional[float]:
    """The best (smallest; for f − f*, smallest in magnitude) value of a column under its best-rule."""
    if rule is None:
        return None
    vals = [_num(r.get(key)) for r in rows if rule == "all" or r.get("success")]
    vals = [abs(v) if key == "f_minus_fstar" else v for v in vals if v is not None]
    return min(vals) if vals else None


def is_best(row: dict, key: str, rule: Optional[str], best: Optional[float]) -> bool:
    """Whether ``row``'s value of ``key`` is the column's ``best`` (a zero count is never "best" among successes)."""
    x = _num(row.get(key))
    if best is None or x is None or not (rule == "all" or row.get("success")) or (best == 0 and rule == "ok"):
        return False
    return (abs(x) if key == "f_minus_fstar" else x) == best


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


