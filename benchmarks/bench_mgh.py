"""The Moré–Garbow–Hillstrom set: how many problems each method solves, next to scipy's counterpart (issue 14).

    python benchmarks/bench_mgh.py [--ids 1..35] [--gtol 1e-8] [--max-iter 3000] [--json FILE]

Every method runs every bundled ``mgh`` problem from the paper's standard start with the
same stopping test (‖∇f‖∞ ≤ gtol), the same iteration budget and the same autograd
derivatives through the same counted oracle (scipy's methods are driven by
:class:`optbench.solvers.scipy.ScipyMethod`). For each method:

* **reached f*** — f(x) − f* ≤ 1e-5·|f*| + 1e-10 at the returned x (problems whose f* the
  paper does not give for the size used are left out of this count);
* **converged** — the method's status is ``converged``;
* **false converged** — status ``converged`` while ‖∇f(x)‖∞ recomputed by a fresh oracle at the
  returned x exceeds gtol (must be 0);
* **elsewhere** — converged (honestly) at another stationary point than the one with f*.

Pairs: newton, trust-exact ↔ scipy:trust-exact; trust-ncg ↔ scipy:trust-ncg; newton-cg ↔
scipy:Newton-CG (its step test xtol set to 1e-300 so that it never fires before the gradient
test); lbfgs ↔ scipy:L-BFGS-B. Counts, not times: the result does not depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

import optbench  # noqa: E402
from optbench.compare.ranges import expand_ranges  # noqa: E402
from optbench.core.oracle import Oracle  # noqa: E402
from optbench.core.threads import blas_threads  # noqa: E402

PAIRS = [("newton", "scipy:trust-exact"), ("trust-exact", "scipy:trust-exact"), ("trust-ncg", "scipy:trust-ncg"),
         ("newton-cg", "scipy:Newton-CG"), ("lbfgs", "scipy:L-BFGS-B")]
OPTIONS = {"scipy:Newton-CG": {"xtol": 1e-300}}


def reached(f: float, f_star) -> bool:
    return f_star is not None and np.isfinite(f) and f - f_star <= 1e-5 * abs(f_star) + 1e-10


def run(ids: list[int], methods: list[str], gtol: float, max_iter: int, progress) -> list[dict]:
    records = []
    for i in ids:
        prob = optbench.make_problem("mgh", {"id": i})
        for m in methods:
            progress(f"mgh id={i} {m}")
            r = optbench.solve(prob, m, options=OPTIONS.get(m, {}), gtol=gtol, max_iter=max_iter)
            g = Oracle(prob).grad(r.x) if np.all(np.isfinite(r.x)) else np.full(prob.n, np.nan)
            fresh = float(np.max(np.abs(g)))
            conv = r.status.value == "converged"
            records.append({
                "id": i, "name": prob.name, "n": prob.n, "method": m, "status": r.status.value, "f": float(r.fun),
                "f_star": prob.f_star, "reached": reached(float(r.fun), prob.f_star), "grad_norm": fresh,
                "false_converged": conv and not fresh <= gtol, "nit": r.nit, "nfev": r.nfev, "ngev": r.njev,
                "nhvp": r.nhvp, "nhev": r.nhev,
            })
    return records


def summary(records: list[dict], methods: list[str]) -> list[dict]:
    rows = []
    for m in methods:
        mine = [r for r in records if r["method"] == m]
        known = [r for r in mine if r["f_star"] is not None]
        rows.append({
            "method": m, "problems": len(mine), "with_f_star": len(known),
            "reached": sum(r["reached"] for r in known),
            "converged": sum(r["status"] == "converged" for r in mine),
            "false_converged": sum(r["false_converged"] for r in mine),
            "elsewhere": sum(r["status"] == "converged" and not r["false_converged"] and not r["reached"]
                             for r in known),
            "missed": [r["id"] for r in known if not r["reached"]],
        })
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ids", default="1..35", help="MGH problem numbers, e.g. 1..35 or 1..5,12")
    ap.add_argument("--gtol", type=float, default=1e-8)
    ap.add_argument("--max-iter", type=int, default=3000)
    ap.add_argument("--json", metavar="FILE", help="write the per-run records and the summary as JSON")
    args = ap.parse_args(argv)
    err = Console(stderr=True)
    try:
        ids = [int(v) for v in expand_ranges(args.ids.split(","), "--ids")]
    except (optbench.UsageError, ValueError) as e:
        err.print(f"error: {e}", markup=False)
        return 2
    methods = list(dict.fromkeys(m for pair in PAIRS for m in pair))
    with blas_threads(1):
        records = run(ids, methods, args.gtol, args.max_iter, lambda s: err.print(f"[dim]… {s}[/dim]"))
    rows = {r["method"]: r for r in summary(records, methods)}
    table = Table(title=f"MGH problems {args.ids}, standard starts, gtol {args.gtol:g}, max_iter {args.max_iter}")
    for col in ("method", "reached f*", "vs scipy", "converged", "false converged", "elsewhere", "missed ids"):
        table.add_column(col)
    for ours, ref in PAIRS:
        for m, other in ((ours, ref), (ref, None)):
            r = rows[m]
            vs = "" if other is None else f"{r['reached']} vs {rows[other]['reached']} ({other})"
            table.add_row(m, f"{r['reached']}/{r['with_f_star']}", vs, str(r["converged"]), str(r["false_converged"]),
                          str(r["elsewhere"]), ",".join(map(str, r["missed"])))
    Console(width=160).print(table)
    if args.json:
        Path(args.json).write_text(json.dumps({"records": records, "summary": list(rows.values()),
                                               "settings": vars(args)}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
