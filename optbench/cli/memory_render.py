"""Rendering for ``optbench memory``: a rich table, a summary and a memory-vs-time plot — pure functions of a MemoryReport."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table


def _mb(nbytes: int) -> str:
    return f"{nbytes / 1e6:.1f} MB"


def _sec(sec: float) -> str:
    return f"{sec * 1e3:.0f} ms" if sec >= 0.1 else f"{sec * 1e3:.1f} ms"


def _k(row) -> str:
    return "off" if row.k == 0 else str(row.k)


def memory_table(rep) -> Table:
    t = Table(title=f"Reverse-mode memory of {rep.problem} (depth L = {rep.depth}, n = {rep.n}): "
                    "checkpoint every K layers")
    for col in ("K", "segments", "theory mem ×off", "∇f peak", "×off", "∇f time", "×off",
                "∇²f·v peak", "×off", "∇²f·v time", "×off", "max rel. diff"):
        t.add_column(col, justify="right")
    for row in rep.rows:
        r = rep.ratios(row)
        t.add_row(_k(row), str(row.segments) if row.k else "—", f"{r['theory_memory']:.2f}",
                  _mb(row.grad_peak_bytes), f"{r['grad_memory']:.2f}", _sec(row.grad_seconds), f"{r['grad_time']:.2f}",
                  _mb(row.hvp_peak_bytes), f"{r['hvp_memory']:.2f}", _sec(row.hvp_seconds), f"{r['hvp_time']:.2f}",
                  f"{max(row.grad_difference, row.hvp_difference):.1e}")
    return t


def memory_summary(rep) -> str:
    c, L = rep.tape_per_layer, rep.depth
    checked = [row for row in rep.rows if row.k]
    lines = [f"theory: peak ≈ ⌈L/K⌉ + {c}·K activations (off: {c}·L = {c * L}), smallest near K = √(L/{c}); "
             "data, weights and gradient come on top",
             "        time +1 forward pass ≈ 4/3× (a backward pass costs about two forward passes)"]
    if checked:
        best = min(checked, key=lambda row: row.grad_peak_bytes)
        r = rep.ratios(best)
        lines.append(f"least gradient memory: K = {best.k}, {r['grad_memory']:.2f}× the memory of no checkpointing "
                     f"at {r['grad_time']:.2f}× the time (HVP: {r['hvp_memory']:.2f}× memory, {r['hvp_time']:.2f}× time)")
    lines.append(f"memory: tracemalloc peak above the memory in use before, one run; time: best of {rep.repeat} run{'s' if rep.repeat != 1 else ''}; "
                 "differences: ∇f and ∇²f·v against K = off")
    return "\n".join(lines)


def plot_memory(rep, path: Path) -> None:
    """Peak memory against time, one point per K, for the gradient and the HVP."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    for ax, what, peak, sec in ((axes[0], "gradient (reverse mode)", "grad_peak_bytes", "grad_seconds"),
                                (axes[1], "Hessian-vector product (forward-over-reverse)", "hvp_peak_bytes", "hvp_seconds")):
        xs = [getattr(row, sec) for row in rep.rows]
        ys = [getattr(row, peak) / 1e6 for row in rep.rows]
        ax.plot(xs[1:], ys[1:], "o-", c="C0", label="checkpoint every K layers")
        ax.plot(xs[:1], ys[:1], "s", c="C3", ms=9, label="no checkpointing")
        for row, x, y in zip(rep.rows, xs, ys):
            ax.annotate(f"K={_k(row)}", (x, y), textcoords="offset points", xytext=(6, 4), fontsize=8)
        ax.set(xlabel="time (s)", ylabel="peak memory (MB, tracemalloc)", title=what)
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"optbench memory {rep.problem}: memory vs time (depth {rep.depth})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
