"""Serial vs ``--jobs 2`` on a 16-run grid: wall time and speed-up, measured in the same process.

    python benchmarks/bench_jobs.py [--repeat 2] [--jobs 2]

The grid is rosenbrock n ∈ {5, 10, 20, 40} × 2 seeds × {gd, newton-cg} with an
iteration budget (no time budget, so both executors do exactly the same work; the
script checks that every run's counts and final x agree). The process-pool time
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

from optbench.compare import Budgets, expand_grid, run_grid  # noqa: E402


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
    s, p = min(serial_t), min(parallel_t)
    print(f"16-run grid (rosenbrock n=5,10,20,40 × 2 seeds × gd,newton-cg; max_iter 1500), {os.cpu_count()} CPUs")
    print(f"{'executor':<12}{'wall [s]':>10}{'speed-up':>10}")
    print(f"{'serial':<12}{s:>10.2f}{1.0:>10.2f}")
    print(f"{f'jobs={args.jobs}':<12}{p:>10.2f}{s / p:>10.2f}")
    print(f"(sum of per-run times in the serial pass: {work:.2f} s; results identical: yes)")
    print("all repetitions [s]: serial " + ", ".join(f"{t:.2f}" for t in serial_t)
          + f"; jobs={args.jobs} " + ", ".join(f"{t:.2f}" for t in parallel_t)
          + " (the first pool also starts the forkserver)")


if __name__ == "__main__":
    main()
