"""One self-contained HTML page for a comparison run directory (``optbench report DIR --html``).

The page is a pure function of the run files (``manifest.json``, ``summary.csv``,
``traces.csv``): the aggregate table and one table per problem instance (the numbers and
best-in-column marks of the terminal tables, :mod:`optbench.compare.summary`), the
performance/data profiles and the convergence figures (drawn afresh from the traces by
:mod:`optbench.compare.plots`, so a run made with ``--no-plots`` gets them too), and the
manifest (command, budgets, executor, versions, machine, times).

Self-contained: styles inline, figures as PNG ``data:`` URIs, no script, no external font,
stylesheet or image — it opens from disk, offline, and can be mailed as one file. Every string
from the run files is HTML-escaped (run directories may come from anyone).
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from pathlib import Path
from typing import Any, Optional

from .profiles import COST_MODEL
from .summary import COST_SHIFT, TIME_SHIFT, aggregate, best_value, group_instances, is_best, shown_columns

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       margin: 1.5em auto; max-width: 1500px; padding: 0 1em; color: #1b1b1b; background: #fff; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05em; margin: 1.2em 0 0.3em; }
table { border-collapse: collapse; margin: 0.4em 0; font-size: 0.9em; }
th, td { padding: 0.2em 0.7em; border-bottom: 1px solid #e3e3e3; text-align: right; white-space: nowrap; }
th { background: #f3f3f3; } td.l, th.l { text-align: left; }
td.best { font-weight: bold; } .ok { color: #17701f; } .fail { color: #9a5b00; } .dim { color: #888; }
caption { caption-side: bottom; text-align: left; color: #555; font-size: 0.85em; padding-top: 0.3em; white-space: pre-line; }
code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.85em; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; }
figure { margin: 0.8em 0; } img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.85em; }
"""


