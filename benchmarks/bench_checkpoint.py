"""Peak memory of one gradient: no checkpointing vs optbench.checkpoint vs autograd's shipped checkpoint.

    python benchmarks/bench_checkpoint.py [--depth 64] [--width 64] [--samples 4096] [--k 8] [--repeat 2]

The model is the deep part of ``mlp``: h ← tanh(h W + b) for ``depth`` layers of ``width``
units on ``samples`` rows, loss Σ h²; every K consecutive layers are one segment, a function
of its input h and one flat vector of its weights (two differentiated arguments). Memory is the
tracemalloc peak above the memory in use before (numpy reports its buffers to tracemalloc),
time the best of ``repeat`` untraced runs, one BLAS thread; ratios are against no checkpointing.
autograd.checkpoint traces each segment when the forward pass records it (once per
differentiated argument, here twice) and keeps those records, so its peak is not lower
(docs/derivative_lab.md).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import autograd.numpy as np  # noqa: E402
import numpy as onp  # noqa: E402
from autograd import checkpoint as autograd_checkpoint  # noqa: E402
from autograd import grad  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from optbench import checkpoint  # noqa: E402
from optbench.core.threads import blas_threads  # noqa: E402


def make_block(width):
    """The layers of one segment, h ← tanh(h W + b), their W and b packed in one flat vector p."""
    size = width * width + width

    def block(h, p):
        for i in range(0, p.shape[0], size):
            W = np.reshape(p[i:i + width * width], (width, width))
            h = np.tanh(np.dot(h, W) + p[i + width * width:i + size])
        return h

    return block


def loss_fn(wrap, X, width):
    seg = wrap(make_block(width)) if wrap else make_block(width)

    def loss(segments):
        h = X
        for p in segments:
            h = seg(h, p)
        return np.sum(h ** 2)

    return loss


def measure(fn, repeat):
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    out = fn()
    peak = tracemalloc.get_traced_memory()[1] - start
    tracemalloc.stop()
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return out, peak, best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--depth", type=int, default=64)
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--samples", type=int, default=4096)
    ap.add_argument("--k", type=int, default=8, help="layers per checkpointed segment")
    ap.add_argument("--repeat", type=int, default=2)
    a = ap.parse_args(argv)
    rng = onp.random.default_rng(0)
    X = rng.standard_normal((a.samples, a.width))
    layer = lambda: onp.concatenate([(rng.standard_normal((a.width, a.width)) / onp.sqrt(a.width)).ravel(),  # noqa: E731
                                     onp.zeros(a.width)])
    params = tuple(onp.concatenate([layer() for _ in range(min(a.k, a.depth - i))]) for i in range(0, a.depth, a.k))
    t = Table(title=f"one gradient, {a.depth} tanh layers × {a.width} units on {a.samples} samples, K = {a.k}")
    for col in ("checkpoint", "peak memory", "×none", "time", "×none", "max rel. diff"):
        t.add_column(col, justify="right")
    rows = []
    with blas_threads(1):
        for name, wrap in (("none", None), ("optbench.checkpoint", checkpoint), ("autograd.checkpoint", autograd_checkpoint)):
            g = grad(loss_fn(wrap, X, a.width))
            out, peak, sec = measure(lambda: g(params), a.repeat)
            rows.append((name, onp.concatenate(out), peak, sec))
    g0, p0, s0 = rows[0][1:]
    for name, gv, peak, sec in rows:
        diff = float(onp.max(onp.abs(gv - g0)) / onp.max(onp.abs(g0)))
        t.add_row(name, f"{peak / 1e6:.1f} MB", f"{peak / p0:.2f}", f"{sec:.3f} s", f"{sec / s0:.2f}", f"{diff:.1e}")
    Console(width=200).print(t)
    return 0


if __name__ == "__main__":
    sys.exit(main())
