"""The run directory of a comparison: ``summary.csv``, ``traces.csv``, ``manifest.json``, ``plots/``.

* ``summary.csv`` — one row per run (:data:`SUMMARY_COLUMNS`); ``params`` and ``options``
  are JSON objects; runs that never started have status ``not_run``.
* ``traces.csv`` — long format, one row per iteration of every run: :data:`TRACE_KEYS`
  (which run) then the trace columns of :mod:`optbench.core.trace` (``iter … note``).
* ``manifest.json`` — command line, grid, seeds, budgets, executor, versions, machine,
  start/end time, state (``running``, ``complete``, ``interrupted``), which runs finished and
  which were reused from earlier runs in the directory (``--resume``: ``reused_runs``, ``ran_runs``).
* ``runs/<key>.json`` — one file per finished run, the cache ``--resume`` reads
  (:mod:`optbench.compare.cache`).

Every file is written atomically (a temporary file in the same directory, then
``os.replace``) and rewritten after each finished run, so an interrupted comparison
leaves consistent files holding every run that finished. (``traces.csv`` past 4 MB is
rewritten at most every 5 s and at the end, so that big grids do not cost quadratic
I/O; a process killed outright may then lack the last seconds of traces.)
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import platform
import socket
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..core.errors import RunError
from ..core.trace import COLUMNS

SUMMARY_COLUMNS = (
    "run_id", "problem", "instance", "params", "seed", "seed_mode", "method", "options",
    "status", "success", "message", "n", "nit", "f0", "fun", "f_star", "f_minus_fstar",
    "grad_norm", "nfev", "ngev", "nhvp", "nhev", "cost", "time",
)
TRACE_KEYS = ("run_id", "problem", "params", "seed", "method", "options")
TRACE_COLUMNS = TRACE_KEYS + COLUMNS
_INT = {"run_id", "seed", "n", "nit", "nfev", "ngev", "nhvp", "nhev", "iter", "inner_iter"}
_FLOAT = {"f0", "fun", "f_star", "f_minus_fstar", "grad_norm", "cost", "time", "f", "step", "alpha"}


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def default_run_dir(name: str, root: str | Path = "runs") -> Path:
    """``runs/20261122-031500-rosenbrock`` (UTC timestamp, then a name made from the problems)."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name)[:60].strip("-") or "compare"
    return Path(root) / f"{stamp}-{safe}"


LOCK = ".optbench-lock"


