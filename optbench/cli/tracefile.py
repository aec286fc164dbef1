"""A trace that streams to a CSV file while the run goes (``--csv``)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional


@contextmanager
def csv_trace(problem, record_x: bool, memory_rows: int, csv_every: int, path: Optional[Path]) -> Iterator:
    """A :class:`~optbench.core.trace.Trace` for ``problem``, streaming to ``path`` when one is given."""
    from ..core.errors import RunError
    from ..core.trace import Trace

    trace = Trace(problem.n, record_x, problem.f_star, memory_rows=memory_rows, csv_every=csv_every)
    if path is None:
        yield trace
        return
    try:
        handle = open(path, "w", newline="", encoding="utf-8")
    except OSError as e:
        raise RunError(f"--csv '{path}' cannot be written: {e.strerror}") from None
    try:
        trace.add_sink(handle)
        yield trace
    finally:
        handle.close()
