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
from the recorded ones by 1e-2 and take 31 more f evaluations. Recording therefore also runs
every case the ways another machine would: from x0·(1 + 1e-15), and in two subprocesses with
numpy's and OpenBLAS's vector kernels switched to older CPUs' (``NPY_DISABLE_CPU_FEATURES``,
``OPENBLAS_CORETYPE``: AVX2 and Sandybridge; no dispatch and Prescott). A case whose status,
iteration count or evaluation count differs in any of these is marked ``sensitive``; for it the
suite compares the trace rows before the first of those runs parted
(``stable_rows``: the rows before any of them differs by 1e-10, a margin against CPUs not
tried). A case whose counts hold but whose floats drift that far (long L-BFGS runs) keeps its
exact status and counts and has its floats compared up to that row (``float_rows``).
``compare`` still compares every case exactly on the recording machine.
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
#: rows count as parted where the runs differ by MARGIN·RTOL already: rounding differences grow
#: along a sensitive path, and another CPU than the ones tried may start them a little earlier
MARGIN = 1e-4
PERTURBATION = 1e-15  # a few ulps, as another CPU's rounding of f and ∇f


def _perturbed_x0(prob, params, x0):
    import numpy as np

    from optbench.core.problem import make_problem

    start = np.asarray(x0 if x0 is not None else make_problem(prob, params).x0, dtype=float)
    return start * (1.0 + PERTURBATION)  # (zeros stay: f at x0 is then computed exactly as recorded)


def _parting(rec: dict, other: dict) -> tuple[bool, int | None]:
    """(do status or counts differ?, the first trace row whose floats differ beyond RTOL/ATOL, or None)."""
    counts = any(rec[key] != other[key] for key in ("status", "nit", "counts"))
    rows = [i for i, (a, b) in enumerate(zip(rec["csv"], other["csv"]))
            if differences({**rec, "csv": [a]}, {**rec, "csv": [b]}, rtol=MARGIN * RTOL, atol=ATOL)]
    if rows:
        return counts, rows[0]
    if counts or differences({**rec, "csv": []}, {**other, "csv": []}, rtol=RTOL, atol=ATOL):
        return counts, min(len(rec["csv"]), len(other["csv"]))
    return counts, None


def kernel_environments() -> list[dict]:
    """Environments that make this machine's numpy and OpenBLAS round like older CPUs' (module docstring)."""
    import os
    import platform

    try:
        try:
            from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
        except ImportError:  # numpy < 2
            from numpy.core._multiarray_umath import __cpu_dispatch__, __cpu_features__
        have = [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]  # ascending, as numpy lists them
    except Exception:  # noqa: BLE001 - a numpy without these names: OpenBLAS's kernels only
        have = []
    wide = next((i for i, f in enumerate(have) if "512" in f or f == "X86_V4"), len(have))  # AVX-512 on
    x86 = platform.machine().lower() in ("x86_64", "amd64")
    envs = []
    for disable, coretype in ((have[wide:], "Sandybridge"), (have, "Prescott")):
        env = dict(os.environ, NPY_DISABLE_CPU_FEATURES=" ".join(disable))
        if x86:
            env["OPENBLAS_CORETYPE"] = coretype
        envs.append(env)
    return envs


def record_all() -> dict:
    """Every case, marked ``sensitive`` where a few ulps of x0 or another CPU's kernels change its counts."""
    import subprocess

    recs = run_all()
    others = [{name: run_case(p, params, _perturbed_x0(p, params, x0), m, kw)
               for name, p, params, x0, m, kw in cases()}]
    for env in kernel_environments():
        out = subprocess.run([sys.executable, __file__, "dump"], env=env, capture_output=True, text=True, check=True)
        others.append(json.loads(out.stdout))
    for name, rec in recs.items():
        partings = [_parting(rec, other[name]) for other in others]
        rows = [row for _, row in partings if row is not None]
        if any(counts for counts, _ in partings):
            rec["sensitive"] = True
            rec["stable_rows"] = min(rows)
        elif rows:  # the same counts, but floats that drift past RTOL from this row on
            rec["float_rows"] = min(rows)
    return recs


def run_all() -> dict:
    return {name: run_case(p, params, x0, m, kw) for name, p, params, x0, m, kw in cases()}


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
        new = record_all() if mode == "record" else run_all()
    if mode == "dump":  # (record's subprocesses)
        print(json.dumps(new))
        return 0
    if mode == "record":
        GOLDEN.write_text(json.dumps(new, indent=0, sort_keys=True) + "\n")
        sensitive = sorted(name for name, rec in new.items() if rec.get("sensitive"))
        print(f"recorded {len(new)} cases in {GOLDEN}; sensitive to x0's last bits or to the CPU: {', '.join(sensitive)}")
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
