"""Every command shown in README.md and docs/*.md runs as shown, with the documented exit code.

What counts as a documented command (the rule):

* It is a line inside a code block of README.md or docs/*.md — an indented block (4 or more
  spaces, outside any fenced block) or a fenced block whose info string is empty or one of
  ``sh bash console shell text`` (```` ```python ````, ```` ```toml ```` … are file contents,
  not commands).
* After an optional ``$ `` prompt, the line starts with ``optbench `` or ``python ``
  (``pip install …`` lines and everything else are not run).
* Expected exit code 0, unless the line ends in a shell comment containing ``exit N``
  (``optbench solve rosenbrok   # exit 2``) — the annotation for error examples.
* ``<!-- docs-test: skip (reason) -->`` on the lines before a block leaves that block's
  commands out (for example a Dask cluster or an installed entry-point package they need).
* A command that needs JAX (``--backend jax`` or ``autograd,jax``, a file in ``examples/jax/``,
  ``benchmarks/bench_peers.py``) runs only where JAX is installed (``pip install ".[jax]"``).

Each document's commands run in the order shown, in one scratch directory per document that
holds copies of ``examples/``, ``tests/data/`` and ``benchmarks/`` (the paths the docs use,
relative to the repository root), so a command may use the files an earlier one wrote
(``optbench report runs/demo`` after the ``compare … --out runs/demo``) and nothing is written
into the repository.

* The default run (``python -m pytest``) runs the quick commands in this process with
  typer's ``CliRunner``, in the same order; the slow ones (matched by ``SLOW`` below), those
  that need a shell (``;``, ``|``, ``&&``, redirections) and ``python …`` scripts are left to:
* ``python -m pytest -m docs`` — every command, as a real shell command (``optbench`` and
  ``python`` from this interpreter's directory, this repository first on ``PYTHONPATH``), one
  after the other; CI runs it after the README's test command.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_FENCES = {"", "sh", "bash", "console", "shell", "text"}
PREFIXES = ("optbench ", "python ")
SKIP_RE = re.compile(r"<!--\s*docs-test:\s*skip\b(?P<reason>.*?)-->")
EXIT_RE = re.compile(r"^#.*\bexit (\d+)\b")
JAX_RE = re.compile(r"--backend[ =]\S*\bjax\b|examples/jax/|bench_peers")
HAVE_JAX = importlib.util.find_spec("jax") is not None

# Commands too slow for the default run (each takes more than a few seconds), and the ones
# that read what a slow one wrote. They run under `-m docs`.
SLOW = [
    r"^optbench compare ",
    r"\bruns/(demo|rosen)\b",
    r"^optbench bench\b",
    r"^python benchmarks/",
    r"^optbench modes\b",
    r"-p n=100000\b",
    r"-p n=300\b",
    r"^optbench solve mlp -m lbfgs\b",
    r"-p cond=1000 -m gd\b",
    r"^optbench memory\b",
]


@dataclass(frozen=True)
class Command:
    doc: str
    line: int
    text: str  # as shown, without the "$ " prompt
    expect: int
    skip: str  # reason, or ""

    @property
    def slow(self) -> bool:
        return any(re.search(p, self.text) for p in SLOW)

    @property
    def lacks_jax(self) -> bool:
        """Needs JAX installed (see the module doc); left out where it is not."""
        return bool(JAX_RE.search(_strip_comment(self.text))) and not HAVE_JAX

    @property
    def needs_shell(self) -> bool:
        return bool(re.search(r"[;|&<>]|\$\(|`", _strip_comment(self.text)))

    def __str__(self) -> str:
        return f"{self.doc}:{self.line}: {self.text}"


def _comment_start(cmd: str) -> int:
    """Index of a trailing shell comment (a '#' outside quotes, at the start of a word), or len(cmd)."""
    quote = None
    for i, ch in enumerate(cmd):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or cmd[i - 1].isspace()):
            return i
    return len(cmd)


def _strip_comment(cmd: str) -> str:
    return cmd[:_comment_start(cmd)].strip()


def extract(path: Path) -> list[Command]:
    """The documented commands of one Markdown file, in order (the rule in the module docstring)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Command] = []
    fence, fence_ok = None, False
    pending_skip, skip = "", ""
    prev_blank = True
    in_indented = False
    for i, raw in enumerate(lines, 1):
        stripped = raw.strip()
        m = re.match(r"^\s*(```+|~~~+)\s*([\w+-]*)", raw)
        if fence is None and m:
            fence, fence_ok = m.group(1), m.group(2).lower() in SHELL_FENCES
            skip, pending_skip = pending_skip, ""
            in_indented = False
            continue
        if fence is not None:
            if stripped.startswith(fence):
                fence, skip = None, ""
                prev_blank = False
                continue
            if fence_ok:
                _add(out, path, i, stripped, skip)
            continue
        if stripped.startswith("<!--") and stripped.endswith("-->"):
            # an HTML comment line (a skip annotation, a regen marker) ends its block: a code block may follow
            sm = SKIP_RE.search(raw)
            if sm:
                pending_skip = sm.group("reason").strip(" ()") or "skipped"
            prev_blank, in_indented = True, False
            continue
        indented = raw.startswith("    ") and stripped != ""
        if indented and (prev_blank or in_indented):
            if not in_indented:
                skip, pending_skip = pending_skip, ""
            in_indented = True
            _add(out, path, i, stripped, skip)
        elif stripped:
            in_indented = False
            skip = pending_skip = ""
        prev_blank = stripped == ""
    return out