def prepare_run_dir(path: Path, resume: bool = False) -> Path:
    """Create ``path`` and claim it; refuse one that already holds a run or that another comparison holds.

    The claim is a lock file created with ``O_CREAT | O_EXCL`` (atomic: of two commands given
    the same directory at once, exactly one gets it), holding the claimant's pid; it is
    removed by :func:`release_run_dir` when the comparison ends. A directory that already
    holds ``manifest.json`` or ``summary.csv`` is refused, so nothing is ever overwritten —
    unless ``resume``: then its kept runs (:mod:`optbench.compare.cache`) are reused and its
    summary, traces and manifest rewritten for the new grid; and a lock left by a comparison of
    this host whose process no longer exists (killed outright) is taken over.
    """
    if path.exists() and not path.is_dir():
        raise RunError(f"{{field}} '{path}' is a file; give a directory", field="out", value=str(path))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise RunError(f"{{field}} '{path}' cannot be created: {e.strerror}", field="out", value=str(path)) from None
    if not os.access(path, os.W_OK):
        raise RunError(f"{{field}} '{path}' is not writable; choose another directory", field="out", value=str(path))
    if resume and _stale_lock(path / LOCK):  # a comparison killed outright (SIGKILL, power loss) left its claim
        release_run_dir(path)
    try:
        fd = os.open(path / LOCK, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise RunError(f"{{field}} '{path}' is being written by another comparison ({path / LOCK} exists; remove "
                       "it if no comparison is running there) — choose another directory",
                       field="out", value=str(path)) from None
    except OSError as e:
        raise RunError(f"{{field}} '{path}' cannot be claimed: {e.strerror}", field="out", value=str(path)) from None
    with os.fdopen(fd, "w") as fh:
        fh.write(f"{os.getpid()} {socket.gethostname()}\n")
    if not resume and ((path / "manifest.json").exists() or (path / "summary.csv").exists()):
        release_run_dir(path)
        raise RunError(f"{{field}} '{path}' already holds a comparison; choose another directory, remove it, or "
                       "add --resume to run only the runs it does not hold", field="out", value=str(path))
    return path


def _stale_lock(lock: Path) -> bool:
    """True when ``lock`` names a process of this host that no longer exists (its comparison died
    without releasing it); a lock of another host, or one that cannot be read, is never stale."""
    try:
        pid_text, _, host = lock.read_text(encoding="utf-8").strip().partition(" ")
        pid = int(pid_text)
    except (OSError, ValueError):
        return False
    if host != socket.gethostname() or pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


def release_run_dir(path: Path) -> None:
    """Remove the claim of :func:`prepare_run_dir`."""
    try:
        os.unlink(path / LOCK)
    except OSError:
        pass


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else repr(v)
    if isinstance(v, dict):
        return json.dumps(v, sort_keys=False)
    return str(v)


def summary_row(rec) -> dict:
    """The summary.csv row of a :class:`~optbench.compare.grid.RunRecord` (typed values)."""
    s = rec.spec
    return {
        "run_id": s.run_id, "problem": s.problem, "instance": s.instance, "params": dict(s.params),
        "seed": s.seed, "seed_mode": s.seed_mode, "method": s.label, "options": dict(s.options),
        "status": rec.status, "success": rec.success, "message": rec.message, "n": rec.n, "nit": rec.nit,
        "f0": rec.f0, "fun": rec.fun, "f_star": rec.f_star, "f_minus_fstar": rec.f_minus_fstar,
        "grad_norm": rec.grad_norm, "nfev": rec.nfev, "ngev": rec.ngev, "nhvp": rec.nhvp, "nhev": rec.nhev,
        "cost": rec.cost, "time": rec.time,
    }


def _trace_text(rec) -> str:
    s = rec.spec
    keys = [str(s.run_id), s.problem, _cell(dict(s.params)), str(s.seed), s.label, _cell(dict(s.options))]
    buf = io.StringIO()
    w = csv.writer(buf)
    cols = [rec.trace[c] for c in COLUMNS]
    for i in range(len(rec.trace["iter"])):
        w.writerow(keys + [_cell(col[i]) for col in cols])
    return buf.getvalue()


def _csv_text(columns, rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(columns)
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in columns])
    return buf.getvalue()


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    import optbench

    out = {"optbench": optbench.__version__, "python": platform.python_version()}
    for pkg in ("numpy", "scipy", "autograd", "matplotlib", "dask", "distributed"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


def machine() -> dict:
    return {
        "hostname": socket.gethostname(), "platform": platform.platform(), "machine": platform.machine(),
        "processor": platform.processor(), "cpu_count": os.cpu_count(),
    }


class RunWriter:
    """Keeps the run directory's files up to date as runs finish."""

    def __init__(self, path: Path, manifest: dict, specs: list):
        self.path = path
        self.manifest = dict(manifest)
        self.specs = specs
        self.rows: dict[int, dict] = {}
        self.reused: set[int] = set()  # run ids taken from the run directory's kept runs (--resume)
        self.traces: dict[int, str] = {}
        self._trace_bytes = 0
        self._traces_written = time.monotonic()
        self.manifest.setdefault("start", now_iso())
        self.manifest.update(state="running", end=None, total_runs=len(specs), finished_runs=0)
        self._write_manifest()

    #: traces.csv is rewritten after every run while it is smaller than this; past it, at
    #: most every TRACE_INTERVAL seconds (and always at the end), so big grids stay linear.
    TRACE_BYTES = 4_000_000
    TRACE_INTERVAL = 5.0

    def add_reused(self, records: list) -> None:
        """Runs kept from an earlier comparison in this directory (``--resume``): written once, not rerun."""
        for rec in records:
            self.rows[rec.spec.run_id] = summary_row(rec)
            self.traces[rec.spec.run_id] = _trace_text(rec)
            self.reused.add(rec.spec.run_id)
        self.manifest["reused_runs"] = len(self.reused)
        self.flush()

    def add(self, rec) -> None:
        self.rows[rec.spec.run_id] = summary_row(rec)
        text = _trace_text(rec)
        self.traces[rec.spec.run_id] = text
        self._trace_bytes += len(text)
        self.flush(traces=self._trace_bytes < self.TRACE_BYTES
                   or time.monotonic() - self._traces_written >= self.TRACE_INTERVAL)

    def flush(self, traces: bool = True) -> None:
        ordered = [self.rows[s.run_id] for s in self.specs if s.run_id in self.rows]
        write_atomic(self.path / "summary.csv", _csv_text(SUMMARY_COLUMNS, ordered))
        if traces:
            body = "".join(self.traces[s.run_id] for s in self.specs if s.run_id in self.traces)
            write_atomic(self.path / "traces.csv", _csv_text(TRACE_COLUMNS, []) + body)
            self._traces_written = time.monotonic()
        self._write_manifest()

    def finish(self, records: list, interrupted: bool) -> None:
        """Write the final files: every spec gets a row (``not_run`` for those that never ran)."""
        for rec in records:
            if rec.spec.run_id not in self.rows:
                self.rows[rec.spec.run_id] = summary_row(rec)
                self.traces[rec.spec.run_id] = _trace_text(rec)
        self.manifest.update(state="interrupted" if interrupted else "complete", end=now_iso())
        self.flush()

    def _write_manifest(self) -> None:
        runs = []
        for s in self.specs:
            row = self.rows.get(s.run_id)
            status = row["status"] if row else "pending"
            runs.append({"run_id": s.run_id, "instance": s.instance, "method": s.label, "status": status,
                         "finished": status not in ("pending", "not_run", "interrupted"),
                         "reused": s.run_id in self.reused})
        self.manifest["finished_runs"] = sum(r["finished"] for r in runs)
        counts: dict[str, int] = {}
        for r in runs:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        self.manifest["status_counts"] = dict(sorted(counts.items()))
        self.manifest["runs"] = runs
        write_atomic(self.path / "manifest.json", json.dumps(self.manifest, indent=2, default=str) + "\n")


# ---------------------------------------------------------------------------- reading back
def _typed(row: dict) -> dict:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if k in ("params", "options"):
            out[k] = json.loads(v) if v else {}
        elif v == "" or v is None:
            out[k] = None
        elif k in _INT:
            out[k] = int(v)
        elif k in _FLOAT:
            out[k] = float(v)
        elif k == "success":
            out[k] = v == "true"
        else:
            out[k] = v
    return out


def load_run(path: Path) -> tuple[dict, list[dict], dict[int, dict]]:
    """(manifest, summary rows, traces by run_id as column lists) read from a run directory.

    The directory is checked against its manifest before anything is shown: the manifest
    is a JSON object with a whole ``total_runs``; ``summary.csv`` has the columns of
    :data:`SUMMARY_COLUMNS`, every row whole and of the right types, known statuses,
    distinct run ids below ``total_runs``; a ``complete`` run has one row per run. Damage
    is a :class:`RunError` naming the file, the row and what is wrong.
    """
    path = Path(path)
    if not path.is_dir():
        raise RunError(f"run directory '{path}' not found")
    for name in ("manifest.json", "summary.csv"):
        if not (path / name).is_file():
            raise RunError(f"'{path}' is not a comparison run directory: {name} is missing")
    manifest = _read_manifest(path / "manifest.json")
    rows = _read_summary(path / "summary.csv", manifest)
    try:
        traces: dict[int, dict] = {}
        if (path / "traces.csv").is_file():
            with open(path / "traces.csv", newline="", encoding="utf-8") as fh:
                for r in csv.DictReader(fh):
                    t = _typed({c: r[c] for c in ("run_id",) + COLUMNS})
                    cols = traces.setdefault(t["run_id"], {c: [] for c in COLUMNS})
                    for c in COLUMNS:
                        cols[c].append(t[c] if c != "note" else (t[c] or ""))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, csv.Error) as e:
        raise RunError(f"'{path / 'traces.csv'}' is damaged ({type(e).__name__}: {e}); "
                       "optbench report reads summary.csv only if traces.csv is removed") from None
    return manifest, rows, traces