def _e(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _fmt(v: Any, digits: int = 6) -> str:
    """Numbers as the terminal tables show them: ``digits`` significant digits, scientific when tiny or huge."""
    if v is None or v == "":
        return ""
    if isinstance(v, bool) or not isinstance(v, float):
        return str(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0 or 1e-3 <= abs(v) < 10**max(digits, 1):
        return f"{v:.{max(digits, 1)}g}"
    return f"{v:.{max(digits - 2, 2)}e}"


def _table(headers: list[tuple[str, bool]], body: list[list[tuple[str, str]]], caption: str = "",
           cls: str = "") -> str:
    """``headers``: (text, left-aligned); ``body``: rows of (html, css class)."""
    out = [f'<table class="{cls}">' if cls else "<table>"]
    if caption:
        out.append(f"<caption>{caption}</caption>")
    out.append("<thead><tr>" + "".join(f'<th class="{"l" if left else ""}">{_e(h)}</th>' for h, left in headers)
               + "</tr></thead><tbody>")
    for row in body:
        out.append("<tr>" + "".join(f'<td class="{c}">{text}</td>' for text, c in row) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def instance_table_html(instance: str, rows: list[dict], norm: str = "inf") -> str:
    """The per-instance table (one row per method, best of each column in bold with ``*``)."""
    show = shown_columns(rows)
    headers = [("method", True)] + [(h.replace("‖∇f‖", "‖∇f‖∞" if norm == "inf" else "‖∇f‖₂"), k == "status")
                                    for k, h, _, _ in show]
    bests = {k: best_value(rows, k, rule) for k, _, _, rule in show}
    body = []
    for r in rows:
        cells = [(_e(r["method"]), "l")]
        for key, _, digits, rule in show:
            v = r.get(key)
            if key == "status":
                cls = "ok" if r.get("success") else ("dim" if v == "not_run" else "fail")
                cells.append((_e(v), "l " + cls))
                continue
            text = "" if r.get("status") == "not_run" or r.get("n") is None else _fmt(v, digits)
            best = bool(text) and is_best(r, key, rule, bests[key])
            cells.append((_e(text) + ("*" if best else ""), "best" if best else ""))
        body.append(cells)
    failed = [r for r in rows if not r.get("success") and r.get("status") != "not_run" and r.get("message")]
    caption = "* best in column (iterations, counts, cost, time: among converged runs); cost in gradient-equivalents"
    caption += "".join(f"\n{_e(r['method'])}: {_e(r['message'])}" for r in failed)
    return f"<h3>{_e(instance)}</h3>\n" + _table(headers, body, caption, "instance")


def aggregate_table_html(rows: list[dict]) -> str:
    """Per method over all instances: solved, median cost and time, shifted geometric means, failures."""
    stats = aggregate(rows)
    keys = (("median_cost", 4), ("median_time", 3), ("sgm_cost", 4), ("sgm_time", 3))
    best = {k: min((s[k] for s in stats if not math.isnan(s[k])), default=None) for k, _ in keys}
    top = max((s["successes"] for s in stats), default=0)
    headers = [("method", True), ("solved", False), ("median cost", False), ("median time", False),
               ("sgm cost", False), ("sgm time", False), ("failures", True)]
    body = []
    for s in stats:
        won = s["successes"] == top > 0
        cells = [(_e(s["method"]), "l"), (f"{s['successes']}/{s['runs']}" + ("*" if won else ""), "best" if won else "")]
        for k, d in keys:
            b = best[k] is not None and s[k] == best[k]
            cells.append(("" if math.isnan(s[k]) else _e(_fmt(s[k], d)) + ("*" if b else ""), "best" if b else ""))
        cells.append((_e(", ".join(f"{k} {v}" for k, v in s["failures"].items())), "l"))
        body.append(cells)
    caption = (f"cost in gradient-equivalents = {_e(COST_MODEL)}; time in seconds; medians over each method's "
               f"converged runs; sgm = shifted geometric mean (shift {COST_SHIFT:g} for cost, {TIME_SHIFT:g} s for "
               "time) over all runs, a failed run charged at least the largest cost (time) spent on its instance")
    return (f"<h3>all {len(group_instances(rows))} instances</h3>\n"
            + _table(headers, body, caption, "aggregate"))


def _png_data_uri(fig) -> str:
    from .plots import DPI

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figure_html(fig, alt: str, caption: str) -> str:
    if fig is None:
        return ""
    return (f'<figure><img alt="{_e(alt)}" src="{_png_data_uri(fig)}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def figures_html(rows: list[dict], traces: dict[int, dict], gtol: float) -> str:
    """The profiles, then one convergence figure per instance, as embedded PNGs."""
    from .plots import build_convergence_figure, build_profile_figure

    if not any(traces.get(r["run_id"]) for r in rows):
        return '<p class="dim">No traces in this run directory (traces.csv missing or empty): no figures.</p>'
    parts = ["<h2>Performance and data profiles</h2>",
             _figure_html(build_profile_figure(rows, traces, gtol=gtol), "performance and data profiles",
                          f"Performance profile (Dolan & Moré 2002) and data profile (Moré & Wild 2009); cost in "
                          f"gradient-equivalents; solved means ‖∇f‖ ≤ {gtol:g}."),
             "<h2>Convergence</h2>"]
    for inst, rs in group_instances(rows).items():
        parts.append(_figure_html(build_convergence_figure(inst, rs, traces), f"convergence on {inst}",
                                  f"{inst}: f − f* (‖∇f‖ when f* is unknown) against iterations, "
                                  "gradient-equivalents and time."))
    return "\n".join(parts)


def _kv_table(items: dict, cls: str) -> str:
    body = [[(_e(k), "l"), (_e(json.dumps(v) if isinstance(v, (dict, list)) else v), "l")] for k, v in items.items()]
    return _table([("", True), ("", True)], body, cls=cls)


def manifest_html(manifest: dict) -> str:
    """Command, state and times; budgets, executor, versions and machine as tables; the whole manifest as JSON."""
    parts = ["<h2>Manifest</h2>", f"<pre class=\"command\">{_e(manifest.get('command', ''))}</pre>",
             f"<p>state <b>{_e(manifest.get('state', '?'))}</b>: {_e(manifest.get('finished_runs', '?'))} of "
             f"{_e(manifest.get('total_runs', '?'))} runs finished; {_e(manifest.get('start'))} → "
             f"{_e(manifest.get('end'))}; working directory <code>{_e(manifest.get('cwd', ''))}</code></p>"]
    for key, title in (("budgets", "Budgets"), ("executor", "Executor"), ("versions", "Versions"),
                       ("machine", "Machine")):
        if isinstance(manifest.get(key), dict):
            parts += [f"<h3>{title}</h3>", _kv_table(manifest[key], key)]
    parts.append("<details><summary>manifest.json</summary><pre>"
                 + _e(json.dumps(manifest, indent=1, ensure_ascii=False, default=str)) + "</pre></details>")
    return "\n".join(parts)


def render_report(run_dir: Path, manifest: dict, rows: list[dict], traces: dict[int, dict],
                  gtol: Optional[float] = None) -> str:
    """The whole page (a string); ``gtol`` of the profiles defaults to the run's own."""
    budgets = manifest.get("budgets") or {}
    norm = budgets.get("norm", "inf")
    g = float(gtol if gtol is not None else budgets.get("gtol", 1e-6))
    problems = ", ".join(str(p) for p in manifest.get("problems") or []) or Path(run_dir).name
    title = f"optbench comparison: {problems}"
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f"<p class=\"dim\">run directory <code>{_e(run_dir)}</code> · {len(rows)} runs · "
        f"{len(group_instances(rows))} instances · state {_e(manifest.get('state', '?'))}</p>",
        "<h2>Summary</h2>", aggregate_table_html(rows),
    ]
    parts += [instance_table_html(inst, rs, norm) for inst, rs in group_instances(rows).items()]
    parts += [figures_html(rows, traces, g), manifest_html(manifest), "</body></html>", ""]
    return "\n".join(parts)


def write_report(run_dir: Path, out: Optional[Path] = None) -> Path:
    """Read ``run_dir``, write the page to ``out`` (default ``RUN_DIR/report.html``) atomically; return its path."""
    from ..core.errors import UsageError
    from .rundir import load_run, write_atomic

    run_dir = Path(run_dir)
    manifest, rows, traces = load_run(run_dir)
    target = Path(out) if out is not None else run_dir / "report.html"
    if target.is_dir():
        raise UsageError(f"{{field}} '{target}' is a directory; give a file name, e.g. {target / 'report.html'}",
                         field="out", value=str(target))
    if not target.parent.is_dir():
        raise UsageError(f"{{field}} '{target}': directory '{target.parent}' does not exist; create it first",
                         field="out", value=str(target))
    write_atomic(target, render_report(run_dir, manifest, rows, traces))
    return target
