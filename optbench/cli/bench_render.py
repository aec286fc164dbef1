"""Benchmark tables (rich and Markdown) and publishing them: the rendering side of :mod:`optbench.bench`."""

from __future__ import annotations

from typing import Any, Optional

from rich import box
from rich.markup import escape
from rich.table import Table

from ..bench.report import write_bench_json
from ..compare.profiles import COST_MODEL
from .render import fmt


def _x(v: Any, digits: int = 3) -> str:
    return "" if v is None else fmt(float(v), digits)



def suite_table(records: list[dict], title: str = "optbench vs scipy.optimize") -> Table:
    """One row per run: our method, then each reference with ratio = ours / reference."""
    t = Table(title=title, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
    for name, justify in (("case", "left"), ("method", "left"), ("iter", "right"), ("#∇f", "right"),
                          ("#∇²f·v", "right"), ("#∇²f", "right"), ("grad-eq", "right"), ("‖∇f‖∞", "right"), ("≤ gtol", "left"),
                          ("status", "left"), ("time [s]", "right"), ("ratio t", "right"),
                          ("ratio grad-eq", "right")):
        t.add_column(name, justify=justify, no_wrap=name != "case")
    last_case = None
    flagged = []
    for r in records:
        case = r["case"] if r["case"] != last_case else ""
        if r["case"] != last_case and last_case is not None:
            t.add_section()
        last_case = r["case"]
        if r["status"] == "skipped":
            t.add_row(escape(case), r["method"], *[""] * 7, "[dim]skipped[/dim]", "", "", "")
            continue
        reached = r["reached_gtol"]
        if r["claimed_success"] and not reached:
            flagged.append(r)
        ok = "[green]yes[/green]" if reached else ("[red]NO*[/red]" if r["claimed_success"] else "[yellow]no[/yellow]")
        status = r["status"]
        style = "green" if r["success"] else "yellow"
        ratio = r["ratio_time"]
        rt = "" if ratio is None else f"[{'green' if ratio <= 1 else 'red'}]{ratio:.2f}×[/]"
        rg = "" if r["ratio_grads"] is None else f"{r['ratio_grads']:.2f}×"
        method = r["method"] if r["side"] == "optbench" else f"  vs {r['method']}"
        t.add_row(escape(case), escape(method), str(r["nit"]), str(r["ngev"]), str(r["nhvp"]), str(r["nhev"]),
                  _x(r["grad_equiv"], 4), _x(r["grad_norm"]), ok, f"[{style}]{status}[/{style}]",
                  _x(r["time"]), rt, rg)
    cap = ["ratio = optbench / reference (time: min over repeats); grad-eq = " + COST_MODEL + "; "
           "‖∇f‖∞ recomputed at the returned x"]
    for r in flagged:
        cap.append(escape(f"* {r['case']} {r['method']}: claimed success with ‖∇f‖∞ = {r['grad_norm']:.3g} > "
                          f"gtol = {r['gtol']:g} ({r['message']})"))
    for r in records:
        if r["status"] == "skipped":
            cap.append(escape(f"skipped {r['case']}: {r['note']}"))
        elif r.get("note"):
            cap.append(escape(f"{r['case']} {r['method']}: {r['note']}"))
    t.caption = "\n".join(cap)
    t.caption_justify = "left"
    return t



def core_table(records: list[dict], title: str = "core micro-benchmarks") -> Table:
    t = Table(title=title, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
    for name in ("metric", "n", "time", "baseline", "baseline time", "ratio", "target", "met"):
        t.add_column(name, justify="left" if name in ("metric", "baseline", "met") else "right")
    last = None
    for r in records:
        if last is not None and r["group"] != last:
            t.add_section()
        last = r["group"]
        met = "" if r["met"] is None else ("[green]yes[/green]" if r["met"] else "[red]no[/red]")
        t.add_row(escape(r["metric"]), "" if r["n"] is None else f"{r['n']:g}", _seconds(r["time"]),
                  escape(r["baseline"] or ""), _seconds(r["baseline_time"]),
                  "" if r["ratio"] is None else f"{r['ratio']:.3g}×",
                  _target(r), met)
    notes = [escape(f"{r['metric']}: {r['note']}") for r in records if r.get("note")]
    t.caption = "\n".join(dict.fromkeys(notes))
    t.caption_justify = "left"
    return t



def _seconds(v: Optional[float]) -> str:
    if v is None:
        return ""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if abs(v) >= scale:
            return f"{v / scale:.3g} {unit}"
    return f"{v / 1e-9:.3g} ns"



def suite_markdown(records: list[dict]) -> str:
    """The suite as a Markdown table (for docs/performance.md)."""
    head = ("case", "method", "iter", "#∇f", "#∇²f·v", "#∇²f", "grad-eq", "‖∇f‖∞", "≤ gtol", "status",
            "time [s]", "ratio time", "ratio grad-eq")
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    last = None
    for r in records:
        case = r["case"] if r["case"] != last else ""
        last = r["case"]
        if r["status"] == "skipped":
            lines.append(f"| {case} | {r['method']} |" + " |" * 7 + " skipped | | | |")
            continue
        reached = "yes" if r["reached_gtol"] else ("**NO, claimed success**" if r["claimed_success"] else "no")
        method = r["method"] if r["side"] == "optbench" else f"vs {r['method']}"
        rt = "" if r["ratio_time"] is None else f"**{r['ratio_time']:.2f}×**"
        rg = "" if r["ratio_grads"] is None else f"{r['ratio_grads']:.2f}×"
        cells = (case, method, r["nit"], r["ngev"], r["nhvp"], r["nhev"], _x(r["grad_equiv"], 4),
                 _x(r["grad_norm"]), reached, r["status"], _x(r["time"]), rt, rg)
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)



def core_markdown(records: list[dict]) -> str:
    head = ("metric", "n", "time", "baseline", "baseline time", "ratio", "target", "met")
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for r in records:
        met = "" if r["met"] is None else ("yes" if r["met"] else "**no**")
        cells = (r["metric"], "" if r["n"] is None else f"{r['n']:g}", _seconds(r["time"]), r["baseline"] or "",
                 _seconds(r["baseline_time"]), "" if r["ratio"] is None else f"{r['ratio']:.3g}×",
                 _target(r), met)
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)



def _target(r: dict) -> str:
    if r["target"] is None:
        return ""
    return f"≤ {r['target']:g}" + ("×" if r["baseline_time"] else " s")



def publish(kind: str, records: list[dict], env: dict, *, table: Table, markdown: str, as_markdown: bool,
            json_path: Optional[str], settings: dict, out, note) -> None:
    """Print ``markdown`` (``as_markdown``) or the rich ``table``; write the JSON file with the settings."""
    if as_markdown:
        print(markdown)
    else:
        out.print(table)
    if json_path:
        write_bench_json(json_path, kind, records, env, settings)
        note.print(f"wrote {json_path}")
