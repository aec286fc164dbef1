"""Plots of a comparison (matplotlib, Agg backend, PNG and SVG) — pure functions of the run files.

* one figure per problem instance: f − f* (or ‖∇f‖ when f* is unknown) against
  iterations, cost in gradient-equivalents and time, log y-axis, one line per method;
* ``profiles``: performance profile (Dolan & Moré 2002) and data profile (Moré & Wild
  2009) of the whole grid, see :mod:`optbench.compare.profiles`.

matplotlib is imported lazily; figures are bare ``Figure`` objects on an Agg canvas (no pyplot
state, no GUI backend), laid out with fixed margins, legends in a band below the axes, drawn
once per file format. Axis rules and decimation: :mod:`optbench.compare.plot_axes`.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Optional

import numpy as np

from .plot_axes import decimate, log_value_axis, plain_log_axis, plain_number, spread_is_wide
from .profiles import cost_to_solve, data_profile, performance_profile, profile_taus, trace_costs
from .summary import group_instances

COST_LABELS = {"cost": "cost [gradient-equivalents]", "time": "time [s]", "iter": "iterations", "nfev": "calls of f"}

# Layout in inches: fixed margins instead of ``bbox_inches="tight"`` / ``tight_layout`` (each costs a
# full extra draw of the figure); the legend sits in its own band below the axes, outside the data.
_LEFT, _RIGHT, _TOP, _BOTTOM, _LEGEND_ROW = 0.85, 0.25, 0.55, 0.6, 0.22
DPI = 100


def _figure(width: float, height: float, legend_rows: int, top: float = _TOP):
    """A bare :class:`~matplotlib.figure.Figure` (no pyplot state, Agg canvas), margins set for a row of axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    h = height + legend_rows * _LEGEND_ROW
    fig = Figure(figsize=(width, h), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=_LEFT / width, right=1 - _RIGHT / width, top=1 - top / h,
                        bottom=(_BOTTOM + 0.15 + legend_rows * _LEGEND_ROW) / h, wspace=0.18)
    return fig


def _legend_below(fig, axes, ncol: int):
    """One legend for the figure, centred in the band under the axes (never over a curve)."""
    handles, labels = axes[0].get_legend_handles_labels()
    return fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0.02), ncol=ncol,
                      fontsize=8, frameon=False)


def _legend_rows(k: int, ncol: int) -> int:
    return max(1, math.ceil(k / ncol))


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
    import matplotlib

    paths = []
    for ext in ("png", "svg"):
        p = out_dir / f"{stem}.{ext}"
        tmp = out_dir / f".{stem}.tmp.{ext}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()  # never write through a planted link
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "optbench"}):  # SVG text stays text
            fig.savefig(tmp, dpi=DPI, format=ext, metadata={"Date": None} if ext == "svg" else None,
                        **({"pil_kwargs": {"compress_level": 3}} if ext == "png" else {}))
        tmp.replace(p)
        paths.append(p)
    return paths


def _final(x: np.ndarray) -> float:
    fin = x[np.isfinite(x)]
    return float(fin[-1]) if fin.size else math.nan


