"""Finished runs kept one file each, so ``optbench compare --out DIR --resume`` reruns only what DIR lacks.

Every finished run of a comparison is also written to ``RUN_DIR/runs/<key>.json`` (atomically:
a temporary file, then ``os.replace``), holding the run's *key* and its record (summary numbers,
trace columns, final x). The key is everything the result depends on:

* the problem (name or ``file.py:name``; for problems from files, the SHA-256 of each file),
  its parameters as given, the seed and seed mode;
* the method and all its options, as given;
* the stopping test and budgets — gtol, norm, max_iter, max_evals, max_time (a run with
  another max_iter is another run); BLAS threads are left out (they change the time, not the iterates);
* the optbench version.

The file name is the first 24 hex digits of the SHA-256 of the key (as canonical JSON), and
the key stored inside is compared in full when the file is read. A run is reused only when its
file reads back whole, its key matches, and it ended on a stopping rule: runs that ended with
``error`` (an exception, possibly transient), ``crashed``, ``interrupted`` or ``not_run`` are rerun,
as are runs whose file is missing, cut short or damaged. This is benchopt's habit
(``benchopt run`` caches each (dataset, objective, solver) run on disk and reruns only what is missing).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import fields
from pathlib import Path
from typing import Optional

from ..core.status import Status
from ..core.trace import COLUMNS
from .grid import Budgets, RunRecord, RunSpec

CACHE_DIR = "runs"
#: statuses that are not a result of the run itself and are rerun on --resume
RERUN = frozenset({Status.ERROR.value, Status.CRASHED.value, Status.INTERRUPTED.value, Status.NOT_RUN.value})
_RECORD_FIELDS = [f.name for f in fields(RunRecord) if f.name != "spec"]


def _file_digest(path: str) -> Optional[str]:
    p = Path(path)
    h = hashlib.sha256()
    try:
        if p.is_file():
            h.update(p.read_bytes())
        elif p.is_dir():
            for f in sorted(p.rglob("*.py")):
                h.update(str(f.relative_to(p)).encode() + b"\0" + f.read_bytes())
        else:
            return None
    except OSError:
        return None
    return h.hexdigest()


def _problem_files(spec: RunSpec) -> dict:
    """{path: sha256} of the files the problem comes from (``file.py:name`` and ``--problems``)."""
    out = {p: _file_digest(p) for p in spec.problem_files}
    path, sep, _ = spec.problem.rpartition(":")
    if sep and path.endswith(".py"):
        full = path if os.path.isabs(path) or not spec.base_dir else os.path.join(spec.base_dir, path)
        out[path] = _file_digest(full)
    return out


def run_key(spec: RunSpec, budgets: Budgets) -> dict:
    """What a run's result depends on (the module doc), as a JSON-able dict."""
    import optbench

    b = budgets.as_dict()
    return {
        "problem": spec.problem, "problem_files": _problem_files(spec), "params": [list(p) for p in spec.params],
        "seed": spec.seed, "seed_mode": spec.seed_mode, "method": spec.method,
        "options": [list(o) for o in spec.options],
        "budgets": {k: b[k] for k in ("gtol", "norm", "max_iter", "max_evals", "max_time")},
        "optbench": optbench.__version__,
        **({} if spec.backend == "autograd" else {"backend": spec.backend}),  # autograd's keys as before
    }


def _canonical(key: dict) -> str:
    return json.dumps(key, sort_keys=True, separators=(",", ":"), default=str)


def key_name(key: dict) -> str:
    """The file name (without ``.json``) of a key: 24 hex digits of its SHA-256."""
    return hashlib.sha256(_canonical(key).encode()).hexdigest()[:24]


def _plain(v):
    if hasattr(v, "item") and not isinstance(v, (list, dict, str)):
        return v.item()  # numpy scalars
    raise TypeError(f"not JSON serialisable: {type(v).__name__}")


def store(run_dir: Path, rec: RunRecord, budgets: Budgets) -> None:
    """Keep a finished run in ``RUN_DIR/runs/``; runs that never finished (interrupted, not run) are not kept."""
    from .rundir import write_atomic

    if rec.status in (Status.INTERRUPTED.value, Status.NOT_RUN.value):
        return
    key = run_key(rec.spec, budgets)
    body = {"key": key, "record": {f: getattr(rec, f) for f in _RECORD_FIELDS}}
    folder = Path(run_dir) / CACHE_DIR
    folder.mkdir(exist_ok=True)
    write_atomic(folder / f"{key_name(key)}.json", json.dumps(body, default=_plain) + "\n")


def load(run_dir: Path, spec: RunSpec, budgets: Budgets) -> Optional[RunRecord]:
    """The kept record of ``spec`` (renumbered to ``spec``), or ``None`` if it must run (module doc)."""
    key = run_key(spec, budgets)
    path = Path(run_dir) / CACHE_DIR / f"{key_name(key)}.json"
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        # the stored key went through JSON; compare it with ours after the same trip
        if body["key"] != json.loads(_canonical(key)):
            return None
        data = body["record"]
        if set(data) != set(_RECORD_FIELDS) or data["status"] not in {s.value for s in Status} - RERUN:
            return None
        trace = data["trace"]
        if len({len(trace[c]) for c in COLUMNS}) != 1:  # every column as long as the others
            return None
        for name in ("nit", "nfev", "ngev", "nhvp", "nhev", "n"):
            v = data[name]
            if (v is None and name != "n") or (v is not None and (not isinstance(v, int) or isinstance(v, bool))):
                return None
        return RunRecord(spec=spec, **data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
