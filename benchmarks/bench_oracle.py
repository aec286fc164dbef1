"""Overhead of the oracle over plain autograd: ``value_and_grad`` on extended Rosenbrock (issue 15, item 4).

    python benchmarks/bench_oracle.py [--sizes 2,100000] [--repeats 30] [--threads 1]

Per call, min over ``repeats`` interleaved batches (each batch auto-sized to ~20 ms; process CPU
time by default, ``--wall`` for perf_counter), of

* ``autograd``: ``autograd.value_and_grad(f)(x)`` with autograd's own rules;
* ``autograd+fast``: the same inside :func:`optbench.core.autograd_fast.fast_slicing` — the
  slicing rule the oracle records with, so the ratio against it is the oracle's own overhead;
* ``oracle``: ``Oracle(problem).value_and_grad(x)`` (counted, cached, validated).

Every call gets a point different from the last three (a cycle of four), as in a solver, so
the oracle's two-point cache never answers. Target: oracle ≤ 1.10 × plain autograd.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import autograd  # noqa: E402
import numpy as onp  # noqa: E402

from optbench.core.autograd_fast import fast_slicing  # noqa: E402
from optbench.core.oracle import Oracle  # noqa: E402
from optbench.core.problem import make_problem  # noqa: E402
from optbench.core.threads import blas_threads  # noqa: E402


CLOCK = time.process_time  # CPU time of this process: on a shared machine, less disturbed by other load


def per_call(fn, points, batch: int) -> float:
    t0 = CLOCK()
    for i in range(batch):
        fn(points[i & 3])
    return (CLOCK() - t0) / batch


def measure(n: int, repeats: int) -> dict:
    problem = make_problem("rosenbrock", {"n": n, "variant": "extended"})
    rng = onp.random.default_rng(0)
    points = [problem.x0 + 0.01 * rng.standard_normal(n) for _ in range(4)]
    vg = autograd.value_and_grad(problem.f)
    oracle = Oracle(problem)

    def fast(x):
        with fast_slicing():
            return vg(x)

    cands = {"autograd": vg, "autograd+fast": fast, "oracle": oracle.value_and_grad}
    for x in points:  # same answers
        f0, g0 = vg(x)
        f1, g1 = oracle.value_and_grad(x)
        assert f0 == f1 and onp.array_equal(g0, g1), "oracle and autograd disagree"
    one = per_call(vg, points, 3)
    batch = max(4, int(0.02 / max(one, 1e-7)))
    best = {k: math.inf for k in cands}
    for _ in range(repeats):
        for k, fn in cands.items():
            best[k] = min(best[k], per_call(fn, points, batch))
    calls = oracle.ngev
    return {"n": n, "batch": batch, "calls": calls, **best}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="2,100000")
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads (0 leaves them alone)")
    ap.add_argument("--wall", action="store_true", help="time with perf_counter (default: process CPU time)")
    args = ap.parse_args(argv)
    global CLOCK
    if args.wall:
        CLOCK = time.perf_counter
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    clock = "wall" if args.wall else "CPU"
    print(f"value_and_grad per call ({clock} time), extended Rosenbrock, min of {args.repeats} interleaved batches")
    print(f"{'n':>8} {'autograd':>11} {'autograd+fast':>14} {'oracle':>11}   oracle/autograd  oracle/autograd+fast")
    with blas_threads(args.threads or None):
        for n in sizes:
            r = measure(n, args.repeats)
            a, af, o = r["autograd"], r["autograd+fast"], r["oracle"]
            print(f"{n:>8} {a * 1e6:9.1f}µs {af * 1e6:12.1f}µs {o * 1e6:9.1f}µs   {o / a:15.3f}  {o / af:20.3f}")
    print("target: oracle ≤ 1.10 × plain autograd")
    return 0


if __name__ == "__main__":
    sys.exit(main())
