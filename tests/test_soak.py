"""Issue 13 soak test: a compare grid under seeded random faults finishes, loses nothing and says the truth.

The plugin ``tests/data/faults.py`` gives problem ``faulty(seed)`` one fault drawn from the
seed (exceptions, NaNs, slow calls, ``sys.exit``, ``os._exit``, SIGKILL of its own worker,
hangs the run's timer stops, hangs with the timer's signal blocked that the pool stops).
``compare`` runs seeds × {gd, lbfgs} with ``--jobs 2`` and ``--max-time 0.5``; the run
directory must hold exactly one row per run with a status its fault allows, the manifest's
counts must match, ``report`` must read it, and a second identical command must give the
same statuses.

Default: 200 runs (about half a minute on 2 idle cores). A longer one:
``OPTBENCH_SOAK_RUNS=2000 python -m pytest tests/test_soak.py -m slow -q``.
"""

import collections
import csv
import json
import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optbench.cli import app

DATA = Path(__file__).parent / "data"
FAULTS = str(DATA / "faults.py")
sys.path.insert(0, str(DATA))
import faults  # noqa: E402

runner = CliRunner()


def soak(tmp_path, runs):
    seeds = runs // 2
    results = []
    for attempt in ("first", "second"):
        out = tmp_path / attempt
        r = runner.invoke(app, ["compare", f"{FAULTS}:faulty", "-p", f"seed=1..{seeds}", "-m", "gd,lbfgs",
                                "--jobs", "2", "--max-time", "0.5", "--max-iter", "200", "--no-plots", "-q",
                                "--out", str(out)])
        assert r.exit_code == 0, r.output
        rows = list(csv.DictReader(open(out / "summary.csv", newline="")))
        assert len(rows) == 2 * seeds and sorted(int(x["run_id"]) for x in rows) == list(range(2 * seeds))
        kinds = collections.Counter()
        for row in rows:
            seed = json.loads(row["params"])["seed"]
            kind = faults.fault_of(int(seed))
            kinds[kind] += 1
            assert row["status"] in faults.KINDS[kind][1], (kind, row["status"], row["message"])
        m = json.loads((out / "manifest.json").read_text())
        counts = collections.Counter(row["status"] for row in rows)
        assert m["state"] == "complete" and m["total_runs"] == 2 * seeds
        assert m["status_counts"] == dict(counts)
        assert m["finished_runs"] == 2 * seeds
        rep = runner.invoke(app, ["report", str(out), "--json"])
        assert rep.exit_code == 0, rep.output
        assert len(json.loads(rep.stdout)["runs"]) == 2 * seeds
        results.append({row["run_id"]: row["status"] for row in rows})
    assert results[0] == results[1]
    return kinds


@pytest.mark.slow  # about 25 s: CI runs it with the slow cases
def test_soak_200_runs_with_seeded_faults(tmp_path):
    kinds = soak(tmp_path, 200)
    assert {"ok", "raise", "nan", "sys_exit", "os_exit", "kill", "hang"} <= set(kinds)


@pytest.mark.slow
@pytest.mark.skipif("OPTBENCH_SOAK_RUNS" not in os.environ, reason="a long soak: set OPTBENCH_SOAK_RUNS=2000")
def test_soak_long(tmp_path):
    soak(tmp_path, int(os.environ["OPTBENCH_SOAK_RUNS"]))