def build_convergence_figure(instance: str, rows: list[dict], traces: dict[int, dict]):
    """The figure of :func:`convergence_figure` (returned, not saved; None when no run reached x0).

    Three panels sharing the y-axis: against iterations, gradient-equivalents and time. A
    panel's x-axis is logarithmic when the methods' final values differ by more than 10×
    (:func:`~optbench.compare.plot_axes.spread_is_wide`); the iteration panel is then
    ``symlog`` (linear up to 1) so that iteration 0, f(x₀), stays on the plot.
    Lines are decimated to at most 500 points (first, last and best kept).
    """
    if not any((traces.get(r["run_id"]) or {}).get("iter") for r in rows):
        return None
    use_f = all(r.get("f_star") is not None for r in rows if r["run_id"] in traces)
    lines = []
    for r in rows:
        tr = traces.get(r["run_id"])
        if not tr or not tr["iter"]:
            continue
        y = np.asarray(tr["f_minus_fstar"] if use_f else tr["grad_norm"], dtype=float)
        y = np.where(y > 0, y, np.nan)  # log scale: exact zeros cannot be drawn
        xs = (np.asarray(tr["iter"], dtype=float), trace_costs(tr, "cost", r["n"] or 1),
              np.asarray(tr["time"], dtype=float))
        keep = decimate(y)
        lines.append((f"{r['method']} ({r['status']})", y[keep], [x[keep] for x in xs],
                      [_final(x) for x in xs]))
    ncol = min(len(lines), 4)
    fig = _figure(15.0, 4.2, _legend_rows(len(lines), ncol))
    a0 = fig.add_subplot(1, 3, 1)
    axes = [a0, fig.add_subplot(1, 3, 2, sharey=a0), fig.add_subplot(1, 3, 3, sharey=a0)]
    for label, y, xs, _ in lines:
        for ax, x in zip(axes, xs):
            ax.plot(x, y, label=label, lw=1.4)
    for k, (ax, xl) in enumerate(zip(axes, ("iterations", COST_LABELS["cost"], "time [s]"))):
        finals = [ln[3][k] for ln in lines]
        if spread_is_wide(finals):
            if k == 0:
                ax.set_xscale("symlog", linthresh=1.0, linscale=0.3)
                from matplotlib.ticker import FuncFormatter, NullLocator

                ax.xaxis.set_major_formatter(FuncFormatter(plain_number))
                ax.xaxis.set_minor_locator(NullLocator())
            else:
                ax.set_xscale("log")
                pos = [v for ln in lines for v in ln[2][k] if v > 0 and math.isfinite(v)]
                plain_log_axis(ax.xaxis, min(pos), max(pos))
            xl += " (log scale)"
        ax.set_yscale("log")
        log_value_axis(ax.yaxis)
        ax.set_xlabel(xl)
        ax.grid(True, which="major", alpha=0.3)
        if k:
            ax.tick_params(labelleft=False)
    axes[0].set_ylabel("f − f*" if use_f else "‖∇f‖")
    _legend_below(fig, axes, ncol)
    fig.suptitle(instance)
    return fig


def convergence_figure(instance: str, rows: list[dict], traces: dict[int, dict], out_dir: Path) -> list[Path]:
    """f − f* (or ‖∇f‖) against iterations, gradient-equivalents and time; one line per method."""
    fig = build_convergence_figure(instance, rows, traces)
    return [] if fig is None else _save(fig, out_dir, "convergence-" + slug(instance))


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


def build_profile_figure(rows: list[dict], traces: dict[int, dict], cost: str = "cost", test: str = "gtol",
                         gtol: float = 1e-6, tau: float = 1e-6):
    """The figure of :func:`profile_figure` (returned, not saved): τ on a log axis labelled 1, 2, 5, 10 …"""
    _, methods, T, dims = profile_matrix(rows, traces, cost, test, gtol, tau)
    taus = profile_taus(T)
    rho = performance_profile(T, taus)
    weights = dims + 1 if cost == "nfev" else None
    finite = T[np.isfinite(T)]
    top = max(float(finite.max() / (1 if weights is None else weights.min())) * 1.1, 1.0) if finite.size else 10.0
    kappas = np.linspace(0.0, top, 300)
    d = data_profile(T, kappas, weights)
    ncol = min(len(methods), 6)
    fig = _figure(12.0, 4.4, _legend_rows(len(methods), ncol), top=0.8)  # suptitle above the panel titles
    a1, a2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    for j, m in enumerate(methods):
        a1.step(taus, rho[:, j], where="post", label=m)
        a2.step(kappas, d[:, j], where="post", label=m)
    a1.set_xscale("log")
    a1.set_xlim(taus[0], taus[-1])
    plain_log_axis(a1.xaxis, taus[0], taus[-1])
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
    _legend_below(fig, [a1, a2], ncol)
    return fig


def profile_figure(rows: list[dict], traces: dict[int, dict], out_dir: Path, cost: str = "cost",
                   test: str = "gtol", gtol: float = 1e-6, tau: float = 1e-6) -> list[Path]:
    """Performance profile and data profile of the grid, side by side."""
    return _save(build_profile_figure(rows, traces, cost, test, gtol, tau), out_dir, "profiles")


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
