"""A hard wall-clock limit for one run: a timer in the main thread that interrupts f.

The budget ``max_time`` is checked between iterations by the loop; an objective that blocks
(a sleep, a deadlock, a slow call) would never reach that check. When ``max_time`` is given
and the run is in the main thread of its process, :func:`hard_deadline` arms
``signal.setitimer(ITIMER_REAL)``; at the deadline its SIGALRM handler raises
:class:`Deadline` wherever Python code is running (a call into C returns first), and the
driver turns that into status ``max_time`` with the trace so far. The previous handler is
restored and the timer cleared on exit. Without ``max_time``, elsewhere than the main
thread, on a platform without ``setitimer``, or when another itimer is already running, it
does nothing: the between-iteration check is the only limit (compare's worker pool stops a
run that overruns from outside, see :mod:`optbench.compare.pool`).
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator, Optional


class Deadline(BaseException):
    """Raised by the timer at the deadline (a BaseException, so an objective's ``except Exception`` lets it by)."""


@contextmanager
def hard_deadline(seconds: Optional[float]) -> Iterator[bool]:
    """Arm a timer raising :class:`Deadline` after ``seconds``; yields whether it is armed."""
    if (seconds is None or not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()
            or signal.getitimer(signal.ITIMER_REAL)[0] > 0):
        yield False
        return

    def alarm(signum, frame):
        raise Deadline

    old = signal.signal(signal.SIGALRM, alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, max(float(seconds), 1e-3))
        yield True
    finally:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            signal.signal(signal.SIGALRM, old)
