"""Derivative lab: the memory cost of reverse mode, and checkpointing to trade it for compute.

Reverse mode keeps what the backward pass will need: for a chain of L layers, about
c activations per layer (for σ(hW + b): the layer input h for the matmul's VJP and
the pre-activation z for σ's), so a gradient needs c·L activations of memory however
cheap each layer is. Checkpointing every K layers (:func:`optbench.checkpoint`) keeps
only the ⌈L/K⌉ segment inputs and recomputes one segment at a time in the backward
pass: peak ≈ ⌈L/K⌉ + c·K activations — O(L/K + K), smallest near K = √(L/c) — for
one extra forward pass, i.e. about 4/3 of the time when a backward pass costs two
forward passes (Griewank & Walther, *Evaluating Derivatives*, 2nd ed., ch. 12;
Chen et al., "Training deep nets with sublinear memory cost", arXiv:1604.06174).

:func:`memory` measures it on a problem with ``depth`` (L) and ``checkpoint`` (K)
parameters, such as ``mlp``: for K = off and each K of the sweep, the peak memory
(``tracemalloc``: numpy reports its array buffers to it) and the time of one
gradient (reverse mode) and one Hessian-vector product (forward-over-reverse), both
as the oracle computes them, and the largest difference of ∇f and ∇²f·v from the
run without checkpointing. The theory counts only activations: the data, weights and
gradient come on top, so when they dominate checkpointing saves little.
"""

from __future__ import annotations

import gc
import math
import time
import tracemalloc
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Optional, Sequence

import numpy as onp

from ..core.errors import UsageError
from ..core.oracle import Oracle
from ..core.params import bind
from ..core.problem import get_spec, make_problem
from ..core.threads import blas_threads as limit_threads

#: activations one σ(hW + b) layer leaves on autograd's tape: h (matmul VJP) and z (σ's VJP)
TAPE_PER_LAYER = 2


@dataclass
class MemoryRow:
    """One segment size: ``k`` layers per checkpointed segment (0: no checkpointing)."""

    k: int
    segments: int
    grad_peak_bytes: int
    grad_seconds: float
    hvp_peak_bytes: int
    hvp_seconds: float
    theory_activations: float
    grad_difference: float
    hvp_difference: float


@dataclass
class MemoryReport:
    """The sweep over K for one problem; ratios are against the row ``k == 0`` (no checkpointing)."""

    problem: str
    depth: int
    n: int
    seed: int
    repeat: int
    tape_per_layer: int
    rows: list[MemoryRow] = field(default_factory=list)

    @property
    def baseline(self) -> MemoryRow:
        return self.rows[0]

    def ratios(self, row: MemoryRow) -> dict:
        """Measured and predicted ratios of ``row`` to no checkpointing (theory time: one extra forward of 3)."""
        b = self.baseline
        return {
            "grad_memory": row.grad_peak_bytes / b.grad_peak_bytes,
            "grad_time": row.grad_seconds / b.grad_seconds,
            "hvp_memory": row.hvp_peak_bytes / b.hvp_peak_bytes,
            "hvp_time": row.hvp_seconds / b.hvp_seconds,
            "theory_memory": row.theory_activations / b.theory_activations,
            "theory_time": 1.0 if row.k == 0 else 4.0 / 3.0,
        }

    def to_dict(self) -> dict:
        d = asdict(self)
        for r, row in zip(d["rows"], self.rows):
            r["ratios"] = self.ratios(row)
        return d


def default_ks(depth: int) -> list[int]:
    """1, 2, 4, …, L together with round(√L): the sweep when none is given."""
    ks = {1, depth, max(1, round(math.sqrt(depth)))}
    k = 2
    while k < depth:
        ks.add(k)
        k *= 2
    return sorted(ks)


def theory_activations(depth: int, k: int, tape_per_layer: int = TAPE_PER_LAYER) -> float:
    """Activations held at the peak: c·L without checkpointing, ⌈L/K⌉ inputs + c·K of one segment with it."""
    if k == 0:
        return float(tape_per_layer * depth)
    return float(math.ceil(depth / k) + tape_per_layer * min(k, depth))


def _bound_params(problem: Any, params: dict) -> tuple[Any, dict]:
    spec = getattr(problem, "spec", None) if callable(problem) else None
    if spec is None:
        if not isinstance(problem, str):
            raise UsageError("memory needs a problem name or factory (it rebuilds the problem for each K)")
        spec = get_spec(problem)
    names = {p.name for p in spec.params}
    missing = [p for p in ("depth", "checkpoint") if p not in names]
    if missing:
        raise UsageError(
            f"problem '{spec.name}' has no {' or '.join(missing)} parameter; memory sweeps the checkpoint "
            "segment size K of a deep model, e.g. mlp with hidden=64, depth=64", field="params", value=problem
        )
    if "checkpoint" in params:
        raise UsageError("memory sweeps checkpoint itself; drop the parameter checkpoint (choose the segment sizes "
                         "with {field})", field="ks", value=params["checkpoint"])
    return spec, {**{p.name: p.default for p in spec.params}, **bind(spec.params, params, spec.name, "parameter")}


