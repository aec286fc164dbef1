"""Golden results: every method on a dozen problem instances, recorded before a refactor.

``python tests/golden/golden.py record`` writes ``tests/golden/golden.json``;
``python tests/golden/golden.py compare`` re-runs every case and reports any difference
*exactly* (statuses, messages, counts, iterates and every trace row bit for bit, the
time column aside) — the proof that a restructuring changed no behaviour on this machine.
``tests/test_golden.py`` runs the same comparison in the suite, with floats compared to a
relative 1e-6 so that a machine with another BLAS or libm rounding still passes while any
change of algorithm (a count, a status, an iterate off by more than rounding) fails.

Some paths amplify rounding: gradient descent on Beale reaches max_iter after 150 iterations
whose iterates, on another CPU (numpy's AVX-512 ``power`` rounds differently from libm's), part
from the recorded ones by 1e-2 and take 31 more f evaluations. Recording therefore reruns every
case from x0·(1 + 1e-15) and marks a case ``sensitive`` when that run ends with another status,
iteration count or evaluation count; for those the suite compares the status and the trace rows
before the perturbed run parted (``stable_rows``), and ``compare`` still compares them exactly.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from pathlib import Path

HERE = Path(__file__).parent
GOLDEN = HERE / "golden.json"

OURS = ["gd", "newton", "newton-cg", "lbfgs"]
SCIPY = ["scipy:L-BFGS-B", "scipy:BFGS", "scipy:CG", "scipy:Newton-CG", "scipy:trust-ncg", "scipy:trust-krylov"]

#: (label, problem, params, x0, solve keywords)
INSTANCES = [
    ("rosen2", "rosenbrock", {}, None, {}),
    ("rosen10", "rosenbrock", {"n": 10}, None, {}),
    ("rosen-ext20", "rosenbrock", {"n": 20, "variant": "extended"}, None, {}),
    ("rosen-analytic", "rosenbrock", {"n": 4, "derivatives": "analytic"}, None, {}),
    ("quad10", "quadratic", {"n": 10, "cond": 100.0}, None, {}),
    ("quad-tri", "quadratic", {"n": 20, "cond": 50.0, "structure": "tridiagonal"}, None, {}),
    ("beale", "beale", {}, None, {}),
    ("himmelblau", "himmelblau", {}, None, {}),
    ("wood", "wood", {}, None, {}),
    ("powell", "powell-singular", {}, None, {"gtol": 1e-5}),
    ("styblinski", "styblinski-tang", {"n": 3}, None, {}),
    ("camel-saddle", "three-hump-camel", {}, [0.0, 0.0], {}),  # a stationary start
    ("logistic", "logistic", {"n_samples": 60, "n_features": 4}, None, {"gtol": 1e-8}),
    ("rosen-ftol", "rosenbrock", {}, None, {"ftol": 1e-9, "xtol": 1e-12}),
]
MAX_ITER = 150


def cases():
    for label, prob, params, x0, kw in INSTANCES:
        for m in OURS + SCIPY:
            if m.startswith("scipy:") and ("ftol" in kw or "xtol" in kw):
                continue
            yield f"{label}/{m}", prob, params, x0, m, kw


def run_case(prob, params, x0, method, kw) -> dict:
    import numpy as np

    import optbench

    r = optbench.solve(prob, method, params=params, x0=x0, max_iter=MAX_ITER, **kw)
    rows = list(csv.reader(io.StringIO(r.trace.to_csv_string())))
    header = rows[0]
    ti = header.index("time")
    rows = [[c for j, c in enumerate(row) if j != ti] for row in rows]
    return {
        "status": r.status.value,
        "message": r.message,
        "nit": r.nit,
        "counts": [r.nfev, r.njev, r.nhvp, r.nhev],
        "fun": repr(float(r.fun)),
        "x": [repr(float(v)) for v in np.asarray(r.x)],
        "csv": rows,
    }


#: the suite's tolerance for floats (a value that is 0.0 here may be 1e-15 on another CPU)
RTOL, ATOL = 1e-6, 1e-12
PERTURBATION = 1e-15  # a few ulps, as another CPU's rounding of f and ∇f


def _perturbed_x0(prob, params, x0):
    import numpy as np

    from optbench.core.problem import make_problem

    start = np.asarray(x0 if x0 is not None else make_problem(prob, params).x0, dtype=float)
    return start * (1.0 + PERTURBATION)  # (zeros stay: f at x0 is then computed exactly as recorded)


def record_case(prob, params, x0, method, kw) -> dict:
    """run_case, plus whether a perturbation of x0 by a few ulps changes its counts (module docstring)."""
    rec = run_case(prob, params, x0, method, kw)
    other = run_case(prob, params, _perturbed_x0(prob, params, x0), method, kw)
    if any(rec[key] != other[key] for key in ("status", "nit", "counts")):
        rows = [i for i, (a, b) in enumerate(zip(rec["csv"], other["csv"])) if differences(
            {**rec, "csv": [a]}, {**rec, "csv": [b]}, rtol=RTOL, atol=ATOL)]
        rec["sensitive"] = True
        rec["stable_rows"] = rows[0] if rows else min(len(rec["csv"]), len(other["csv"]))
    return rec


def run_all(record: bool = False) -> dict:
    run = record_case if record else run_case
    return {name: run(p, params, x0, m, kw) for name, p, params, x0, m, kw in cases()}


def _num(s):
    try:
        return float(s)
    except ValueError:
        return None


def differences(old: dict, new: dict, rtol: float, atol: float = 0.0) -> list[str]:
    """Human-readable differences between two golden records (floats within rtol or atol equal)."""
    out = []

    def same(a, b):
        if a == b:
            return True
        fa, fb = _num(a), _num(b)
        if rtol == 0 or fa is None or fb is None:
            return False
        if math.isnan(fa) and math.isnan(fb):
            return True
        return abs(fa - fb) <= rtol * max(abs(fa), abs(fb), 1e-300) + atol + 1e-300

    for key in ("status", "nit", "counts"):
        if old[key] != new[key]:
            out.append(f"{key}: {old[key]} -> {new[key]}")
    if rtol == 0 and old["message"] != new["message"]:
        out.append(f"message: {old['message']!r} -> {new['message']!r}")
    if not same(old["fun"], new["fun"]):
        out.append(f"fun: {old['fun']} -> {new['fun']}")
    if len(old["x"]) != len(new["x"]) or not all(same(a, b) for a, b in zip(old["x"], new["x"])):
        out.append("x differs")
    if len(old["csv"]) != len(new["csv"]):
        out.append(f"trace rows: {len(old['csv'])} -> {len(new['csv'])}")
    else:
        for i, (ra, rb) in enumerate(zip(old["csv"], new["csv"])):
            if len(ra) != len(rb) or not all(same(a, b) for a, b in zip(ra, rb)):
                out.append(f"trace row {i}: {ra} -> {rb}")
                break
    return out


def main(argv) -> int:
    from optbench.core.threads import blas_threads

    mode = argv[1] if len(argv) > 1 else "compare"
    with blas_threads(1):  # the CLI's default pinning
        new = run_all(record=mode == "record")
    if mode == "record":
        GOLDEN.write_text(json.dumps(new, indent=0, sort_keys=True) + "\n")
        sensitive = sorted(name for name, rec in new.items() if rec.get("sensitive"))
        print(f"recorded {len(new)} cases in {GOLDEN}; sensitive to a few ulps' change of x0: {', '.join(sensitive)}")
        return 0
    old = json.loads(GOLDEN.read_text())
    bad = 0
    for name in sorted(set(old) | set(new)):
        if name not in old or name not in new:
            print(f"{name}: {'missing now' if name not in new else 'new case'}")
            bad += 1
            continue
        diff = differences(old[name], new[name], rtol=0.0)
        if diff:
            bad += 1
            print(f"{name}: " + "; ".join(diff[:3]))
    print(f"{len(new)} cases, {bad} differ (exact comparison, time column aside)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
