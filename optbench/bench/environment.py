"""The environment of a measurement: versions, machine, date, git commit and BLAS threading."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from pathlib import Path
from typing import Optional

import numpy as np

from .suite import pinned_threads


def _version(dist: str) -> Optional[str]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None



def environment(threads: Optional[int] = 1) -> dict:
    """Versions, machine, date, git commit and BLAS threading, for comparing results across commits."""
    import autograd  # noqa: F401
    import scipy

    root = Path(__file__).resolve().parents[2]
    commit, dirty = None, None
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=10).stdout.strip() or None
        dirty = bool(subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                                    capture_output=True, text=True, timeout=10).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        from threadpoolctl import threadpool_info

        with pinned_threads(threads):  # what the measurements ran with
            pools = [{k: i.get(k) for k in ("internal_api", "num_threads", "version")} for i in threadpool_info()]
    except Exception:  # noqa: BLE001 - informational only
        pools = []
    try:
        load = list(os.getloadavg())
    except OSError:
        load = None
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": {"optbench": _version("optbench"), "python": platform.python_version(),
                     "numpy": np.__version__, "scipy": scipy.__version__, "autograd": _version("autograd")},
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "cpus": os.cpu_count(), "loadavg": load},
        "git_commit": commit, "git_dirty": dirty,
        "blas_threads": threads, "threadpools": pools,
    }
