"""The convergence trace: one record per iteration (including iteration 0), fixed columns.

Columns (the CSV header and the table use the same names):

========== ==========================================================
iter       iteration number k (0 is the starting point)
time       seconds since the run started
f          f(x_k)
f_minus_fstar  f(x_k) − f* when f* is known, empty otherwise
grad_norm  ‖∇f(x_k)‖ in the norm of the gradient test (∞-norm by default)
step       ‖x_k − x_{k−1}‖₂ (empty at k = 0)
alpha      line-search step length t_{k−1} (empty at k = 0)
nfev       calls of f so far (including those inside derivative computations)
ngev       gradients so far
nhvp       Hessian-vector products so far
nhev       dense Hessians so far
inner_iter inner iterations of this step (CG iterations for newton-cg)
note       what the step did that is worth knowing (Hessian modified, negative curvature, …)
x_1 … x_n  the iterate, when the trace records x (default for n ≤ 10)
========== ==========================================================
"""

from __future__ import annotations

import csv
import io
import math
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
    "note",
)


def x_columns(n: int) -> list[str]:
    return [f"x_{i}" for i in range(1, n + 1)]


class Trace:
    """Column-oriented store of trace records; optionally streams each record to a CSV file."""

    def __init__(self, n: int, record_x: bool, f_star: Optional[float] = None):
        self.n = n
        self.record_x = record_x
        self.f_star = f_star
        self.columns: list[str] = list(COLUMNS) + (x_columns(n) if record_x else [])
        self.data: dict[str, list] = {c: [] for c in COLUMNS}
        self.xs: list[np.ndarray] = []
        self._sinks: list[Any] = []

    def __len__(self) -> int:
        return len(self.data["iter"])

    def add_sink(self, stream: TextIO) -> None:
        """Stream every record (and the header now) to ``stream`` as CSV."""
        writer = csv.writer(stream)
        writer.writerow(self.columns)
        for i in range(len(self)):
            writer.writerow(self._csv_row(i))
        stream.flush()
        self._sinks.append((writer, stream))

    def append(self, **rec: Any) -> None:
        x = rec.pop("x", None)
        for c in COLUMNS:
            self.data[c].append(rec.get(c, "" if c == "note" else None))
        if self.record_x:
            self.xs.append(np.array(x, dtype=float, copy=True))
        for writer, stream in self._sinks:
            writer.writerow(self._csv_row(len(self) - 1))
            stream.flush()

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
