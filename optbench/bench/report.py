"""Tables and JSON for the benchmark records of :mod:`optbench.bench.suite` (pure functions, no printing).

The JSON document is ``{"kind": "suite"|"core", "environment": {...}, "settings": {...},
"records": [...]}``; NaN and infinities become ``null`` so any JSON reader accepts it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Optional



def _clean(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):  # numpy scalars
        return _clean(v.item())
    return v


def bench_json(kind: str, records: list[dict], environment: dict, settings: Optional[dict] = None) -> str:
    return json.dumps(_clean({"kind": kind, "environment": environment, "settings": settings or {},
                              "records": records}), indent=1, ensure_ascii=False)


def write_bench_json(path: str | Path, kind: str, records: list[dict], environment: dict,
                     settings: Optional[dict] = None) -> Path:
    path = Path(path)
    path.write_text(bench_json(kind, records, environment, settings) + "\n", encoding="utf-8")
    return path


