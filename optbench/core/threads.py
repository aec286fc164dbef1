"""Limit BLAS/OpenMP threads for a block of work (threadpoolctl).

Solvers here do vector work (dots, axpys, small gemv) where BLAS threads gain
little and, on a busy machine, spin against each other and the main thread: on 2
shared cores an L-BFGS run at n = 1e5 varied from 0.25 s to 7 s unpinned and took
0.2 s pinned to one thread. ``solve``, ``compare`` and the benchmarks therefore run
with one BLAS thread by default (``--blas-threads 0`` leaves the library default,
useful for dense Newton at large n).

numpy and scipy may each bundle their own OpenBLAS; a library loaded after the
limit is set is not limited, so scipy's BLAS is loaded first.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Optional


@contextmanager
def blas_threads(limit: Optional[int]) -> Iterator[None]:
    """Run the block with at most ``limit`` BLAS/OpenMP threads; ``None`` or 0 leaves them alone."""
    if not limit:
        yield
        return
    import scipy.linalg  # noqa: F401  load every BLAS first: a library loaded later is not limited
    # (scipy.sparse.linalg links the same scipy_openblas as scipy.linalg — threadpool_info lists no
    # new library after importing it — so it is not imported here: it cost ~50 ms of start-up)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=limit):
        yield