def _peak(fn: Callable[[], Any]) -> tuple[Any, int]:
    """(result, peak bytes allocated above the memory in use at the start), one traced run."""
    gc.collect()
    already = tracemalloc.is_tracing()  # e.g. python -X tracemalloc: measure within it, leave it on
    if not already:
        tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        out = fn()
        peak = tracemalloc.get_traced_memory()[1] - start
    finally:
        if not already:
            tracemalloc.stop()
    return out, int(peak)


def _seconds(fn: Callable[[], Any]) -> float:
    gc.collect()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _reldiff(a: onp.ndarray, b: onp.ndarray) -> float:
    return float(onp.max(onp.abs(a - b)) / max(float(onp.max(onp.abs(b))), 1e-300))


def memory(
    problem: Any = "mlp",
    params: Optional[dict] = None,
    ks: Optional[Sequence[int]] = None,
    *,
    seed: int = 0,
    repeat: int = 2,
    tape_per_layer: int = TAPE_PER_LAYER,
    blas_threads: Optional[int] = 1,
    callback: Optional[Callable[[MemoryRow], None]] = None,
) -> MemoryReport:
    """Peak memory and time of one gradient and one HVP at x0, without checkpointing and for each K in ``ks``.

    ``problem`` has parameters ``depth`` (L ≥ 1) and ``checkpoint`` (K); ``ks`` defaults to
    :func:`default_ks` (L). Each measurement runs on a fresh :class:`Oracle` (no cache): memory
    once under ``tracemalloc`` (peak above the memory in use before); time as the best of
    ``repeat`` untraced runs, taken in rounds over all K so that a busy spell of the machine
    affects every K alike. The HVP direction is a seeded standard normal vector.
    The work runs with ``blas_threads`` BLAS threads (default 1, as ``solve``: on a busy machine
    threaded BLAS made these small products ten times slower; None or 0 leaves the library default).
    ``callback(row)`` is called after each K's memory measurement (progress; its times are
    filled in by the timing rounds that follow).
    """
    params = dict(params or {})
    if int(repeat) < 1:
        raise UsageError(f"repeat must be a positive integer, got {repeat}")
    spec, kwargs = _bound_params(problem, params)
    depth = int(kwargs["depth"])
    if depth < 1:
        raise UsageError(f"problem '{spec.name}': memory needs a deep model; give {{field}} depth=L (L ≥ 1), e.g. "
                         f"{{field}} depth=64", field="params", value=depth)
    ks = default_ks(depth) if ks is None else [int(k) for k in ks]
    for k in ks:
        if not 1 <= k <= depth:
            raise UsageError(f"segment size K={k} must be between 1 and the depth {depth}")
    if blas_threads is not None and int(blas_threads) < 0:
        raise UsageError(f"blas_threads must be ≥ 0 (0 = the library default), got {blas_threads}")
    with limit_threads(blas_threads):
        return _sweep(problem, params, ks, depth, seed, int(repeat), tape_per_layer, callback)


def _sweep(problem, params, ks, depth, seed, repeat, tape_per_layer, callback) -> MemoryReport:
    first = make_problem(problem, params)
    report = MemoryReport(first.label, depth, first.n, seed, repeat, tape_per_layer)
    v = onp.random.default_rng(seed).standard_normal(first.n)
    x = first.x0
    Oracle(first).value_and_grad(x), Oracle(first).hvp(x, v)  # warm-up: first-call costs not measured
    probs = {0: first}
    ref_g = ref_hv = None
    for k in [0] + sorted(set(ks)):
        prob = probs[k] = first if k == 0 else make_problem(problem, {**params, "checkpoint": k})
        g, g_peak = _peak(lambda: Oracle(prob).value_and_grad(x)[1])
        hv, h_peak = _peak(lambda: Oracle(prob).hvp(x, v))
        if k == 0:
            ref_g, ref_hv = g, hv
        row = MemoryRow(k, 0 if k == 0 else math.ceil(depth / k), g_peak, math.inf, h_peak, math.inf,
                        theory_activations(depth, k, tape_per_layer), _reldiff(g, ref_g), _reldiff(hv, ref_hv))
        report.rows.append(row)
        if callback is not None:
            callback(row)
    # times: rounds over all K, so a busy spell of the machine hits every K alike; the best per K counts
    for _ in range(repeat):
        for row in report.rows:
            prob = probs[row.k]
            row.grad_seconds = min(row.grad_seconds, _seconds(lambda: Oracle(prob).value_and_grad(x)))
            row.hvp_seconds = min(row.hvp_seconds, _seconds(lambda: Oracle(prob).hvp(x, v)))
    return report
