"""A live progress line for runs that take more than a moment (stderr, terminals only)."""

from __future__ import annotations

import time
from typing import Any, Optional


class RunProgress:
    """Callback for the driver: after ``delay`` seconds shows iteration, f and ‖∇f‖ and how much of
    the budget is used — ``iter 120/10000`` and, with a time budget, ``1.2/10 s`` — refreshed ≤ 10×/s."""

    def __init__(self, console: Any, label: str, enabled: bool = True, delay: float = 0.5,
                 max_iter: Optional[int] = None, max_time: Optional[float] = None):
        self.console = console
        self.label = label
        self.enabled = enabled and console.is_terminal
        self.delay = delay
        self.max_iter, self.max_time = max_iter, max_time
        self.start = time.perf_counter()
        self.last = 0.0
        self.status: Optional[Any] = None

    def text(self, rec: dict, elapsed: float) -> str:
        """The progress line for trace row ``rec`` at ``elapsed`` seconds."""
        it = f"iter {rec['iter']}" + (f"/{self.max_iter}" if self.max_iter else "")
        if self.max_iter:
            it += f" ({100 * rec['iter'] / self.max_iter:.0f}%)"
        clock = f"{elapsed:.1f}/{self.max_time:g} s" if self.max_time else f"{elapsed:.1f} s"
        return f"{self.label}: {it}  f = {rec['f']:.6g}  ‖∇f‖ = {rec['grad_norm']:.3g}  {clock}"

    def __call__(self, rec: dict) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self.start < self.delay or now - self.last < 0.1:
            return
        self.last = now
        text = self.text(rec, now - self.start)
        if self.status is None:
            self.status = self.console.status(text)
            self.status.start()
        else:
            self.status.update(text)

    def stop(self) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None


class _GridProgress:
    """Callbacks for a comparison: the run that started, and each finished run with its status."""

    def __init__(self, progress: Any, task: Any, where: str):
        self.progress, self.task, self.where = progress, task, where

    def planned(self, specs) -> None:
        self.progress.update(self.task, total=len(specs), description=f"running {len(specs)} runs {self.where}".strip())

    def started(self, spec) -> None:
        self.progress.update(self.task, description=f"{spec.instance} · {spec.label}")

    def done(self, rec) -> None:
        self.progress.update(self.task, advance=1,
                             description=f"{rec.spec.instance} · {rec.spec.label}: {rec.status}")


class grid_progress:  # noqa: N801 - used as a context manager, like rich's own
    """``with grid_progress(console, where, enabled) as p:`` — a rich progress bar over a grid's runs."""

    def __init__(self, console: Any, where: str, enabled: bool):
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)

        self.progress = Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                                 console=console, disable=not enabled, transient=False)
        self.where = where
        self.task = None

    def __enter__(self) -> _GridProgress:
        if not self.progress.disable:  # a disabled rich Progress may still write a newline when it stops
            self.progress.__enter__()
        self.task = self.progress.add_task(f"running runs {self.where}".strip(), total=None)
        return _GridProgress(self.progress, self.task, self.where)

    def __exit__(self, *exc) -> None:
        if not self.progress.disable:
            self.progress.__exit__(*exc)
