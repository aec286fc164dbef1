"""Start-up wall time of the command line, min of N subprocess runs (issue 15, item 5).

    python benchmarks/bench_startup.py [--repeats 10] [--importtime]

Each command runs ``repeats`` times in a fresh interpreter (``python -m optbench ...``, this
checkout first on PYTHONPATH), interleaved round-robin so load drift hits all of them alike;
the minimum wall time of each is reported, and the minimum CPU time (user + system of the
child; on a busy machine closer to the idle wall time than the wall time is), with ``python -c pass`` as the interpreter's own
floor and the issue's targets (--help ≤ 0.25 s, solve rosenbrock --method newton ≤ 0.8 s on
an idle 2-core machine). ``--importtime`` also prints the ten most expensive imports of
``--help`` (``python -X importtime``, cumulative microseconds) and the heavy modules it loads.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))

COMMANDS = [
    ("python -c pass", ["-c", "pass"], None),
    ("optbench --version", ["-m", "optbench", "--version"], None),
    ("optbench --help", ["-m", "optbench", "--help"], 0.25),
    ("optbench solve --help", ["-m", "optbench", "solve", "--help"], None),
    ("optbench list", ["-m", "optbench", "list"], None),
    ("optbench solve rosenbrock --method newton", ["-m", "optbench", "solve", "rosenbrock", "--method", "newton"], 0.8),
]

HEAVY = ("numpy", "scipy", "autograd", "matplotlib", "jax")


def wall(args: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run; CPU = the child's user + system time, less sensitive to other load."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, *args], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    t = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return t, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def importtime(args: list[str], top: int = 10) -> None:
    proc = subprocess.run([sys.executable, "-X", "importtime", *args], env=ENV, capture_output=True, text=True)
    rows = []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            self_us, cum_us, name = line.split(":", 1)[1].split("|")
            rows.append((int(cum_us), int(self_us), name.rstrip()))
    loaded = {name.strip().split(".")[0] for _, _, name in rows}
    print(f"\nslowest imports of `{' '.join(args[1:])}` (cumulative µs, self µs):")
    for cum, self_us, name in sorted(rows, reverse=True)[:top]:
        print(f"  {cum:>8} {self_us:>8}  {name}")
    print("heavy modules loaded:", ", ".join(m for m in HEAVY if m in loaded) or "none")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--importtime", action="store_true", help="also list the slowest imports of --help")
    args = ap.parse_args(argv)
    best = {label: (math.inf, math.inf) for label, _, _ in COMMANDS}
    for _ in range(args.repeats):
        for label, cmd, _ in COMMANDS:
            w, c = wall(cmd)
            best[label] = (min(best[label][0], w), min(best[label][1], c))
    print(f"start-up, min of {args.repeats} runs (s)   load average {os.getloadavg()[0]:.2f}")
    print("     wall      CPU")
    for label, _, target in COMMANDS:
        w, c = best[label]
        tail = "" if target is None else f"   target ≤ {target:g} s (wall, idle): {'met' if w <= target else 'NOT met'}"
        print(f"  {w:7.3f}  {c:7.3f}  {label}{tail}")
    if args.importtime:
        importtime(["-m", "optbench", "--help"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
