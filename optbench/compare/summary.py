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