def _add(out: list[Command], path: Path, line: int, stripped: str, skip: str) -> None:
    text = stripped[2:] if stripped.startswith("$ ") else stripped
    if not text.startswith(PREFIXES):
        return
    m = EXIT_RE.search(text[_comment_start(text):])  # in the trailing comment, not in `echo "exit $?"`
    expect = int(m.group(1)) if m else 0
    out.append(Command(str(path.relative_to(ROOT)), line, text, expect, skip))


ALL = {doc: extract(doc) for doc in DOCS}


def _workspace(tmp_path: Path) -> Path:
    for sub in ("examples", "tests/data", "benchmarks"):
        if (ROOT / sub).is_dir():
            shutil.copytree(ROOT / sub, tmp_path / sub, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


# ----------------------------------------------------------------------------- the rule itself


def test_the_docs_show_commands_and_the_rule_finds_them():
    cmds = [c for doc in DOCS for c in ALL[doc]]
    assert len(cmds) >= 40, len(cmds)
    texts = {c.text.split("#")[0].strip() for c in cmds}
    # one from each kind of block: indented, fenced, a regenerated session, a list item's block
    assert "optbench list" in texts
    assert "optbench check --demo float32" in texts
    assert any(t.startswith("optbench solve rosenbrok") for t in texts)
    assert any(c.text.startswith("optbench compare rosenbrock -m gd,lbfgs,newton,scipy:trust-krylov") and c.skip
               for c in cmds)
    errors = [c for c in cmds if c.expect]
    assert errors and all(c.expect in (1, 2) for c in errors)


def test_extract_rule_on_a_sample(tmp_path):
    doc = tmp_path / "x.md"
    doc.write_text(
        "text\n\n    optbench list\n    pip install .\n\n```python\npython is not run here\n```\n\n"
        "```\n$ optbench solve rosenbrok   # exit 2\nerror: ...\n```\n\n"
        "<!-- docs-test: skip (needs a cluster) -->\n    optbench compare x --dask tcp://h:1\n\nText.\n\n"
        "    optbench check a.py:b; echo \"exit $?\"\n"
        "A paragraph\n    optbench not-a-block-line\n",
        encoding="utf-8")
    global ROOT
    root, ROOT = ROOT, tmp_path
    try:
        got = [(c.text, c.expect, bool(c.skip)) for c in extract(doc)]
    finally:
        ROOT = root
    assert got == [
        ("optbench list", 0, False),
        ("optbench solve rosenbrok   # exit 2", 2, False),
        ("optbench compare x --dask tcp://h:1", 0, True),
        ('optbench check a.py:b; echo "exit $?"', 0, False),
    ]


def test_listed_plugin_files_match_the_shipped_examples():
    """A ```python block whose first line is `# examples/FILE.py` shows (part of) that file verbatim."""
    seen = 0
    for doc in DOCS:
        for m in re.finditer(r"```python\n# (examples/\S+\.py)[^\n]*\n(.*?)```", doc.read_text(encoding="utf-8"), re.S):
            path, body = ROOT / m.group(1), m.group(2)
            assert path.is_file(), f"{doc.name} shows {m.group(1)}, which does not exist"
            assert body.strip() in path.read_text(encoding="utf-8"), f"{doc.name}: {m.group(1)} differs from the file"
            seen += 1
    assert seen >= 3


# ----------------------------------------------------------------------------- running them


def _run_in_process(cmd: Command) -> tuple[int, str]:
    from typer.testing import CliRunner

    from optbench.cli import app

    args = shlex.split(cmd.text, comments=True)
    assert args[0] == "optbench"
    r = CliRunner().invoke(app, args[1:], env={"COLUMNS": "100"})
    return r.exit_code, (r.output or "") + (str(r.exception) if r.exception and r.exit_code not in (0, 1, 2) else "")


def _sandbox_registries(monkeypatch) -> None:
    """Plugin files the docs load (broken ones too) register into copies, restored after the test."""
    import optbench

    pm = sys.modules[optbench.problem.__module__]  # the module of the @problem decorator
    pm.load_bundled()
    for name in ("_REGISTRY", "_FILE_REGISTRIES", "_LOAD_ERRORS"):
        if hasattr(pm, name):
            monkeypatch.setattr(pm, name, dict(getattr(pm, name)))


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_quick_documented_commands_run(doc, tmp_path, monkeypatch):
    """The quick commands of one document, in order, in process (the slow ones run under -m docs)."""
    _sandbox_registries(monkeypatch)
    monkeypatch.chdir(_workspace(tmp_path))
    quick = [c for c in ALL[doc] if not (c.skip or c.slow or c.needs_shell or c.lacks_jax or c.text.startswith("python "))]
    failures = []
    for cmd in quick:
        code, out = _run_in_process(cmd)
        if code != cmd.expect:
            failures.append(f"{cmd}\n  exit {code}, documented {cmd.expect}\n  {out.strip()[-600:]}")
    assert not failures, "\n".join(failures)


@pytest.mark.docs
@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_documented_command_runs(doc, tmp_path, request):
    """Every command of one document, as a shell command, in order (about ten minutes in all)."""
    if "docs" not in (request.config.getoption("-m") or ""):
        pytest.skip("the full documented-command run is selected with -m docs")
    ws = _workspace(tmp_path)
    env = dict(os.environ, COLUMNS="100",
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
               PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    env.pop("OPTBENCH_DEBUG", None)
    failures, ran = [], 0
    for cmd in ALL[doc]:
        if cmd.skip or cmd.lacks_jax:
            continue
        p = subprocess.run(cmd.text, shell=True, cwd=ws, env=env, capture_output=True, text=True,
                           stdin=subprocess.DEVNULL)
        ran += 1
        if p.returncode != cmd.expect:
            failures.append(f"{cmd}\n  exit {p.returncode}, documented {cmd.expect}\n  "
                            f"{(p.stdout + p.stderr).strip()[-800:]}")
    print(f"{doc.name}: {ran} documented commands run, {len(failures)} failed")
    assert not failures, "\n".join(failures)


def _python_examples(doc: Path) -> list[str]:
    """```python blocks that are programs (they start with an import), not listings of a file."""
    blocks = re.findall(r"^```python\n(.*?)^```", doc.read_text(encoding="utf-8"), re.S | re.M)
    return [b for b in blocks if re.match(r"(import|from) ", b)]


def test_python_examples_are_found():
    found = [b for doc in DOCS for b in _python_examples(doc)]
    assert any("optbench.solve(" in b for b in found) and any("optbench.check(" in b for b in found)


@pytest.mark.docs
@pytest.mark.parametrize("doc", [d for d in DOCS if _python_examples(d)], ids=lambda p: p.name)
def test_python_examples_run(doc, tmp_path, request):
    """Every Python example in the docs runs without an error (in a fresh interpreter, in a scratch directory)."""
    if "docs" not in (request.config.getoption("-m") or ""):
        pytest.skip("the documented Python examples run with -m docs")
    ws = _workspace(tmp_path)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    for i, code in enumerate(_python_examples(doc)):
        p = subprocess.run([sys.executable, "-c", code], cwd=ws, env=env, capture_output=True, text=True)
        assert p.returncode == 0, f"{doc.name}, Python example {i + 1}:\n{code}\n{p.stderr[-1500:]}"
