"""Regenerate the sample outputs and quoted numbers in README.md and docs/*.md from real runs.

    python docs/regen.py                    # rewrite every marked block with fresh output
    python docs/regen.py --check            # exit 1, listing the blocks whose text differs
    python docs/regen.py --only NAME,NAME   # just these blocks (rewrite or --check)
    python docs/regen.py --skip-slow        # leave out the slow blocks (benchmark suite, n = 1e6 runs)
    python docs/regen.py --list             # the block names, where they are, slow or not

A block is the text between ``<!-- regen:NAME -->`` and ``<!-- /regen:NAME -->``, on their
own lines (a multi-line block: a code block, a table) or inside one line (a number in a
sentence or a table cell). Every block has a generator below (``@block("NAME")``) that runs
real commands in a scratch directory holding copies of ``examples/``, ``tests/data/`` and
``benchmarks/`` (the paths the docs use, from the repository root) and formats what they
print. Commands run with this repository's code first on ``PYTHONPATH`` and a fixed ``COLUMNS``,
so the tables have the width shown (120 columns, 140 for the derivative lab).

Time-dependent numbers are printed as measured but never compared: a generator either
declares its block ``timing=True`` (its whole text depends on the machine: wall times,
speed-ups) or gives a ``mask`` that blanks the time columns before ``--check`` compares the
rest (iterations, counts, statuses, values). ``--check`` compares whitespace-insensitively.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK_RE = re.compile(r"<!-- regen:(?P<name>[\w.-]+) -->(?P<body>.*?)<!-- /regen:(?P=name) -->", re.S)
COLUMNS = "120"
WIDE = "140"  # for the derivative lab's reports, whose lines are long


# ----------------------------------------------------------------------------- running commands


@dataclass
class Output:
    cmd: str
    code: int
    stdout: str
    text: str  # what a terminal shows: stdout and stderr as they came (trailing blanks removed)
    seconds: float


def _strip(s: str) -> str:
    return "\n".join(line.rstrip() for line in s.rstrip("\n").splitlines())


def _run_both(cmd: str, cwd: Path, env: dict) -> tuple[int, str, str]:
    """Run a shell command; return its exit code, its stdout, and stdout and stderr interleaved
    in the order they arrived (what a terminal shows; the children run unbuffered)."""
    import selectors

    p = subprocess.Popen(cmd, shell=True, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ, "out")
    sel.register(p.stderr, selectors.EVENT_READ, "err")
    out, both = bytearray(), bytearray()
    while sel.get_map():
        for key, _ in sel.select():
            chunk = os.read(key.fileobj.fileno(), 65536)
            if not chunk:
                sel.unregister(key.fileobj)
                continue
            both += chunk
            if key.data == "out":
                out += chunk
    code = p.wait()
    return code, out.decode("utf-8", "replace"), both.decode("utf-8", "replace")


class Workspace:
    """A scratch directory laid out like the repository root (examples/, tests/data/, benchmarks/)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="optbench-regen-"))
        for sub in ("examples", "tests/data", "benchmarks"):
            if (ROOT / sub).is_dir():
                shutil.copytree(ROOT / sub, self.dir / sub, ignore=shutil.ignore_patterns("__pycache__"))
        # this interpreter's scripts (optbench, python) first on PATH, this repository's code first on PYTHONPATH
        self.env = dict(os.environ, COLUMNS=COLUMNS, PYTHONPATH=os.pathsep.join(
            [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
            PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
            PYTHONUNBUFFERED="1")
        self.env.pop("OPTBENCH_DEBUG", None)
        self._cache: dict[str, Output] = {}

    def run(self, cmd: str, expect: int = 0, columns: str = COLUMNS) -> Output:
        """Run a shell command once (cached by its text) in a terminal ``columns`` wide; check its exit code."""
        key = f"{columns}:{cmd}"
        if key not in self._cache:
            env = dict(self.env, COLUMNS=columns)
            t0 = time.perf_counter()
            code, stdout, text = _run_both(cmd, self.dir, env)
            seconds = time.perf_counter() - t0
            self._cache[key] = Output(cmd, code, stdout, _strip(text), seconds)
        out = self._cache[key]
        if out.code != expect:
            raise RuntimeError(f"`{cmd}` exited {out.code}, expected {expect}:\n{out.text[-2000:]}")
        return out

    def python(self, code: str) -> str:
        """Run a Python snippet in a fresh interpreter; return its stdout."""
        import hashlib

        name = f"_snippet_{hashlib.sha1(code.encode()).hexdigest()[:12]}.py"
        (self.dir / name).write_text(code)
        return self.run(f"{sys.executable} {name}").stdout

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def session(ws: Workspace, commands: list[tuple[str, int]], indent: str = "    ",
            select: Optional[Callable[[str, Output], str]] = None) -> str:
    """``$ cmd`` lines, each followed by what it printed (or the part ``select`` keeps)."""
    lines = []
    for cmd, expect in commands:
        out = ws.run(cmd, expect)
        shown = select(cmd, out) if select else out.text
        lines.append(f"$ {cmd}")
        lines.extend(shown.splitlines() if shown else [])
    return "\n".join(indent + line if line else "" for line in lines)


def head_until(text: str, pattern: str, *, include: bool = True) -> str:
    """The lines of text up to the first that matches pattern."""
    out = []
    for line in text.splitlines():
        if re.search(pattern, line):
            if include:
                out.append(line)
            return "\n".join(out)
        out.append(line)
    raise RuntimeError(f"no line matches {pattern!r} in:\n{text}")


def grep(text: str, pattern: str, *, elide: bool = False) -> str:
    """The lines that match pattern; with elide, '...' where lines were left out."""
    out, skipped = [], False
    for line in text.splitlines():
        if re.search(pattern, line):
            if skipped and elide:
                out.append("...")
            out.append(line)
            skipped = False
        else:
            skipped = True
    if not out:
        raise RuntimeError(f"no line matches {pattern!r} in:\n{text}")
    if skipped and elide:
        out.append("...")
    return "\n".join(out)


# ----------------------------------------------------------------------------- masks (for --check)


def mask_table_columns(text: str, titles: tuple[str, ...]) -> str:
    """Blank the cells under the named columns of rich tables (right-aligned: a cell ends where its title ends)."""
    out, edges = [], None
    for line in text.splitlines():
        hits = [m.end() for t in titles for m in re.finditer(rf"(?<!\S){re.escape(t)}(?!\S)", line)]
        if hits and re.search(r"\bmethod\b", line):
            edges = set(hits)
            out.append(line)
            continue
        if edges is None or not line.strip():
            edges = None if not line.strip() else edges
            out.append(line)
            continue
        out.append(re.sub(r"\S+", lambda m: "<t>" if m.end() in edges else m.group(0), line))
    return "\n".join(out)


def mask_markdown_columns(text: str, titles: tuple[str, ...]) -> str:
    """Blank the cells under the named columns of Markdown tables."""
    out, cols = [], None
    for line in text.splitlines():
        if not line.startswith("|"):
            cols = None
            out.append(line)
            continue
        cells = line.strip().strip("|").split("|")
        if cols is None:
            cols = {i for i, c in enumerate(cells) if c.strip() in titles}
        elif not set(line) <= set("|-: "):
            cells = ["<t>" if i in cols else c for i, c in enumerate(cells)]
            line = "|" + "|".join(cells) + "|"
        out.append(line)
    return "\n".join(out)


def mask_regex(*patterns: str) -> Callable[[str], str]:
    def mask(text: str) -> str:
        for p in patterns:
            text = re.sub(p, "<t>", text)
        return text
    return mask


def _tokens(text: str) -> list[str]:
    """Words, with runs of a table's rule characters shortened (their length follows the column widths)."""
    return re.sub(r"([─━═])\1+", r"\1", text).split()


# ----------------------------------------------------------------------------- the blocks


@dataclass
class Block:
    name: str
    func: Callable[[Workspace], str]
    mask: Optional[Callable[[str], str]] = None
    timing: bool = False  # the whole text depends on the machine: printed, never compared
    slow: bool = False


BLOCKS: dict[str, Block] = {}


def block(name: str, *, mask=None, timing: bool = False, slow: bool = False):
    def deco(func):
        BLOCKS[name] = Block(name, func, mask, timing, slow)
        return func
    return deco


def fence(text: str, lang: str = "") -> str:
    return f"```{lang}\n{text}\n```"


def indent(text: str, by: str = "    ") -> str:
    return "\n".join(by + line if line else "" for line in text.splitlines())


DEMO = ("optbench compare rosenbrock quadratic mlp -m gd,newton,newton-cg,lbfgs,scipy:L-BFGS-B,"
        "scipy:Newton-CG --out runs/demo")
ROSEN = ("optbench compare rosenbrock -m newton,newton-cg,lbfgs,scipy:L-BFGS-B,scipy:Newton-CG "
         "-p n=2,10 --out runs/rosen")


# README.md


@block("demo-time", timing=True, slow=True)
def _demo_time(ws: Workspace) -> str:
    out = ws.run(DEMO)
    png = ws.dir / "runs/demo/plots/convergence-mlp.png"
    if png.exists():
        shutil.copyfile(png, ROOT / "docs/compare-mlp.png")
    return f"{out.seconds:.0f} s"


@block("cpus", timing=True)
def _cpus(ws: Workspace) -> str:
    return f"{os.cpu_count()}"


@block("readme-errors")
def _readme_errors(ws: Workspace) -> str:
    return session(ws, [
        ("optbench solve rosenbrok                         # exit 2", 2),
        ("optbench solve rosenbrock -m newton-cg -o eta=1.5  # exit 2", 2),
        ('optbench solve rosenbrock --x0 "1,abc"             # exit 2', 2),
    ])


# docs/compare.md

_COMPARE_MASK = lambda text: mask_table_columns(text, ("time", "median time", "sgm time"))  # noqa: E731


@block("compare-rosen", mask=_COMPARE_MASK)
def _compare_rosen(ws: Workspace) -> str:
    return indent(_strip(ws.run(ROSEN).stdout))


@block("compare-rosen-newton-f")
def _compare_rosen_newton_f(ws: Workspace) -> str:
    import csv
    ws.run(ROSEN)
    with open(ws.dir / "runs/rosen/summary.csv") as fh:
        for row in csv.DictReader(fh):
            if row["method"] == "newton" and row["n"] == "10":
                return f"{float(row['fun']):.3g}"
    raise RuntimeError("no newton n=10 row in runs/rosen/summary.csv")


@block("bench-jobs", timing=True, slow=True)
def _bench_jobs(ws: Workspace) -> str:
    return indent(_strip(ws.run(f"{sys.executable} benchmarks/bench_jobs.py").stdout))


# docs/problems.md


def _nit(ws: Workspace, cmd: str) -> int:
    out = ws.run(cmd + " --json")
    return int(json.loads(out.stdout)["nit"])


@block("logistic-fstar")
def _logistic_fstar(ws: Workspace) -> str:
    f = ws.python("from optbench.core.problem import make_problem\nprint(make_problem('logistic', {}).f_star)\n").strip()
    return "unknown" if f == "None" else f"{float(f):.6f}"


@block("mlp-dim")
def _mlp_dim(ws: Workspace) -> str:
    return ws.python("from optbench.core.problem import make_problem\nprint(make_problem('mlp', {}).x0.size)\n").strip()


@block("ragged-error")
def _ragged(ws: Workspace) -> str:
    return session(ws, [("optbench solve mlp -p dataset=tests/data/ragged.csv   # exit 2", 2)])


def _inner(ws: Workspace, params: str, options: str = "") -> tuple[int, int]:
    """(outer iterations, total CG iterations) of newton-cg on the quadratic n = 100, cond = 1e4."""
    cmd = f"optbench solve quadratic -p n=100 -p cond=1e4 {params} -m newton-cg {options} -q --json"
    d = json.loads(ws.run(re.sub(" +", " ", cmd)).stdout)
    return int(d["nit"]), sum(int(row.get("inner_iter") or 0) for row in d["trace"])


EXACT = "-o forcing=constant -o eta=1e-10"


@block("quadratic-iters")
def _quadratic_iters(ws: Workspace) -> str:
    q = "optbench solve quadratic -p n=100 -p cond=1e4"
    n_newton = _nit(ws, f"{q} -m newton -q")
    nit, inner = _inner(ws, "", EXACT)
    gd = {c: _nit(ws, f"optbench solve quadratic -p cond={c} -m gd -q") for c in (10, 100, 1000)}
    tri = f"optbench solve quadratic -p structure=tridiagonal -p n=100000 -p cond=1e6 -m newton -q"
    tri_json = json.loads(ws.run(tri + " --json").stdout)
    w = 46
    lines = [
        f"$ {q} -m newton -q          # {n_newton} iteration{'s' if n_newton != 1 else ''}",
        f"$ {q} -m newton-cg -o forcing=constant -o eta=1e-10",
        " " * w + f"# {nit} outer iteration{'s' if nit != 1 else ''}, {inner} CG iterations (≤ n = 100)",
        f"$ optbench solve quadratic -p cond=10 -m gd -q     # {gd[10]} iterations",
        f"$ optbench solve quadratic -p cond=100 -m gd -q    # {gd[100]}",
        f"$ optbench solve quadratic -p cond=1000 -m gd -q   # {gd[1000]}",
        "",
        f"$ {tri}",
        " " * w + f"# {tri_json['nit']} iteration{'s' if tri_json['nit'] != 1 else ''}, "
        f"{tri_json['nhvp']} HVPs, {tri_json['nhev']} dense Hessians (sparse path)",
    ]
    return indent("\n".join(lines))


@block("cg-inner")
def _cg_inner(ws: Workspace) -> str:
    _, u_exact = _inner(ws, "", EXACT)
    _, c_exact = _inner(ws, "-p spectrum=clustered", EXACT)
    u_nit, u_def = _inner(ws, "")
    _, c_def = _inner(ws, "-p spectrum=clustered")
    l_nit, l_exact = _inner(ws, "-p spectrum=log", EXACT)
    return (f"With an exact inner solve CG needs {u_exact} iterations on the uniform spectrum and {c_exact} on the\n"
            f"clustered one (`-p spectrum=clustered`). With newton-cg's default inexact (superlinear)\n"
            f"forcing the restarts cost {u_def} inner iterations in total over {u_nit} outer ones ({c_def} for clustered);\n"
            f"on the `log` spectrum CG in floating point loses orthogonality and needs more than n\n"
            f"({l_exact} over {l_nit} outer iterations even with the exact inner solve).")


@block("mlp-lbfgs", mask=mask_regex(r"(?<=Seconds run:)\s+\S+"))
def _mlp_lbfgs(ws: Workspace) -> str:
    def select(cmd, out):
        return head_until(out.text, r"∇f\(x\) calls") + "\n    ..."
    return session(ws, [("optbench solve mlp -m lbfgs --gtol 1e-5 -q", 0)], select=select)


@block("mgh-reached", slow=True)
def _mgh_reached(ws: Workspace) -> str:
    """benchmarks/bench_mgh.py's counts (machine-independent) as a table with every miss named."""
    ws.run("python benchmarks/bench_mgh.py --json mgh.json")
    data = json.loads((ws.dir / "mgh.json").read_text())
    settings, records = data["settings"], data["records"]
    lines = [f"`python benchmarks/bench_mgh.py` (standard starts, ‖∇f‖∞ ≤ {settings['gtol']:g}, at most "
             f"{settings['max_iter']} iterations; reached f* means f − f* ≤ 1e-5·|f*| + 1e-10; problems "
             "without a published f* at the size used are not counted):", "",
             "| method | reached f* | converged | false `converged` | not reached: id (status, f) |",
             "|---|---:|---:|---:|---|"]
    for row in data["summary"]:
        misses = [r for r in records if r["method"] == row["method"] and r["f_star"] is not None and not r["reached"]]
        missed = ", ".join(f"#{r['id']} ({r['status']}, {r['f']:.4g})" for r in misses) or "–"
        lines.append(f"| {row['method']} | {row['reached']}/{row['with_f_star']} | {row['converged']}/{row['problems']}"
                     f" | {row['false_converged']} | {missed} |")
    return "\n".join(lines)


@block("peers", slow=True, timing=True)
def _peers(ws: Workspace) -> str:
    """benchmarks/bench_peers.py's table; needs JAX (run regen from an environment with optbench[jax])."""
    try:
        import jax  # noqa: F401
    except ImportError:
        raise RuntimeError('block "peers" needs JAX: pip install ".[jax]" and rerun '
                           "python docs/regen.py --only peers") from None
    out = ws.run("python benchmarks/bench_peers.py --repeats 3")
    table = out.stdout[out.stdout.index("peers —"):].rstrip()
    when = time.strftime("%Y-%m-%d")
    return (f"Measured {when} by `python benchmarks/bench_peers.py --repeats 3` in {out.seconds:.0f} s, "
            f"load average {os.getloadavg()[0]:.1f} at the end:\n\n" + indent(table))


@block("plugin-errors")
def _plugin_errors(ws: Workspace) -> str:
    def select(cmd, out):
        if cmd.startswith("optbench list"):
            return "...\n" + grep(out.text, r"^warning:")
        return out.text
    return session(ws, [
        ("optbench solve examples/plugins/broken.py:broken          # exit 1", 1),
        ("optbench solve examples/plugins/bad_start.py:logbarrier   # exit 1", 1),
        ("optbench list --problems examples/plugins/", 0),
    ], select=select)


# docs/derivative_lab.md

CHECK = "optbench check rosenbrock"


@block("check-fd")
def _check_fd(ws: Workspace) -> str:
    return fence(f"$ {CHECK}\n" + head_until(ws.run(CHECK, columns=WIDE).text, r"^best r for the HVP"))


@block("check-best-error")
def _check_best_error(ws: Workspace) -> str:
    m = re.search(r"central \S+ \(error (\S+);", " ".join(ws.run(CHECK, columns=WIDE).text.split()))
    if not m:
        raise RuntimeError(f"no 'best h ... central ... (error ...)' in the output of {CHECK}")
    return m.group(1)


@block("check-taylor")
def _check_taylor(ws: Workspace) -> str:
    text = ws.run(CHECK, columns=WIDE).text
    return fence(text[text.index("observed orders"):].split("\nverdict:")[0] + "\nverdict:"
                 + text.split("\nverdict:")[1].split("\n")[0])


@block("check-hvp300", timing=True)
def _check_hvp300(ws: Workspace) -> str:
    cmd = "optbench check rosenbrock -p n=300"
    return fence(f"$ {cmd}\n" + grep(ws.run(cmd, columns=WIDE).text, r"(forward-over-reverse|reverse-over-reverse|dense Hessian × v) +│"))


@block("check-sparsity")
def _check_sparsity(ws: Workspace) -> str:
    m = re.search(r"declared Hessian sparsity: [^\n]*", ws.run("optbench check rosenbrock -p n=6", columns=WIDE).text)
    if not m:
        raise RuntimeError("no 'declared Hessian sparsity' line in optbench check rosenbrock -p n=6")
    return f"`{m.group(0).strip()}` (`optbench check rosenbrock -p n=6`)"


LAB_API = """\
import optbench
rep = optbench.check("rosenbrock", {"n": 3})      # CheckReport
rep.passed, rep.taylor.verdict(), rep.gradient.best_step
m = optbench.modes([1, 50], [50], width=16)        # ModesReport
[(c.n, c.m, c.forward_passes, c.reverse_passes) for c in m.cells]
g = optbench.graph("rosenbrock", grad=True)       # Graph; g.to_dot() is the DOT text
len(g.primitives)"""


_MEMORY_MASK = mask_regex(r"\d+\.\d+ s\b", r"\b\d+\.\d+×")  # times and time ratios vary with the machine


@block("memory", mask=_MEMORY_MASK, slow=True)
def _memory(ws: Workspace) -> str:
    cmds = ["optbench memory mlp -p hidden=64 -p depth=64 -p n_samples=4096 --repeat 3",
            "optbench memory mlp -p hidden=256 -p depth=64 -p n_samples=256 --k 1,2,4,8,16,64"]
    return fence("\n".join(f"$ {c}\n{_strip(ws.run(c).stdout)}" for c in cmds))


@block("checkpoint", mask=_MEMORY_MASK, slow=True)
def _checkpoint(ws: Workspace) -> str:
    cmd = "python benchmarks/bench_checkpoint.py"
    return fence(f"$ {cmd}     # 64 tanh layers × 64 units on 4096 samples, K = 8\n{_strip(ws.run(cmd).stdout)}")


@block("lab-api")
def _lab_api(ws: Workspace) -> str:
    """Each bare expression of LAB_API followed by its value as a comment, as in a REPL."""
    lines = LAB_API.splitlines()
    exprs = [i for i, line in enumerate(lines) if not re.match(r"^(import |\w+ = )", line)]
    code = "\n".join(
        f"print('<<{i}>>', repr(({line.split('#')[0].strip()})))" if i in exprs else line
        for i, line in enumerate(lines))
    values = dict(re.findall(r"^<<(\d+)>> (.*)$", ws.python(code), re.M))
    out = []
    for i, line in enumerate(lines):
        if i in exprs and lines[i].strip().startswith("len("):
            out.append(f"{line:<51}# {values[str(i)]}")
        else:
            out.append(line)
            if i in exprs:
                out.append(f"# {values[str(i)]}")
    return fence("\n".join(out), "python")


@block("check-wrong-grad")
def _check_wrong_grad(ws: Workspace) -> str:
    cmd = 'optbench check examples/my_rosen.py:my_rosen; echo "exit $?"'
    text = ws.run(cmd, columns=WIDE).text
    return fence(f"$ {cmd}\n" + grep(text, r"(supplied grad +│|^verdict:|^error:|^exit \d)", elide=True))


@block("check-float32")
def _check_float32(ws: Workspace) -> str:
    cmd = "optbench check --demo float32"
    return fence(f"$ {cmd}\n" + ws.run(cmd, columns=WIDE).text)


@block("modes", timing=True)
def _modes(ws: Workspace) -> str:
    return fence("$ optbench modes\n" + grep(ws.run("optbench modes", columns=WIDE).text, r"^(┃|│|cost model)"))


@block("graph")
def _graph(ws: Workspace) -> str:
    cmds = ["optbench graph rosenbrock -o g.dot", "optbench graph rosenbrock --grad -o g-grad.dot"]
    return fence("\n".join(f"$ {c}\n{ws.run(c).text}" for c in cmds))


# docs/performance.md


SPARSE_TABLE = r'''
import time, json
import numpy as np, autograd, optbench
from optbench.core.coloring import color_columns
from optbench.core.oracle import Oracle
from optbench.core.problem import make_problem

def best(fn, k=3):
    ts = []
    for _ in range(k):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return min(ts)

def ms(t): return f"{1e3 * t:.3g} ms" if t < 1 else f"{t:.3g} s"
rows = []
for variant, label in (("chained", "tridiagonal"), ("extended", "2×2 blocks")):
    P = make_problem("rosenbrock", {"n": 10**6, "variant": variant}).hess_sparsity
    ncol = int(color_columns(P).max()) + 1
    rows.append((f"colouring, {label} n = 10⁶ (`color_columns`)", f"{ncol} colours", ms(best(lambda: color_columns(P), 1))))
for variant in ("chained", "extended"):
    prob = make_problem("rosenbrock", {"n": 1000, "variant": variant}); x = prob.x0 + 0.1; o = Oracle(prob)
    o.sparse_hess(x); n0 = o.nhvp; o.sparse_hess(x + 0.0); k = o.nhvp - n0
    rows.append((f"Hessian at n = 1000, {variant} Rosenbrock",
                 f"sparse: {k} HVPs", f"sparse {ms(best(lambda: o.sparse_hess(x)))}, `Oracle(prob).hess` "
                 f"{ms(best(lambda: Oracle(prob).hess(x), 1))}, `autograd.hessian` {ms(best(lambda: autograd.hessian(prob.f)(x), 1))}"))
def run(label, params, **kw):
    t = time.perf_counter(); r = optbench.solve(make_problem("rosenbrock", params), "newton", **kw); t = time.perf_counter() - t
    rows.append((label, f"{r.status}, {r.nit} iterations, {r.nhvp} HVPs, {r.nfev} f, {r.njev} ∇f, {r.nhev} ∇²f"
                 + (f", ‖∇f‖∞ = {float(np.max(np.abs(r.jac))):.2g}" if r.status != "converged" else ""), ms(t)))
run("`newton`, extended Rosenbrock n = 10⁵, gtol 1e-8", {"n": 10**5, "variant": "extended"}, gtol=1e-8)
run("`newton`, extended Rosenbrock n = 10⁶, gtol 1e-8", {"n": 10**6, "variant": "extended"}, gtol=1e-8)
run("`newton`, chained Rosenbrock n = 1000", {"n": 1000}, max_iter=10000)
run("`newton`, chained Rosenbrock n = 10⁵, 100 iterations", {"n": 10**5}, max_iter=100)
print("| what | result | time |")
print("|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
'''


@block("sparse-table", mask=lambda t: mask_markdown_columns(t, ("time",)), slow=True)
def _sparse_table(ws: Workspace) -> str:
    return _strip(ws.python(SPARSE_TABLE))


@block("chained-newton-iters", slow=True)
def _chained_newton_iters(ws: Workspace) -> str:
    pure = _nit(ws, "optbench solve rosenbrock -p n=100 -m newton -o line_search=none --max-iter 10000 -q")
    armijo = _nit(ws, "optbench solve rosenbrock -p n=1000 -m newton --max-iter 10000 -q")
    return f"{pure} at n = 100 with `-o line_search=none`, {armijo} at n = 1000 with Armijo"


def _bench_env(path: Path, seconds: float) -> str:
    """One sentence on where and when: date, commit, versions, machine and its load, from the JSON."""
    env = json.loads(path.read_text())["environment"]
    v, m = env.get("versions", {}), env.get("machine", {})
    load = m.get("loadavg")
    commit = (env.get("git_commit") or "unknown")[:7] + (" + local changes" if env.get("git_dirty") else "")
    return (f"Measured {env.get('date', '?')} at commit `{commit}` in {seconds:.0f} s: Python {v.get('python')}, "
            f"numpy {v.get('numpy')}, scipy {v.get('scipy')}, autograd {v.get('autograd')}; "
            f"{m.get('platform')}, {m.get('cpus')} CPUs, load average {load[0]:.1f} at the end; "
            f"BLAS threads {env.get('blas_threads') or 'default'}.")


def _mask_suite(text: str) -> str:
    """Time columns, the environment line, and whole rows of runs that ended on their time budget."""
    text = re.sub(r"(?m)^Measured .*$", "<t>", text)
    text = re.sub(r"(?m)^\|.*\| max_time \|.*$", "| <t> |", text)
    return mask_markdown_columns(text, ("time [s]", "ratio time"))


@block("bench-suite", mask=_mask_suite, slow=True)
def _bench_suite(ws: Workspace) -> str:
    out = ws.run(f"{sys.executable} benchmarks/bench_suite.py --markdown --json suite.json")
    return _bench_env(ws.dir / "suite.json", out.seconds) + "\n\n" + _strip(out.stdout)


@block("bench-core", timing=True, slow=True)
def _bench_core(ws: Workspace) -> str:
    out = ws.run(f"{sys.executable} benchmarks/bench_core.py --markdown --json core.json")
    return _bench_env(ws.dir / "core.json", out.seconds) + "\n\n" + _strip(out.stdout)


# ----------------------------------------------------------------------------- driver


def find_blocks(text: str):
    return list(BLOCK_RE.finditer(text))


def render(match: re.Match, new: str) -> str:
    name, body = match.group("name"), match.group("body")
    if "\n" in body:
        return f"<!-- regen:{name} -->\n\n{new}\n\n<!-- /regen:{name} -->"
    return f"<!-- regen:{name} -->{new}<!-- /regen:{name} -->"


def same(block: Block, old: str, new: str) -> bool:
    if block.timing:
        return True
    mask = block.mask or (lambda s: s)
    return _tokens(mask(old)) == _tokens(mask(new))


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 listing the blocks that differ; write nothing")
    ap.add_argument("--only", default="", help="comma-separated block names")
    ap.add_argument("--skip-slow", action="store_true", help="leave out the slow blocks")
    ap.add_argument("--list", action="store_true", help="list the blocks and exit")
    args = ap.parse_args(argv)

    only = {s for s in args.only.split(",") if s}
    unknown = only - set(BLOCKS)
    if unknown:
        print(f"error: unknown block(s) {', '.join(sorted(unknown))}; blocks: {', '.join(sorted(BLOCKS))}",
              file=sys.stderr)
        return 2
    used: dict[str, list[str]] = {}
    for doc in DOCS:
        for m in find_blocks(doc.read_text()):
            used.setdefault(m.group("name"), []).append(str(doc.relative_to(ROOT)))
    orphans = set(used) - set(BLOCKS)
    if orphans:
        print(f"error: no generator for block(s) {', '.join(sorted(orphans))}", file=sys.stderr)
        return 2
    if args.list:
        for name, b in BLOCKS.items():
            flags = ",".join(f for f, on in (("slow", b.slow), ("timing", b.timing), ("masked", b.mask)) if on)
            print(f"{name:24} {', '.join(used.get(name, ['(unused)'])):28} {flags}")
        return 0

    wanted = [b for b in BLOCKS.values() if (not only or b.name in only) and not (args.skip_slow and b.slow)]
    ws = Workspace()
    results: dict[str, str] = {}
    failed: list[str] = []
    try:
        for b in wanted:
            if b.name not in used:
                continue
            t0 = time.perf_counter()
            try:
                results[b.name] = b.func(ws)
            except Exception as e:  # noqa: BLE001 - reported by name, the other blocks go on
                failed.append(f"{b.name}: {type(e).__name__}: {e}")
                print(f"  {b.name:24} FAILED: {e}", file=sys.stderr)
                continue
            print(f"  {b.name:24} {time.perf_counter() - t0:6.1f} s", file=sys.stderr)
    finally:
        ws.close()

    differ = []
    for doc in DOCS:
        text = doc.read_text()

        def sub(m: re.Match) -> str:
            name = m.group("name")
            if name not in results:
                return m.group(0)
            old = m.group("body").strip("\n")
            if not same(BLOCKS[name], old, results[name]):
                differ.append(f"{doc.relative_to(ROOT)}: {name}")
            return render(m, results[name])

        new_text = BLOCK_RE.sub(sub, text)
        if not args.check and new_text != text:
            doc.write_text(new_text)
    if failed:
        print("blocks whose commands failed (left as they were):", file=sys.stderr)
        for f in failed:
            print("  " + f, file=sys.stderr)
    if args.check:
        if differ or failed:
            print("blocks that differ from a fresh run (python docs/regen.py rewrites them):")
            for d in differ:
                print("  " + d)
            return 1
        print(f"{len(results)} blocks match a fresh run")
        return 0
    print(f"{len(results)} blocks regenerated" + (f"; changed beyond timings: {', '.join(differ)}" if differ else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
