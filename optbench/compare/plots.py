"""Plots of a comparison (matplotlib, Agg backend, PNG and SVG) — pure functions of the run files.

* one figure per problem instance: f − f* (or ‖∇f‖ when f* is unknown) against
  iterations, cost in gradient-equivalents and time, log y-axis, one line per method;
* ``profiles``: performance profile (Dolan & Moré 2002) and data profile (Moré & Wild
  2009) of the whole grid, see :mod:`optbench.compare.profiles`.

matplotlib is imported lazily, with the non-interactive Agg backend.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Optional

import numpy as np

from .profiles import cost_to_solve, data_profile, performance_profile, profile_taus, trace_costs
from .summary import group_instances

COST_LABELS = {"cost": "cost [gradient-equivalents]", "time": "time [s]", "iter": "iterations", "nfev": "calls of f"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def slug(text: str) -> str:
    out = "".join(c if c.isalnum() or c in "=-." else "_" for c in text)
    return "_".join(p for p in out.split("_") if p) or "instance"


def plots_dir(run_dir: Path) -> Path:
    """``RUN_DIR/plots``, created if needed; refused when it (through a symlink) leads outside the run directory."""
    from ..core.errors import RunError

    out = run_dir / "plots"
    if out.is_symlink() or (out.exists() and out.resolve().parent != run_dir.resolve()):
        raise RunError(f"'{out}' is a symbolic link (to '{os.path.realpath(out)}'); figures are only written inside "
                       "the run directory — remove the link and try again")
    if out.exists() and not out.is_dir():
        raise RunError(f"'{out}' is not a directory; remove it and try again")
    try:
        out.mkdir(exist_ok=True)
    except OSError as e:
        raise RunError(f"'{out}' cannot be created: {e.strerror}") from None
    return out


def _save(fig, out_dir: Path, stem: str) -> list[Path]:
    paths = []
    for ext in ("png", "svg"):
        p = out_dir / f"{stem}.{ext}"
        tmp = out_dir / f".{stem}.tmp.{ext}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()  # never write through a planted link
        fig.savefig(tmp, dpi=110, bbox_inches="tight", format=ext)
        tmp.replace(p)
        paths.append(p)
    return paths


def convergence_figure(instance: str, rows: list[dict], traces: dict[int, dict], out_dir: Path) -> list[Path]:
    """f − f* (or ‖∇f‖) against iterations, gradient-equivalents and time; one line per method."""
    if not any((traces.get(r["run_id"]) or {}).get("iter") for r in rows):
        return []  # no run of this instance got as far as x0
    plt = _pyplot()
    use_f = all(r.get("f_star") is not None for r in rows if r["run_id"] in traces)
    ylabel = "f − f*" if use_f else "‖∇f‖"
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), sharey=True)
    for r in rows:
        tr = traces.get(r["run_id"])
        if not tr or not tr["iter"]:
            continue
        y = np.asarray(tr["f_minus_fstar"] if use_f else tr["grad_norm"], dtype=float)
        y = np.where(y > 0, y, np.nan)  # log scale: exact zeros cannot be drawn
        xs = (np.asarray(tr["iter"], dtype=float), trace_costs(tr, "cost", r["n"] or 1),
              np.asarray(tr["time"], dtype=float))
        label = f"{r['method']} ({r['status']})"
        for ax, x in zip(axes, xs):
            ax.plot(x, y, label=label, lw=1.4)
    for ax, xl in zip(axes, ("iterations", COST_LABELS["cost"], "time [s]")):
        ax.set_yscale("log")
        ax.set_xlabel(xl)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel(ylabel)
    axes[0].legend(fontsize=8)
    fig.suptitle(instance)
    paths = _save(fig, out_dir, "convergence-" + slug(instance))
    plt.close(fig)
    return paths


def profile_matrix(rows: list[dict], traces: dict[int, dict], cost: str = "cost", test: str = "gtol",
                   gtol: float = 1e-6, tau: float = 1e-6) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """(instances, methods, costs[instance, method], n per instance) for the profiles."""
    groups = group_instances(rows)
    methods = list(dict.fromkeys(r["method"] for r in rows))
    T = np.full((len(groups), len(methods)), math.inf)
    dims = np.ones(len(groups))
    for i, rs in enumerate(groups.values()):
        f_low: Optional[float] = next((r["f_star"] for r in rs if r.get("f_star") is not None), None)
        if f_low is None:
            fs = [v for r in rs for v in (traces.get(r["run_id"]) or {}).get("f", []) if v is not None and math.isfinite(v)]
            f_low = min(fs) if fs else None
        for r in rs:
            tr = traces.get(r["run_id"])
            if r.get("n"):
                dims[i] = r["n"]
            if tr and tr["iter"]:
                T[i, methods.index(r["method"])] = cost_to_solve(tr, cost, r["n"] or 1, test, gtol, tau, f_low)
    return list(groups), methods, T, dims


def profile_figure(rows: list[dict], traces: dict[int, dict], out_dir: Path, cost: str = "cost",
                   test: str = "gtol", gtol: float = 1e-6, tau: float = 1e-6) -> list[Path]:
    """Performance profile and data profile of the grid, side by side."""
    plt = _pyplot()
    _, methods, T, dims = profile_matrix(rows, traces, cost, test, gtol, tau)
    taus = profile_taus(T)
    rho = performance_profile(T, taus)
    weights = dims + 1 if cost == "nfev" else None
    finite = T[np.isfinite(T)]
    top = max(float(finite.max() / (1 if weights is None else weights.min())) * 1.1, 1.0) if finite.size else 10.0
    kappas = np.linspace(0.0, top, 300)
    d = data_profile(T, kappas, weights)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.2))
    for j, m in enumerate(methods):
        a1.step(taus, rho[:, j], where="post", label=m)
        a2.step(kappas, d[:, j], where="post", label=m)
    a1.set_xscale("log")
    a1.set_xlabel("τ (ratio to the best)")
    a1.set_ylabel("fraction of instances")
    a1.set_title(f"performance profile ({COST_LABELS.get(cost, cost)})")
    a2.set_xlabel(COST_LABELS.get(cost, cost) + (" / (n+1)" if weights is not None else ""))
    a2.set_title("data profile")
    crit = f"‖∇f‖ ≤ {gtol:g}" if test == "gtol" else f"f − f_L ≤ {tau:g}·(f(x₀) − f_L)"
    fig.suptitle(f"{T.shape[0]} instances; solved means {crit}")
    for ax in (a1, a2):
        ax.set_ylim(-0.02, 1.02)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    paths = _save(fig, out_dir, "profiles")
    plt.close(fig)
    return paths


def render_all(run_dir: Path, rows: list[dict], traces: dict[int, dict], gtol: float = 1e-6,
               cost: str = "cost", test: str = "gtol", tau: float = 1e-6) -> list[Path]:
    """Every figure of a run directory into ``RUN_DIR/plots``; returns the files written."""
    out = plots_dir(Path(run_dir))
    paths: list[Path] = []
    for inst, rs in group_instances(rows).items():
        paths += convergence_figure(inst, rs, traces, out)
    if any(traces.get(r["run_id"]) for r in rows):
        paths += profile_figure(rows, traces, out, cost, test, gtol, tau)
    return paths