def _read_manifest(file: Path) -> dict:
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except RecursionError:
        raise RunError(f"'{file}' is nested too deeply to be a manifest") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise RunError(f"'{file}' is not valid JSON ({type(e).__name__}: {e})") from None
    except OSError as e:
        raise RunError(f"'{file}' cannot be read: {e.strerror}") from None
    if not isinstance(manifest, dict):
        raise RunError(f"'{file}' holds a JSON {type(manifest).__name__}, not the object a manifest is")
    total = manifest.get("total_runs")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise RunError(f"'{file}': total_runs must be a whole number ≥ 0, got {total!r}")
    state = manifest.get("state")
    if state not in ("running", "complete", "interrupted"):
        raise RunError(f"'{file}': state must be running, complete or interrupted, got {state!r}")
    return manifest


def _read_summary(file: Path, manifest: dict) -> list[dict]:
    from ..core.status import Status

    statuses = {s.value for s in Status}
    total = manifest["total_runs"]
    rows: list[dict] = []
    try:
        with open(file, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in SUMMARY_COLUMNS if c not in header]
            if missing:
                raise RunError(f"'{file}' lacks the column(s) {', '.join(missing)}")
            for line, raw in enumerate(reader, start=2):
                if None in raw or any(v is None for v in raw.values()):
                    got = len(header) + len(raw.get(None) or []) - sum(v is None for v in raw.values())
                    raise RunError(f"'{file}' line {line}: the row has {got} fields, not {len(header)} (cut or damaged)")
                try:
                    row = _typed(raw)
                except (ValueError, TypeError) as e:
                    raise RunError(f"'{file}' line {line}: a value has the wrong type ({e})") from None
                if row.get("status") not in statuses:
                    raise RunError(f"'{file}' line {line}: unknown status {row.get('status')!r}")
                rid = row.get("run_id")
                if rid is None or not 0 <= rid < total:
                    raise RunError(f"'{file}' line {line}: run_id {rid!r} is not below total_runs = {total}")
                rows.append(row)
    except (csv.Error, UnicodeDecodeError) as e:
        raise RunError(f"'{file}' is damaged ({type(e).__name__}: {e})") from None
    except OSError as e:
        raise RunError(f"'{file}' cannot be read: {e.strerror}") from None
    ids = [r["run_id"] for r in rows]
    if len(set(ids)) != len(ids):
        raise RunError(f"'{file}' holds run_id {next(i for i in ids if ids.count(i) > 1)} twice")
    if manifest["state"] == "complete" and len(rows) != total:
        raise RunError(f"'{file}' holds {len(rows)} run(s) but the manifest says the comparison is complete "
                       f"with {total}")
    return rows


def command_line() -> str:
    import shlex

    return " ".join(shlex.quote(a) for a in ["optbench"] + sys.argv[1:])
