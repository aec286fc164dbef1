"""L-BFGS vector work at large n, and lbfgs against scipy's L-BFGS-B on the same gradient (issue 15, item 4).

    python benchmarks/bench_lbfgs_vector.py [--n 100000] [--m 10] [--repeats 7] [--threads 1]

1. Vector work of one iteration, isolated: a full memory (m pairs) takes one new pair
   (:meth:`Memory.push`) and computes the next direction (:meth:`Memory.two_loop`), on random
   data; min over ``repeats`` batches of the process CPU time per iteration.
2. End to end on extended Rosenbrock (n, standard start, gtol 1e-6 in the ∞-norm): ``lbfgs``
   against ``scipy.optimize.minimize(method="L-BFGS-B")`` given the same autograd
   value-and-gradient (recorded with the oracle's slicing rule, so both pay the same for
   derivatives); time per iteration, min of ``repeats`` runs, and the ratio.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import autograd  # noqa: E402
import numpy as np  # noqa: E402
from scipy.optimize import minimize  # noqa: E402

import optbench  # noqa: E402
from optbench.core.autograd_fast import fast_slicing  # noqa: E402
from optbench.core.problem import make_problem  # noqa: E402
from optbench.core.threads import blas_threads  # noqa: E402
from optbench.solvers.lbfgs import Memory  # noqa: E402

CLOCK = time.process_time


def vector_work(n: int, m: int, repeats: int, iters: int = 40) -> float:
    rng = np.random.default_rng(0)
    pairs = [(rng.standard_normal(n), rng.standard_normal(n)) for _ in range(m + iters)]
    g = rng.standard_normal(n)
    best = math.inf
    for _ in range(repeats):
        mem = Memory.empty(m, n)
        for s, y in pairs[:m]:
            mem = mem.push(s, y, float(s @ y) if s @ y > 0 else 1.0)
        mem = mem.two_loop(g)[1]
        t0 = CLOCK()
        for s, y in pairs[m:]:
            mem = mem.push(s, y, 1.0)
            d, mem = mem.two_loop(g)
        best = min(best, (CLOCK() - t0) / iters)
    return best


def end_to_end(n: int, m: int, repeats: int) -> dict:
    problem = make_problem("rosenbrock", {"n": n, "variant": "extended"})
    vg = autograd.value_and_grad(problem.f)

    def fun(x):
        with fast_slicing():
            return vg(x)

    best = {"lbfgs": math.inf, "scipy": math.inf}
    nit = {}
    for _ in range(repeats):
        t0 = CLOCK()
        r = optbench.solve(problem, method="lbfgs", options={"m": m}, gtol=1e-6)
        t = CLOCK() - t0
        nit["lbfgs_nit"] = r.nit
        best["lbfgs"] = min(best["lbfgs"], t / max(r.nit, 1))
        t0 = CLOCK()
        s = minimize(fun, problem.x0, jac=True, method="L-BFGS-B",
                     options={"maxcor": m, "gtol": 1e-6, "ftol": 0.0, "maxiter": 10_000, "maxfun": 100_000})
        t = CLOCK() - t0
        nit["scipy_nit"] = s.nit
        best["scipy"] = min(best["scipy"], t / max(s.nit, 1))
        nit["scipy_ginf"] = float(np.max(np.abs(fun(s.x)[1])))
        nit["lbfgs_ginf"] = float(np.max(np.abs(fun(r.x)[1])))
        nit["lbfgs_status"] = str(r.status)
    return {**best, **nit}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--m", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads (0 leaves them alone)")
    args = ap.parse_args(argv)
    with blas_threads(args.threads or None):
        t_vec = vector_work(args.n, args.m, args.repeats)
        e = end_to_end(args.n, args.m, args.repeats)
    print(f"n = {args.n}, m = {args.m}, BLAS threads {args.threads or 'default'}, process CPU time, min of {args.repeats}")
    print(f"  vector work per iteration (push + two_loop): {t_vec * 1e3:8.3f} ms")
    print(f"  lbfgs per iteration:                         {e['lbfgs'] * 1e3:8.3f} ms   "
          f"({e['lbfgs_nit']} iterations, {e['lbfgs_status']}, ‖∇f‖∞ {e['lbfgs_ginf']:.1e})")
    print(f"  scipy L-BFGS-B per iteration:                {e['scipy'] * 1e3:8.3f} ms   "
          f"({e['scipy_nit']} iterations, ‖∇f‖∞ {e['scipy_ginf']:.1e})")
    print(f"  ratio lbfgs / L-BFGS-B per iteration:        {e['lbfgs'] / e['scipy']:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
