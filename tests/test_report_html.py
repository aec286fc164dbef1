"""`optbench report DIR --html`: one self-contained page, checked as a file and rendered in headless Chromium."""

import base64
import json
import re
import shutil
import subprocess
import tempfile

import pytest
from typer.testing import CliRunner

from optbench.cli import app

runner = CliRunner()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("html") / "run"
    r = invoke("compare", "rosenbrock", "-m", "gd,newton,lbfgs", "--max-iter", "100", "--out", out, "-q", "--no-plots")
    assert r.exit_code == 0, r.output
    m = json.loads((out / "manifest.json").read_text())
    m["command"] += " <script>alert('x')</script>"  # run directories come from anyone: must show as text
    (out / "manifest.json").write_text(json.dumps(m))
    return out


@pytest.fixture(scope="module")
def page(run_dir):
    r = invoke("report", run_dir, "--html")
    assert r.exit_code == 0, r.output
    target = run_dir / "report.html"
    assert r.stdout.strip() == str(target)
    return target, target.read_text(encoding="utf-8")


def test_page_holds_tables_figures_and_manifest(page, run_dir):
    _, text = page
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert text.count('<table class="instance">') == 1 and text.count('<table class="aggregate">') == 1
    for method in ("gd", "newton", "lbfgs"):
        assert f'<td class="l">{method}</td>' in text
    assert "max_iter" in text and "converged" in text  # gd stops on the budget, the others converge
    assert "‖∇f‖∞" in text and "sgm cost" in text
    m = json.loads((run_dir / "manifest.json").read_text())
    for key in ("numpy", "scipy", "matplotlib", "optbench"):
        assert f'<td class="l">{key}</td><td class="l">{m["versions"][key]}</td>' in text
    assert m["machine"]["hostname"] in text and "Budgets" in text
    images = re.findall(r'<img alt="([^"]*)" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    assert [alt for alt, _ in images] == ["performance and data profiles", "convergence on rosenbrock"]
    for _, data in images:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"


def test_page_is_self_contained_and_escapes_run_text(page):
    _, text = page
    assert "<script" not in text and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in text
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", text)  # nothing fetched from a network
    assert "<link" not in text and "@import" not in text and "url(" not in text


def test_out_file_and_flag_errors(run_dir, tmp_path):
    target = tmp_path / "page.html"
    r = invoke("report", run_dir, "--html", "--out", target)
    assert r.exit_code == 0 and target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    for args, needle in (((run_dir, "--out", target), "add --html"),
                         ((run_dir, "--html", "--json"), "--html and --json"),
                         ((run_dir, "--html", "--out", tmp_path), "is a directory"),
                         ((run_dir, "--html", "--out", tmp_path / "no" / "p.html"), "does not exist")):
        r = invoke("report", *args)
        assert r.exit_code == 2 and needle in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert "Traceback" not in r.output
    # a directory that is not a run directory: one line, exit 1 like `report` and `plot` without --html
    for bad in (tmp_path / "nothing", tmp_path):
        r = invoke("report", bad, "--html")
        assert r.exit_code == 1 and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.output
    assert not (tmp_path / "report.html").exists()


def test_report_without_traces_still_has_tables(run_dir, tmp_path):
    bare = tmp_path / "bare"
    bare.mkdir()
    for name in ("manifest.json", "summary.csv"):
        shutil.copy(run_dir / name, bare / name)
    assert invoke("report", bare, "--html").exit_code == 0
    text = (bare / "report.html").read_text(encoding="utf-8")
    assert '<table class="instance">' in text and "no figures" in text and "<img" not in text


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install -y chromium); .ci/run installs it")
def test_page_renders_in_headless_chromium(page, tmp_path):
    target, _ = page
    shot = tmp_path / "shot.png"
    profile = tempfile.mkdtemp(dir=tmp_path)
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", f"--screenshot={shot}", "--dump-dom", "--window-size=1200,1600",
           target.resolve().as_uri()]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    dom = p.stdout
    # the rendered DOM: the tables, their rows and the embedded figures
    assert dom.count("<table") == 2 + 4  # aggregate, instance; budgets, executor, versions, machine
    assert len(re.findall(r'<td class="l">(?:gd|newton|lbfgs)</td>', dom)) == 6
    assert dom.count('src="data:image/png;base64,') == 2
    # the screenshot is a real page: mostly white paper, with text, table rules and coloured curves
    from PIL import Image

    img = Image.open(shot).convert("RGB")
    assert img.size == (1200, 1600)
    colours = img.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 200, "screenshot looks blank"
    white = max(colours)[0] / (1200 * 1600)
    assert 0.3 < white < 0.99, white
    top = img.crop((0, 0, 1200, 400)).getcolors(maxcolors=1 << 20)
    assert len(top) > 20  # the title and the tables are drawn near the top, not a blank header
    # the figures are drawn: matplotlib's default blue (tab:blue, #1f77b4) appears somewhere on the page
    assert any(abs(r - 0x1F) < 12 and abs(g - 0x77) < 12 and abs(b - 0xB4) < 12 for _, (r, g, b) in colours)
