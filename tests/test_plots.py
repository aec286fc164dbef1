"""The comparison figures, checked on the figure objects: axis scales, legend placement, tick labels, decimation."""

import math

import numpy as np
import pytest

from optbench.compare.plot_axes import decimate, plain_number, power_of_ten, spread_is_wide
from optbench.compare.plots import build_convergence_figure, build_profile_figure


def _trace(iters: int, rate: float, t_per_iter: float = 1e-3) -> dict:
    k = np.arange(iters + 1)
    fmf = 10.0 * rate ** k
    return {"iter": list(k), "time": list(t_per_iter * (k + 1)), "f": list(fmf), "f_minus_fstar": list(fmf),
            "grad_norm": list(2 * fmf), "nfev": list(k + 1), "ngev": list(k + 1), "nhvp": [0] * (iters + 1),
            "nhev": [0] * (iters + 1)}


def _runs(iter_counts: dict[str, int], instance: str = "toy") -> tuple[list[dict], dict]:
    rows, traces = [], {}
    for i, (method, its) in enumerate(iter_counts.items()):
        rows.append({"run_id": i, "instance": instance, "method": method, "status": "converged", "success": True,
                     "f_star": 0.0, "n": 2})
        traces[i] = _trace(its, rate=1e-6 ** (1.0 / its))
    return rows, traces


def _draw(fig):
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_log_x_axis_when_iteration_counts_differ_more_than_tenfold():
    rows, traces = _runs({"gd": 1000, "newton": 20, "lbfgs": 40})
    fig = build_convergence_figure("toy", rows, traces)
    it_ax, cost_ax, time_ax = fig.axes
    # the iteration panel is symlog (log past 1) so that iteration 0, f(x0), stays drawn
    assert it_ax.get_xscale() == "symlog" and cost_ax.get_xscale() == "log" and time_ax.get_xscale() == "log"
    assert "log scale" in it_ax.get_xlabel()
    xs = it_ax.lines[0].get_xdata()
    assert xs[0] == 0 and xs[-1] == 1000


def test_linear_x_axis_when_counts_are_within_tenfold():
    rows, traces = _runs({"gd": 90, "newton": 10, "lbfgs": 40})
    fig = build_convergence_figure("toy", rows, traces)
    assert [ax.get_xscale() for ax in fig.axes] == ["linear", "linear", "linear"]
    assert all("log scale" not in ax.get_xlabel() for ax in fig.axes)


@pytest.mark.parametrize("counts", [{"gd": 1000, "newton": 20}, {"gd": 30, "newton": 20, "lbfgs": 25}])
def test_convergence_legend_lies_outside_every_axes(counts):
    rows, traces = _runs(counts)
    fig = build_convergence_figure("toy", rows, traces)
    r = _draw(fig)
    assert len(fig.legends) == 1 and not any(ax.get_legend() for ax in fig.axes)
    leg = fig.legends[0].get_window_extent(r)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [f"{m} (converged)" for m in counts]
    for ax in fig.axes:
        assert not _overlap(leg, ax.get_window_extent(r)), (leg, ax.get_window_extent(r))
    fig_box = fig.bbox
    assert leg.x0 >= fig_box.x0 and leg.y0 >= fig_box.y0 and leg.x1 <= fig_box.x1  # and not cut off


def test_profile_legend_outside_and_tau_ticks_plain():
    rows, traces = [], {}
    for p, inst in enumerate(("a", "b", "c")):
        for j, (m, its) in enumerate({"gd": 900, "newton": 12 + p, "lbfgs": 30, "newton-cg": 20 * (p + 1)}.items()):
            rid = 10 * p + j
            rows.append({"run_id": rid, "instance": inst, "method": m, "status": "converged", "success": True,
                         "f_star": 0.0, "n": 2})
            traces[rid] = _trace(its, rate=1e-8 ** (1.0 / its))
    fig = build_profile_figure(rows, traces, gtol=1e-6)
    r = _draw(fig)
    leg = fig.legends[0].get_window_extent(r)
    for ax in fig.axes:
        assert ax.get_legend() is None and not _overlap(leg, ax.get_window_extent(r))
    perf = fig.axes[0]
    assert perf.get_xscale() == "log"
    lo, hi = perf.get_xlim()
    labels = [t.get_text() for t in perf.get_xticklabels() if lo <= t.get_position()[0] <= hi * (1 + 1e-9)]
    assert labels and all(labels)  # every tick in view is labelled
    assert all("×" not in s and "$" not in s and "^" not in s for s in labels), labels
    assert labels[:3] == ["1", "2", "5"] and "10" in labels  # τ from 1 to ≈ 80: 1, 2, 5, 10, 20, 50
    assert [t.get_text() for t in perf.get_xticklabels(minor=True) if t.get_text()] == []


def test_log_y_labels_are_plain_powers_of_ten():
    rows, traces = _runs({"gd": 100, "newton": 20})
    fig = build_convergence_figure("toy", rows, traces)
    _draw(fig)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert labels and all("$" not in s for s in labels)
    assert "10⁻⁶" in labels or "10⁻⁴" in labels or "10⁻⁵" in labels, labels


def test_tick_texts():
    assert [plain_number(v) for v in (1, 2, 5, 10, 20, 50, 1000, 0.5, 0.001)] == \
        ["1", "2", "5", "10", "20", "50", "1000", "0.5", "0.001"]
    assert plain_number(1e6) == "10⁶" and plain_number(2e6) == "2·10⁶" and plain_number(0) == "0"
    assert power_of_ten(1e-6) == "10⁻⁶" and power_of_ten(1e-12) == "10⁻¹²" and power_of_ten(100) == "100"


def test_spread_rule():
    assert spread_is_wide([1000, 20, 40]) and not spread_is_wide([100, 10.5])
    assert not spread_is_wide([1000, 0, math.nan])  # zeros and NaN are not counts to compare
    assert not spread_is_wide([5])


@pytest.mark.parametrize("n", [10, 501, 1001, 100_000])
def test_decimation_keeps_first_last_and_minimum(n):
    rng = np.random.default_rng(n)
    y = np.abs(rng.standard_normal(n)) + 1.0
    m = int(rng.integers(1, n - 1))
    y[m] = 1e-9
    idx = decimate(y, 500)
    assert len(idx) <= 500 and list(idx) == sorted(set(idx))
    assert idx[0] == 0 and idx[-1] == n - 1 and m in idx
    if n <= 500:
        assert len(idx) == n
    else:
        assert len(idx) >= 450  # the budget is used, not wasted
        assert set(range(1, 6)) <= set(idx)  # early iterations keep their detail (geometric half)


def test_long_traces_are_drawn_decimated_with_their_best_point():
    rows, traces = _runs({"gd": 5000, "newton": 10})
    tr = traces[0]
    tr["f_minus_fstar"][3333] = 1e-30  # a dip far below the rest
    fig = build_convergence_figure("toy", rows, traces)
    line = fig.axes[0].lines[0]
    assert len(line.get_xdata()) <= 500
    assert line.get_xdata()[0] == 0 and line.get_xdata()[-1] == 5000
    assert 3333 in set(line.get_xdata()) and np.nanmin(line.get_ydata()) == 1e-30
