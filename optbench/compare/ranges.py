"""Integer ranges in grid values: ``-p id=1..35`` and mixed lists such as ``-p id=1..3,7``.

``a..b`` (both integers, a ≤ b) stands for a, a+1, …, b — both ends included, as in Julia's
``a:b`` or Rust's ``a..=b``. Anything without ``..`` is passed through unchanged, so plain
values (``n=10,100``, ``variant=extended``) keep their meaning.
"""

from __future__ import annotations

from ..core.errors import UsageError

import re

MAX_RANGE = 10_000  # values one range may expand to; a larger grid is almost surely a typo


_XLIST = re.compile(r"\d\s*[xX]\s*\d")  # 32x16: a list-valued parameter's value


def expand_ranges(values: list[str], where: str, field: str = "params") -> list[str]:
    """``["1..3", "7"]`` → ``["1", "2", "3", "7"]``; ``where`` (``"{field} id=1..x"``) names the item in errors.

    Errors carry ``field`` (``params``, or ``options`` for ``-o``), so the CLI names its flag where
    ``{field}`` stands. A range inside an ``x``-list (``32x16..18``) is refused: list the values.
    """
    out: list[str] = []
    for v in values:
        if ".." not in v:
            out.append(v)
            continue
        if _XLIST.search(v):
            raise UsageError(f"{where}: '{v}' mixes a range (a..b) with a list of sizes (AxB); ranges give "
                             "single values — list the lists, e.g. 32x16,32x17", field=field, value=v)
        lo_text, _, hi_text = v.partition("..")
        lo, hi = _bound(lo_text, v, where, field), _bound(hi_text, v, where, field)
        if lo > hi:
            raise UsageError(f"{where}: range {v} is empty (start {lo} > end {hi}); write {hi}..{lo}", field=field,
                             value=v)
        if hi - lo + 1 > MAX_RANGE:
            raise UsageError(f"{where}: range {v} has {hi - lo + 1} values, more than {MAX_RANGE}; "
                             f"split the grid or list the values", field=field, value=v)
        out.extend(str(i) for i in range(lo, hi + 1))
    return out


def _bound(text: str, item: str, where: str, field: str) -> int:
    s = text.strip()
    try:
        return int(s)
    except ValueError:
        raise UsageError(f"{where}: range {item} needs integer ends, got '{s}'; write e.g. 1..35", field=field,
                         value=item) from None
