"""Rendering for the derivative lab: rich tables and matplotlib plots — pure functions of the data.

Takes the dataclasses of :mod:`optbench.lab.check` and :mod:`optbench.lab.modes` and
returns rich renderables or writes figures; computes nothing.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Optional

from rich.table import Table

EPS = 2.220446049250313e-16
OK, BAD = "[green]✓[/green]", "[red]✗[/red]"


def e(v: Optional[float], digits: int = 1) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{v:.{digits}e}"


def jsonable(obj: Any) -> Any:
    """Nested data with non-finite floats as None (strict JSON) and tuples as lists."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        return jsonable(obj.item())
    return obj


# ---------------------------------------------------------------------------- check
def sweep_table(rep) -> Table:
    g, h = rep.gradient, rep.hvp
    t = Table(title=f"FD vs autograd: relative error (∇f along {g.directions})")
    for col in ("step h = r", "∇f forward FD", "∇f central FD", "∇²f·v central FD"):
        t.add_column(col, justify="right")
    for i, step in enumerate(g.steps):
        def cell(err: float, best: Optional[float]) -> str:
            s = e(err)
            return f"[bold]{s} ◀[/bold]" if best is not None and step == best else s

        t.add_row(f"{step:.0e}", cell(g.forward[i], g.best_step_forward), cell(g.central[i], g.best_step),
                  cell(h.central[i], h.best_step))
    return t


def sweep_summary(rep) -> str:
    g, h = rep.gradient, rep.hvp
    return (f"best h for ∇f: forward {g.best_step_forward:.0e} (error {e(g.best_error_forward)}; theory ε^(1/2) ≈ {EPS ** 0.5:.1e}), "
            f"central {g.best_step:.0e} (error {e(g.best_error)}; theory ε^(1/3) ≈ {EPS ** (1 / 3):.1e})\n"
            f"best r for the HVP: {h.best_step:.0e} (error {e(h.best_error)})")


def agreement_table(rep) -> Table:
    t = Table(title="Agreement (relative error, ∞-norm)")
    for col, j in (("derivative", "left"), ("source", "left"), ("reference", "left"), ("error", "right"),
                   ("tolerance", "right"), ("", "center")):
        t.add_column(col, justify=j)
    for a in rep.agreements:
        t.add_row(a.derivative, a.source, a.reference, e(a.error), f"{a.tol:.0e}", OK if a.ok else BAD)
    return t


def taylor_table(rep, every: int = 2) -> Table:
    tt = rep.taylor
    t = Table(title=f"Taylor test, random unit v (∇f: {tt.gradient_source}, ∇²f: {tt.hessian_source})")
    for col in ("h", "|f(x+hv) − f(x)|", "… − h∇f·v", "… − ½h²vᵀ∇²f v", "fitted"):
        t.add_column(col, justify="right")
    fitted = set(tt.fit1) | set(tt.fit2)
    for i, h in enumerate(tt.steps):
        if i % every and i not in fitted and i != len(tt.steps) - 1:
            continue
        mark = " ".join(name for name, fit in (("∇f", tt.fit1), ("∇²f", tt.fit2)) if i in fit)
        t.add_row(f"{h:.3e}", e(tt.r0[i], 2), e(tt.r1[i], 2), e(tt.r2[i], 2), mark)
    return t


def taylor_summary(rep) -> str:
    tt = rep.taylor
    o = lambda v: "exact to rounding" if v is None else f"{v:.2f}"  # noqa: E731
    return (f"observed orders (least-squares slopes of log r vs log h): r0 {o(tt.order0)}, r1 {o(tt.order1)} "
            f"(rows marked ∇f), r2 {o(tt.order2)} (rows marked ∇²f); expected 1, 2, 3\n"
            f"verdict: {tt.verdict()}")


def strategy_table(rep) -> Table:
    t = Table(title="Hessian-vector product strategies")
    for col, j in (("strategy", "left"), ("time per product", "right"), ("vs forward-over-reverse", "right"),
                   ("note", "left")):
        t.add_column(col, justify=j)
    for s in rep.strategies:
        sec = "—" if s.seconds is None else (f"{s.seconds * 1e3:.3f} ms" if s.seconds >= 1e-4 else f"{s.seconds * 1e6:.1f} µs")
        t.add_row(s.name, sec, e(s.error), s.note)
    return t


def symmetry_lines(rep) -> list[str]:
    lines = [f"symmetry of the {s.source}: ‖H − Hᵀ‖∞/‖H‖∞ = {e(s.asymmetry)} {'✓' if s.ok else '✗'}"
             for s in rep.symmetry]
    sp = rep.sparsity
    if sp is not None:
        if sp.ok:
            lines.append(f"declared Hessian sparsity: {sp.declared_nnz} entries cover all {sp.hessian_nnz} nonzeros ✓")
        elif sp.missing > 0:
            lines.append(f"declared Hessian sparsity: misses {sp.missing} nonzeros, e.g. ({sp.example[0]}, {sp.example[1]}) ✗")
        else:
            lines.append("declared Hessian sparsity: wrong shape ✗")
    return lines


