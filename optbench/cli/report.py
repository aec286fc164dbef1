"""``optbench report RUN_DIR --html [--out FILE]``: the comparison as one self-contained web page."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from .common import stdout_console


def html_report(run_dir: Path, html: bool, out: Optional[Path], json_out: bool) -> None:
    """Check the flags, write the page (:mod:`optbench.compare.html_report`), print its path."""
    from ..compare.html_report import write_report
    from ..core.errors import UsageError

    if not html:
        raise UsageError(f"--out '{out}' names the file of the HTML page: add --html "
                         f"(optbench report {run_dir} --html --out {out})")
    if json_out:
        raise UsageError("--html and --json are two outputs: give one of them")
    path = write_report(run_dir, out)
    stdout_console().print(str(path), markup=False, highlight=False, soft_wrap=True)
