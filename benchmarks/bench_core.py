"""Core micro-benchmarks: derivative costs, dense Hessians, driver overhead, CLI start-up.

    python benchmarks/bench_core.py [--json FILE] [--sizes 10,1000,100000,1000000]
                                    [--hessian-n 1000] [--no-cli] [--repeats K] [--threads T]

Per-call times are the minimum over K samples of an auto-ranged loop (time.perf_counter);
the CLI times are the minimum of K subprocess runs. Each row is a ratio against a baseline
measured in the same run, with the target from issue 7 where it sets one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console  # noqa: E402

from optbench.bench.core import run_core  # noqa: E402
from optbench.bench.environment import environment  # noqa: E402
from optbench.cli.bench_render import core_markdown, core_table, publish  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", metavar="FILE", help="write the records and the environment as JSON")
    ap.add_argument("--sizes", default="10,1000,100000,1000000", help="n for the derivative ratios")
    ap.add_argument("--hessian-n", type=int, default=1000, help="n of the dense Hessian (0 skips it)")
    ap.add_argument("--driver-iters", type=int, default=5000, help="iterations of the overhead run (0 skips it)")
    ap.add_argument("--no-cli", action="store_true", help="skip the CLI start-up timings")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table instead (for docs)")
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1; 0 leaves them alone)")
    args = ap.parse_args(argv)
    out, err = Console(width=None if sys.stdout.isatty() else 170), Console(stderr=True)
    note = err if args.markdown else out  # keep stdout pure Markdown with --markdown
    try:
        sizes = [int(float(s)) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        err.print(f"--sizes must be comma-separated integers like 10,1000, got '{args.sizes}'")
        return 2
    threads = args.threads or None
    records = run_core(sizes, hessian_n=args.hessian_n, driver_iters=args.driver_iters, repeats=args.repeats,
                       cli=not args.no_cli, threads=threads, progress=lambda s: err.print(f"[dim]… {s}[/dim]"))
    env = environment(threads)
    table = core_table(records, f"core micro-benchmarks — {env['date']}, BLAS threads {threads or 'default'}")
    publish("core", records, env, table=table, markdown=core_markdown(records), as_markdown=args.markdown, json_path=args.json,
            settings={k: v for k, v in vars(args).items() if k not in ("json", "markdown")}, out=out, note=note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