def plot_check(rep, path: Path) -> None:
    """Three log-log panels: gradient FD error vs h, HVP FD error vs r, Taylor remainders vs h."""
    plt = _pyplot()
    g, h, tt = rep.gradient, rep.hvp, rep.taylor
    fig, ax = plt.subplots(1, 3, figsize=(15, 4.5))
    ax[0].loglog(g.steps, _pos(g.forward), "o-", label="forward FD")
    ax[0].loglog(g.steps, _pos(g.central), "s-", label="central FD")
    ax[0].axvline(EPS ** 0.5, ls=":", c="C0", label="ε^(1/2)")
    ax[0].axvline(EPS ** (1 / 3), ls=":", c="C1", label="ε^(1/3)")
    ax[0].set(xlabel="step h", ylabel="relative error", title="gradient: FD vs autograd")
    ax[1].loglog(h.steps, _pos(h.central), "s-", c="C2", label="central FD HVP")
    ax[1].axvline(EPS ** (1 / 3), ls=":", c="C1", label="ε^(1/3)")
    ax[1].set(xlabel="step r", ylabel="relative error", title="∇²f·v: FD vs autograd")
    for r, lab in ((tt.r0, "r0 (order 1)"), (tt.r1, "r1 (order 2)"), (tt.r2, "r2 (order 3)")):
        ax[2].loglog(tt.steps, _pos(r), ".-", label=lab)
    ax[2].set(xlabel="h", ylabel="remainder")
    ax[2].set_title(f"Taylor remainders\n{tt.verdict()}", fontsize=10)
    for a in ax:
        a.grid(True, which="both", alpha=0.3)
        a.legend(fontsize=8)
    fig.suptitle(f"optbench check {rep.problem} at {rep.at}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def demo_table(d) -> Table:
    t = Table(title=f"float32 HVP, L(w) = ½(a·w·x)², a = x = 1, w = {d.w:g} (exact: {d.exact:g})")
    for col in ("r", "FD (∇L(w+r) − ∇L(w−r))/(2r) in float32", "error"):
        t.add_column(col, justify="right")
    for r, v, err in zip(d.steps, d.fd_sweep, d.errors):
        mark = " ◀" if r == d.r else ""
        t.add_row(f"{r:.0e}", f"{v:.7f}{mark}", e(err))
    return t


def plot_demo(d, path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.loglog(d.steps, _pos(d.errors), "s-", label="central FD, float32")
    ax.axhline(max(abs(d.ad - d.exact), 1e-9), ls="--", c="C2", label=f"autograd: |error| = {abs(d.ad - d.exact):g} (drawn at 1e-9 when 0)")
    ax.set(xlabel="step r", ylabel="|FD − 1|", title="float32: FD HVP vs AD")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------- modes
def modes_table(rep) -> Table:
    t = Table(title=f"Full Jacobian of a tanh stack Rⁿ → Rᵐ (width {rep.width}, depth {rep.depth}): forward vs reverse mode")
    for col in ("n", "m", "fwd passes (JVPs)", "rev passes (VJPs)", "forward", "reverse", "fwd/rev", "faster",
                "predicted", "max error"):
        t.add_column(col, justify="right")
    for c in rep.cells:
        ratio = c.forward_seconds / c.reverse_seconds if c.reverse_seconds > 0 else float("inf")
        agree = c.faster == c.predicted or c.predicted == "either"
        t.add_row(str(c.n), str(c.m), str(c.forward_passes), str(c.reverse_passes), _ms(c.forward_seconds),
                  _ms(c.reverse_seconds), f"{ratio:.2g}", c.faster,
                  c.predicted if agree else f"[yellow]{c.predicted}[/yellow]",
                  e(max(c.forward_error, c.reverse_error)))
    return t


def plot_modes(rep, path: Path) -> None:
    """Heat map of log10(forward time / reverse time) over the (n, m) grid."""
    import numpy as onp

    plt = _pyplot()
    ns = sorted({c.n for c in rep.cells})
    ms = sorted({c.m for c in rep.cells})
    Z = onp.full((len(ms), len(ns)), onp.nan)
    for c in rep.cells:
        Z[ms.index(c.m), ns.index(c.n)] = math.log10(c.forward_seconds / c.reverse_seconds)
    lim = float(onp.nanmax(onp.abs(Z))) or 1.0
    fig, ax = plt.subplots(figsize=(6.5, 5))
    im = ax.imshow(Z, origin="lower", cmap="coolwarm", vmin=-lim, vmax=lim)
    ax.set_xticks(range(len(ns)), [str(v) for v in ns])
    ax.set_yticks(range(len(ms)), [str(v) for v in ms])
    for i in range(len(ms)):
        for j in range(len(ns)):
            if not math.isnan(Z[i, j]):
                ax.text(j, i, f"{10 ** Z[i, j]:.2g}", ha="center", va="center", fontsize=9)
    ax.set(xlabel="n (inputs)", ylabel="m (outputs)",
           title="forward time / reverse time\n(<1 blue: forward cheaper, >1 red: reverse cheaper)")
    fig.colorbar(im, ax=ax, label="log10 ratio")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _ms(sec: float) -> str:
    return f"{sec * 1e3:.3f} ms"


def _pos(values) -> list[float]:
    """Zeros cannot be drawn on a log axis: show them as NaN gaps."""
    return [v if v is not None and v > 0 else float("nan") for v in values]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
