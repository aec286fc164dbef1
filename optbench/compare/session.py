"""One comparison end to end: check the grid, claim the run directory, run, keep every result, draw.

:func:`run_comparison` is what ``optbench compare`` calls (and what a script would): it
expands and checks the grid before anything is written, writes the manifest, runs the
grid with :func:`~optbench.compare.executors.run_grid` (serial, processes or Dask),
streams every finished run into the run directory, finishes the manifest, and draws the
figures. Progress flows out through ``on_start``/``on_done`` callbacks; nothing here prints.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from ..core.errors import UsageError
from .executors import GridOutcome, connect_dask, not_run, run_grid
from .grid import PERTURBATION_SCALE, Budgets, RunSpec, expand_grid, with_backends
from .profiles import COST_MODEL


@dataclass
class Comparison:
    """What a comparison left: its run directory, state, records and summary rows, and the figures drawn."""

    run_dir: Path
    state: str
    specs: list
    records: list
    rows: list
    interrupted: bool
    plots: list = field(default_factory=list)
    plot_error: Optional[str] = None
    finished_runs: int = 0
    reused_runs: int = 0  # taken from the run directory's kept runs (resume)
    ran_runs: int = 0  # run by this comparison


def manifest_for(problems: list[str], methods: list[str], options: dict, grid: dict, seeds: Optional[int],
                 specs: list[RunSpec], budgets: Budgets, files: tuple, jobs: int, dask: Optional[str],
                 argv: Optional[list[str]] = None) -> dict:
    """The manifest of a comparison: what was asked, with what, on which machine."""
    from .rundir import command_line, machine, now_iso, versions

    return {
        "command": command_line(), "argv": list(sys.argv[1:] if argv is None else argv), "cwd": str(Path.cwd()),
        "start": now_iso(), "problems": list(problems), "problem_files": list(files), "param_grid": grid,
        "methods": methods, "options": options, "seeds": seeds,
        "seed_modes": {s.problem: s.seed_mode for s in specs},
        "perturbation": {"scale": PERTURBATION_SCALE,
                         "rule": "seed s > 0 without a problem seed parameter: x0_i + scale*(1+|x0_i|)*xi_i, "
                                 "xi ~ N(0, I) from numpy.random.default_rng(s)"},
        "budgets": budgets.as_dict(),
        "backends": list(dict.fromkeys(s.backend for s in specs)) or ["autograd"],
        "executor": {"kind": "dask" if dask else ("processes" if jobs > 1 else "serial"), "jobs": jobs, "dask": dask},
        "cost_model": f"{COST_MODEL} (gradient-equivalents)",
        "versions": versions(), "machine": machine(),
    }


def run_comparison(
    problems: list[str],
    methods: list[str],
    *,
    options: Optional[dict[str, dict]] = None,
    param_grid: Optional[dict[str, list]] = None,
    seeds: Optional[int] = None,
    budgets: Budgets = Budgets(),
    out: Optional[Path] = None,
    jobs: int = 1,
    dask: Optional[str] = None,
    plots: bool = True,
    problem_files: tuple = (),
    resume: bool = False,
    argv: Optional[list[str]] = None,
    on_start: Optional[Callable[[RunSpec], None]] = None,
    on_done: Optional[Callable[[Any], None]] = None,
    on_plan: Optional[Callable[[list], None]] = None,
    backends: Any = ("autograd",),
) -> Comparison:
    """Run ``methods`` on the grid of ``problems`` × ``param_grid`` × ``seeds``; keep it all in a run directory.

    ``backends``: autograd, jax or both (a grid axis, innermost); runs off autograd are labelled
    ``method@backend``.

    ``resume``: ``out`` may already hold a comparison; the runs it keeps complete with the same
    key (:mod:`optbench.compare.cache`) are reused, only the others run, and the directory's
    summary, traces, manifest and figures are rewritten for this grid (kept + new runs).
    """
    from ..core.backends import check_backends, load_jax
    from .rundir import default_run_dir, prepare_run_dir, release_run_dir

    if not isinstance(jobs, int) or jobs < 1:
        raise UsageError(f"{{field}} must be a positive integer, got {jobs!r}", field="jobs", value=jobs)
    if dask is not None and jobs != 1:
        raise UsageError("give either {field} or --dask, not both", field="jobs", value=jobs)
    options = options or {m: {} for m in methods}
    grid = dict(param_grid or {})
    files = tuple(str(Path(p).resolve()) for p in problem_files)
    backends = check_backends(backends)
    if "jax" in backends:
        load_jax()  # not installed: one line naming the install command, before anything is written
    specs = with_backends(expand_grid(list(problems), grid, seeds, methods, options, files), backends)
    if resume and out is None:
        raise UsageError("resuming needs the run directory to resume: give {field} DIR", field="out")
    client = connect_dask(dask) if dask is not None else None  # connect before anything is written
    name = "-".join(Path(p.split(":")[-1]).stem for p in problems)
    run_dir = prepare_run_dir(out if out is not None else default_run_dir(name), resume=resume)
    try:
        reused = _kept_runs(run_dir, specs, budgets) if resume else []
        if on_plan is not None:
            done_ids = {r.spec.run_id for r in reused}
            on_plan([s for s in specs if s.run_id not in done_ids])
        return _run_claimed(run_dir, problems, methods, options, grid, seeds, specs, budgets, files, jobs, dask,
                            client, argv, plots, on_start, on_done, reused)
    finally:
        if client is not None:
            client.close()
        release_run_dir(run_dir)


def _kept_runs(run_dir: Path, specs: list, budgets: Budgets) -> list:
    """The records ``run_dir`` keeps complete for ``specs`` (:func:`optbench.compare.cache.load`)."""
    from .cache import load

    return [rec for rec in (load(run_dir, s, budgets) for s in specs) if rec is not None]


def _run_claimed(run_dir, problems, methods, options, grid, seeds, specs, budgets, files, jobs, dask, client, argv,
                 plots, on_start, on_done, reused) -> Comparison:
    from .cache import store
    from .rundir import RunWriter, summary_row

    manifest = manifest_for(problems, methods, options, grid, seeds, specs, budgets, files, jobs, dask, argv)
    kept = {r.spec.run_id: r for r in reused}
    todo = [s for s in specs if s.run_id not in kept]
    manifest.update(reused_runs=len(kept), ran_runs=0)  # ran_runs counts the runs this command carried out
    writer = RunWriter(run_dir, manifest, specs)
    if kept:
        writer.add_reused(list(kept.values()))
    finished: dict = {}

    def done(rec) -> None:
        finished[rec.spec.run_id] = rec
        writer.manifest["ran_runs"] = len(finished)
        writer.add(rec)
        store(run_dir, rec, budgets)
        if on_done is not None:
            on_done(rec)

    try:
        outcome = run_grid(todo, budgets, jobs=jobs, dask=client, on_start=on_start, on_done=done)
    except KeyboardInterrupt:  # a second Ctrl-C while the executor was winding down
        why = "the comparison was interrupted before this run finished"
        outcome = GridOutcome([finished.get(s.run_id) or not_run(s, why) for s in todo], True)
    ran = {r.spec.run_id: r for r in outcome.records}
    records = [kept.get(s.run_id) or ran[s.run_id] for s in specs]
    writer.finish(records, outcome.interrupted)
    rows = [summary_row(r) for r in records]
    result = Comparison(run_dir, writer.manifest["state"], specs, records, rows, outcome.interrupted,
                        finished_runs=writer.manifest["finished_runs"], reused_runs=len(kept),
                        ran_runs=len(finished))
    if plots:
        try:
            from .plots import render_all

            result.plots = render_all(run_dir, rows, {r.spec.run_id: r.trace for r in records},
                                      gtol=budgets.gtol)
        except Exception as e:  # noqa: BLE001 - the results are kept even if a figure fails
            result.plot_error = f"{type(e).__name__}: {e}"
    return result
