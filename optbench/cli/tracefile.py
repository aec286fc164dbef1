"""A trace that streams to a CSV file while the run goes (``--csv``).

The file only ever holds complete rows: rows are buffered and written with ``os.write``;
when a write fails (disk full, ``ulimit -f``, ``/dev/full``) the file is cut back to the
end of the last complete row, the sink is dropped (the run goes on and its result is still
printed) and :attr:`CsvFile.rows` is the true number of data rows in the file.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional


class CsvFile:
    """A text stream for ``csv.writer`` that writes whole rows or nothing, and counts them."""

    def __init__(self, path: Path):
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        self._pending: list[str] = []
        self._lines = 0  # complete lines (header included) in the file
        self._good = 0  # bytes in the file that end on a line boundary
        self.error: Optional[OSError] = None

    @property
    def rows(self) -> int:
        """Data rows in the file (the header not counted)."""
        return max(self._lines - 1, 0)

    def write(self, text: str) -> int:  # csv.writer writes one whole row per call
        self._pending.append(text)
        return len(text)

    def flush(self) -> None:
        if not self._pending or self.error is not None:
            return
        pending, self._pending = self._pending, []
        try:
            self._write("".join(pending).encode("utf-8"), len(pending))
        except BaseException as e:  # noqa: BLE001 - a timer or Ctrl-C may land mid-write
            if not isinstance(e, OSError):  # interrupted mid-write: no cut row; the rows wait for the next flush
                self._truncate()
                self._pending = pending + self._pending
                raise
            self._truncate()  # then keep as many whole rows as still fit, one at a time
            try:
                for line in pending:
                    self._write(line.encode("utf-8"), 1)
            except OSError as e:
                self.error = e
                self._truncate()
                raise

    def _write(self, data: bytes, lines: int) -> None:
        """All of ``data`` or, on an exception, nothing counted (the caller cuts the file back)."""
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]
        self._good += len(data)
        self._lines += lines

    def _truncate(self) -> None:
        """Cut the file back to the end of the last complete row."""
        try:
            os.ftruncate(self.fd, self._good)
            os.lseek(self.fd, self._good, os.SEEK_SET)
        except OSError:
            pass

    def close(self) -> None:
        os.close(self.fd)


@contextmanager
def csv_trace(problem, record_x: bool, memory_rows: int, csv_every: int, path: Optional[Path]) -> Iterator:
    """A :class:`~optbench.core.trace.Trace` for ``problem``, streaming to ``path`` when one is given.

    The trace's ``sink`` attribute is the :class:`CsvFile` (``None`` without a path).
    """
    from ..core.errors import RunError
    from ..core.trace import Trace

    trace = Trace(problem.n, record_x, problem.f_star, memory_rows=memory_rows, csv_every=csv_every)
    trace.sink = None
    if path is None:
        yield trace
        return
    try:
        handle = CsvFile(path)
    except OSError as e:
        raise RunError(f"{{field}} '{path}' cannot be written: {e.strerror}", field="csv", value=str(path)) from None
    try:
        trace.sink = handle
        trace.add_sink(handle)
        yield trace
    finally:
        handle.close()
