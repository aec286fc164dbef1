"""A small process pool that survives its workers: one run per worker at a time, per-run deadlines.

``concurrent.futures.ProcessPoolExecutor`` cannot stop one task, and when one worker dies
it breaks the whole pool (every unfinished run fails). This pool keeps one pipe and one
process per worker and gives each worker one run at a time, so the parent always knows
which run a worker holds:

* a worker that dies (killed by a signal, ``os._exit`` in f, a crash in an extension) marks
  only the run it held, as ``crashed`` with its exit code or signal; the worker is replaced
  and the queued runs go on;
* with ``max_time``, a run still going ``GRACE`` seconds after its deadline (f blocked in a
  call the in-process timer cannot interrupt) is stopped by killing its worker: status
  ``max_time``, its trace lost, the worker replaced;
* Ctrl-C (or an interrupted run) stops handing out runs; the runs in flight get a moment
  to finish, then SIGINT (they end ``interrupted`` with their partial trace), then SIGKILL.

Workers start with ``forkserver`` where available (``spawn`` otherwise).
"""

from __future__ import annotations

import collections
import multiprocessing
import os
import signal
import time
from multiprocessing.connection import wait
from typing import Callable, Optional

from ..core.status import Status
from .grid import Budgets, RunRecord, RunSpec

#: seconds a run may overrun ``max_time`` (its own timer fires at max_time) before its worker is killed
GRACE = 2.0
#: seconds the runs in flight get to finish after an interruption, before SIGINT, then SIGKILL
WIND_DOWN = 2.0

_PRELOAD = ["optbench.compare.executors", "optbench.core.driver", "optbench.solvers.registry",
            "scipy.optimize", "scipy.linalg", "threadpoolctl"]


def _context():
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":  # workers fork from a server that imported what runs need
        ctx.set_forkserver_preload(_PRELOAD)
    return ctx


def _serve(conn) -> None:
    """Worker main loop: receive (index, spec, budgets), send back (index, record); None ends it."""
    from .executors import execute

    try:
        while True:
            task = conn.recv()
            if task is None:
                return
            i, spec, budgets = task
            conn.send((i, execute(spec, budgets)))
    except (KeyboardInterrupt, EOFError, BrokenPipeError):
        return


class _Worker:
    def __init__(self, ctx):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self.task: Optional[int] = None  # index of the spec it holds
        self.deadline: Optional[float] = None

    def give(self, i: int, spec: RunSpec, budgets: Budgets) -> None:
        self.task = i
        self.deadline = None if budgets.max_time is None else time.monotonic() + budgets.max_time + GRACE
        self.conn.send((i, spec, budgets))

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(1)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.conn.close()


def death_message(exitcode: Optional[int]) -> str:
    """``killed by signal 9 (SIGKILL)`` or ``exited with code 3``: how a worker died."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = "unknown"
        how = f"was killed by signal {-exitcode} ({name})"
    else:
        how = f"exited with code {exitcode}"
    return (f"the worker process running this run {how} (os._exit or a crash in f or an extension); "
            "the other runs went on in a new worker")


def run_pool(specs: list[RunSpec], budgets: Budgets, jobs: int, done: Callable[[RunRecord], bool]) -> bool:
    """Run ``specs`` in ``jobs`` worker processes; ``done(record)`` returns True to stop. Returns interrupted."""
    ctx = _context()
    queue = collections.deque(range(len(specs)))
    workers = [_Worker(ctx) for _ in range(min(jobs, len(specs)))]
    interrupted = False

    def finish(w: _Worker, rec: RunRecord) -> bool:
        w.task, w.deadline = None, None
        return done(rec)

    def collect(ready, busy) -> bool:
        """Take results and deaths among ``busy``; True when a record asks to stop."""
        stop = False
        for w in busy:
            if w.conn in ready or w.process.sentinel in ready:
                rec = None
                try:
                    if w.conn.poll():
                        _, rec = w.conn.recv()
                except (EOFError, OSError):
                    rec = None
                if rec is not None:
                    stop = finish(w, rec) or stop
                elif not w.process.is_alive() or w.process.sentinel in ready:
                    w.process.join(5)
                    rec = RunRecord(specs[w.task], Status.CRASHED.value, death_message(w.process.exitcode))
                    stop = finish(w, rec) or stop
                    w.kill()
                    workers[workers.index(w)] = _Worker(ctx) if not interrupted else w
        return stop

    try:
        while True:
            for w in workers:
                if w.task is None and queue and not interrupted:
                    if not w.process.is_alive():  # died while idle: replace it
                        w.kill()
                        workers[workers.index(w)] = w = _Worker(ctx)
                    i = queue.popleft()
                    w.give(i, specs[i], budgets)
            busy = [w for w in workers if w.task is not None]
            if not busy:
                break
            now = time.monotonic()
            deadlines = [w.deadline for w in busy if w.deadline is not None]
            timeout = max(0.0, min(deadlines) - now) if deadlines else None
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout)
            if collect(ready, busy):
                interrupted = True
                break
            now = time.monotonic()
            for w in [w for w in workers if w.task is not None and w.deadline is not None and now >= w.deadline]:
                if w.conn.poll():  # it answered just in time
                    continue
                w.kill()
                rec = RunRecord(specs[w.task], Status.MAX_TIME.value,
                                f"still running {GRACE:g} s after max_time = {budgets.max_time:g} s (f did not "
                                "return to the solver's timer); its worker was stopped and replaced, its trace is lost")
                workers[workers.index(w)] = _Worker(ctx)
                if finish(w, rec):
                    interrupted = True
                    break
            if interrupted:
                break
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if interrupted:
            _wind_down(workers, collect)
        for w in workers:
            if w.task is None:
                w.stop()
            else:
                w.kill()
    return interrupted


def _wind_down(workers, collect) -> None:
    """After an interruption: let the runs in flight finish, then SIGINT them, then give up on them."""
    for phase in ("wait", "sigint"):
        end = time.monotonic() + WIND_DOWN
        while True:
            busy = [w for w in workers if w.task is not None and w.process.is_alive()]
            left = end - time.monotonic()
            if not busy or left <= 0:
                break
            try:
                collect(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], left), busy)
            except (KeyboardInterrupt, Exception):  # noqa: BLE001 - winding down: keep what can be kept
                pass
        busy = [w for w in workers if w.task is not None and w.process.is_alive()]
        if not busy:
            return
        if phase == "wait":
            for w in busy:
                try:
                    os.kill(w.process.pid, signal.SIGINT)
                except OSError:
                    pass
