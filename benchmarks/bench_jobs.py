"""Serial vs ``--jobs 2`` on a 16-run grid: wall time and speed-up, measured in the same process.

    python benchmarks/bench_jobs.py [--repeat 2] [--jobs 2]

The grid is rosenbrock n ∈ {5, 10, 20, 40} × 2 seeds × {gd, newton-cg} with an
iteration budget (no time budget, so both executors do exactly the same work; the
script checks that every run's counts and final x agree). As a reference measured in
the same run, it also times trivially parallel pure-Python work serially and in a
pool: the best speed-up this machine gives at the moment. The process-pool time
includes starting the workers (the very first pool also starts the forkserver, about
a second). The best of ``--repeat`` timings is reported, and every timing is printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optbench.compare.executors import run_grid  # noqa: E402
from optbench.compare.grid import Budgets, expand_grid  # noqa: E402


def _burn(n: int) -> int:
    s = 0
    for i in range(n):
        s += i * i
    return s


def ceiling(jobs: int) -> float:
    """What this machine gives right now: 2·jobs pure-Python burns, serial vs a pool (no optbench)."""
    from concurrent.futures import ProcessPoolExecutor

    n = 3_000_000
    t0 = time.perf_counter()
    for _ in range(2 * jobs):
        _burn(n)
    serial = time.perf_counter() - t0
    with ProcessPoolExecutor(jobs) as ex:
        list(ex.map(_burn, [10] * jobs))
        t0 = time.perf_counter()
        list(ex.map(_burn, [n] * (2 * jobs)))
        pooled = time.perf_counter() - t0
    return serial / pooled


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()

    specs = expand_grid(["rosenbrock"], {"n": ["5", "10", "20", "40"]}, 2, ["gd", "newton-cg"])
    assert len(specs) == 16
    budgets = Budgets(max_iter=1500, max_time=None)

    def timed(jobs: int):
        t0 = time.perf_counter()
        out = run_grid(specs, budgets, jobs=jobs)
        return time.perf_counter() - t0, out.records

    serial_t, parallel_t = [], []
    for _ in range(args.repeat):
        t, serial = timed(1)
        serial_t.append(t)
        t, parallel = timed(args.jobs)
        parallel_t.append(t)
    for a, b in zip(serial, parallel):
        assert (a.status, a.nit, a.nfev, a.ngev, a.nhvp, a.x) == (b.status, b.nit, b.nfev, b.ngev, b.nhvp, b.x), a.spec
    work = sum(r.time for r in serial)
    ceil = ceiling(args.jobs)
    s, p = min(serial_t), min(parallel_t)
    print(f"16-run grid (rosenbrock n=5,10,20,40 × 2 seeds × gd,newton-cg; max_iter 1500), {os.cpu_count()} CPUs")
    print(f"{'executor':<12}{'wall [s]':>10}{'speed-up':>10}")
    print(f"{'serial':<12}{s:>10.2f}{1.0:>10.2f}")
    print(f"{f'jobs={args.jobs}':<12}{p:>10.2f}{s / p:>10.2f}")
    print(f"(sum of per-run times in the serial pass: {work:.2f} s; results identical: yes)")
    print(f"reference: embarrassingly parallel pure-Python work reaches {ceil:.2f}x with {args.jobs} processes "
          "on this machine right now (other load lowers it)")
    print("all repetitions [s]: serial " + ", ".join(f"{t:.2f}" for t in serial_t)
          + f"; jobs={args.jobs} " + ", ".join(f"{t:.2f}" for t in parallel_t)
          + " (the first pool also starts the forkserver)")


if __name__ == "__main__":
    main()
