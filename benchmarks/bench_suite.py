"""optbench vs scipy.optimize on the same problems, the same autograd derivatives and counters.

    python benchmarks/bench_suite.py [--quick] [--json FILE] [--max-n N] [--max-time S]
                                     [--repeats K] [--min-total S] [--threads T]

Prints one table (our method, then each scipy reference with the ratio ours / reference of
wall time and of gradient-equivalents, ‖∇f‖∞ recomputed at the returned x and whether it is
≤ gtol) and, with --json, writes the records with the versions, machine, date and git commit
so results can be compared across commits. The cases, the stopping rule on each side and the
timing method are described in optbench/bench.py; results are in docs/performance.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console  # noqa: E402

from optbench.bench.environment import environment  # noqa: E402
from optbench.bench.suite import run_suite, suite_cases  # noqa: E402
from optbench.cli.bench_render import publish, suite_markdown, suite_table  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small cases only (about half a minute)")
    ap.add_argument("--json", metavar="FILE", help="write the records and the environment as JSON")
    ap.add_argument("--max-n", type=int, default=None, help="skip cases whose dimension exceeds N")
    ap.add_argument("--max-time", type=float, default=60.0, help="time budget per run in seconds (default 60)")
    ap.add_argument("--repeats", type=int, default=None, help="runs per method (default: enough for --min-total)")
    ap.add_argument("--min-total", type=float, default=0.5, help="repeat short runs until they add up to S seconds")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table instead (for docs)")
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1; 0 leaves them alone)")
    args = ap.parse_args(argv)
    out, err = Console(width=None if sys.stdout.isatty() else 170), Console(stderr=True)
    note = err if args.markdown else out  # keep stdout pure Markdown with --markdown
    threads = args.threads or None
    cases = suite_cases(quick=args.quick, max_n=args.max_n)
    t0 = time.perf_counter()
    records = run_suite(cases, max_time=args.max_time, repeats=args.repeats, min_total=args.min_total,
                        threads=threads, progress=lambda s: err.print(f"[dim]… {s}[/dim]"))
    env = environment(threads)
    table = suite_table(records, f"optbench vs scipy.optimize — {env['date']}, {env['machine']['cpus']} CPUs, "
                                 f"BLAS threads {threads or 'default'}")
    note.print(f"{len(records)} runs in {time.perf_counter() - t0:.1f} s")
    publish("suite", records, env, table=table, markdown=suite_markdown(records), as_markdown=args.markdown, json_path=args.json,
            settings={k: v for k, v in vars(args).items() if k not in ("json", "markdown")}, out=out, note=note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
