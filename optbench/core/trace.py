"""The convergence trace: one record per iteration (including iteration 0), fixed columns.

Columns (the CSV header and the table use the same names):

========== ==========================================================
iter       iteration number k (0 is the starting point)
time       seconds since the run started
f          f(x_k)
f_minus_fstar  f(x_k) − f* when f* is known, empty otherwise
grad_norm  ‖∇f(x_k)‖ in the norm of the gradient test (∞-norm by default)
step       ‖x_k − x_{k−1}‖₂ (empty at k = 0)
alpha      line-search step length t_{k−1} (empty at k = 0; trust-region methods: 1 accepted, 0 rejected)
nfev       calls of f so far (including those inside derivative computations)
ngev       gradients so far
nhvp       Hessian-vector products so far
nhev       dense Hessians so far
inner_iter inner iterations of this step (CG iterations for newton-cg)
radius     trust radius Δ the step was computed with (trust-region methods; empty otherwise)
note       what the step did that is worth knowing (Hessian modified, negative curvature, …)
x_1 … x_n  the iterate, when the trace records x (default for n ≤ 10)
========== ==========================================================
"""

from __future__ import annotations

import csv
import io
import math
import time
from typing import Any, Iterable, Optional, TextIO

import numpy as np

COLUMNS = (
    "iter",
    "time",
    "f",
    "f_minus_fstar",
    "grad_norm",
    "step",
    "alpha",
    "nfev",
    "ngev",
    "nhvp",
    "nhev",
    "inner_iter",
    "radius",
    "note",
)


def x_columns(n: int) -> list[str]:
    return [f"x_{i}" for i in range(1, n + 1)]


def log_spaced(k: int, per_decade: int) -> bool:
    """True for about ``per_decade`` iterations k per decade (1–10, 10–100, …): the sampling grid."""
    return k < per_decade or math.floor(per_decade * math.log10(k + 1)) > math.floor(per_decade * math.log10(k))


class Trace:
    """Column-oriented store of trace records; optionally streams each record to a CSV file.

    Long runs: with ``memory_rows=K`` the store keeps the first K records, then
    log-spaced ones (K/10 per decade of iterations, at least 10), and always the
    latest — so a run of millions of iterations holds a few thousand rows while the
    streamed CSV still gets every record (or every ``csv_every``-th one, plus the
    last, when asked). ``total`` counts all records, stored or not.
    """

    #: CSV sinks are flushed at most this often (seconds) and when the trace is finished.
    FLUSH_INTERVAL = 0.2

    def __init__(
        self,
        n: int,
        record_x: bool,
        f_star: Optional[float] = None,
        memory_rows: Optional[int] = None,
        csv_every: int = 1,
    ):
        if memory_rows is not None and memory_rows < 1:
            raise ValueError(f"memory_rows must be ≥ 1, got {memory_rows}")
        if csv_every < 1:
            raise ValueError(f"csv_every must be ≥ 1, got {csv_every}")
        self.n = n
        self.record_x = record_x
        self.f_star = f_star
        self.memory_rows = memory_rows
        self.csv_every = csv_every
        self.columns: list[str] = list(COLUMNS) + (x_columns(n) if record_x else [])
        self.data: dict[str, list] = {c: [] for c in COLUMNS}
        self.xs: list[np.ndarray] = []
        self.total = 0  # records appended, stored or not
        self.csv_rows = 0  # records written to each sink
        self._tail_is_sample = False  # the newest stored row is kept only as "the latest"
        self._sinks: list[Any] = []
        self.sink_errors: list[tuple[Any, OSError]] = []  # (stream, error) of sinks dropped after a failed write
        self._unwritten: Optional[list] = None  # newest record, when csv_every skipped it
        self._flushed = time.monotonic()

    def __len__(self) -> int:
        return len(self.data["iter"])

    def add_sink(self, stream: TextIO) -> None:
        """Stream records (and the header now) to ``stream`` as CSV; records already stored are written first."""
        writer = csv.writer(stream)
        try:
            writer.writerow(self.columns)
            for i in range(len(self)):
                writer.writerow(self._csv_row(i))
            self.csv_rows = len(self)
            stream.flush()
        except OSError as e:
            self.sink_errors.append((stream, e))
            return
        self._sinks.append((writer, stream))

    def _keep(self, k: int) -> bool:
        if self.memory_rows is None or self.total <= self.memory_rows:
            return True
        return log_spaced(k, max(10, self.memory_rows // 10))

    def append(self, **rec: Any) -> None:
        x = rec.pop("x", None)
        if self._tail_is_sample:  # the previous latest row was not on the grid: replace it
            for c in COLUMNS:
                self.data[c].pop()
            if self.record_x:
                self.xs.pop()
        self.total += 1
        for c in COLUMNS:
            self.data[c].append(rec.get(c, "" if c == "note" else None))
        if self.record_x:
            self.xs.append(np.array(x, dtype=float, copy=True))
        self._tail_is_sample = not self._keep(rec.get("iter", self.total - 1))
        if self._sinks:
            self._stream(len(self) - 1)

    def _stream(self, i: int) -> None:
        row = self._csv_row(i)
        if (self.total - 1) % self.csv_every:
            self._unwritten = row
            return
        self._unwritten = None
        self._write_to_sinks(row)

    def _write_to_sinks(self, row: list) -> None:
        self.csv_rows += 1
        now = time.monotonic()
        flush = now - self._flushed >= self.FLUSH_INTERVAL
        for sink in list(self._sinks):
            writer, stream = sink
            try:
                writer.writerow(row)
                if flush:
                    stream.flush()
            except OSError as e:  # disk full, file size limit: drop the sink, the run goes on
                self._drop(sink, e)
        if flush:
            self._flushed = now

    def finish(self) -> None:
        """Write the last record if ``csv_every`` skipped it, and flush the sinks."""
        if self._unwritten is not None:
            self._write_to_sinks(self._unwritten)
            self._unwritten = None
        for sink in list(self._sinks):
            try:
                sink[1].flush()
            except OSError as e:
                self._drop(sink, e)

    def _drop(self, sink, error: OSError) -> None:
        """A sink whose write failed: stop writing to it and keep the error (the run is not the sink's)."""
        self._sinks.remove(sink)
        self.sink_errors.append((sink[1], error))

    def row(self, i: int) -> dict:
        out = {c: self.data[c][i] for c in COLUMNS}
        if self.record_x:
            for name, v in zip(x_columns(self.n), self.xs[i]):
                out[name] = float(v)
        return out

    def rows(self) -> Iterable[dict]:
        for i in range(len(self)):
            yield self.row(i)

    def column(self, name: str) -> list:
        return list(self.data[name])

    def _csv_row(self, i: int) -> list:
        vals = [_csv_value(self.data[c][i]) for c in COLUMNS]
        if self.record_x:
            vals += [repr(float(v)) for v in self.xs[i]]
        return vals

    def to_csv(self, path_or_stream: Any) -> None:
        """Write the whole trace as CSV (header = :data:`COLUMNS` then ``x_1 … x_n``)."""
        if hasattr(path_or_stream, "write"):
            self._write(path_or_stream)
            return
        with open(path_or_stream, "w", newline="", encoding="utf-8") as fh:
            self._write(fh)

    def _write(self, fh: TextIO) -> None:
        writer = csv.writer(fh)
        writer.writerow(self.columns)
        for i in range(len(self)):
            writer.writerow(self._csv_row(i))

    def to_csv_string(self) -> str:
        buf = io.StringIO()
        self._write(buf)
        return buf.getvalue()


def _csv_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        return repr(v)
    return str(v)
