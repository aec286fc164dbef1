"""``optbench check`` on the command line: verdicts, exit codes, JSON, plots, the float32 demo."""

import json
import re
import textwrap

import pytest
from typer.testing import CliRunner

from optbench.cli import app

runner = CliRunner()

PLUGIN = textwrap.dedent(
    """
    import autograd.numpy as np
    import numpy as onp
    from optbench import Problem, problem

    def f(x):
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

    def grad(x):
        g = onp.zeros_like(x)
        g[:-1] = -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
        g[1:] += 200 * (x[1:] - x[:-1] ** 2)
        return g

    @problem
    def handrosen(bug: bool = False) -> Problem:
        "Rosenbrock with a hand-written gradient (bug=true drops a factor 2 in one term)."
        def g(x):
            out = grad(x)
            if bug:
                out[0] += (1 - x[0])  # the derivative of (1 - x0)^2 written as -(1 - x0)
            return out
        return Problem(f, x0=onp.array([-1.2, 1.0]), grad=g)
    """
)


@pytest.fixture()
def plugin(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text(PLUGIN)
    return path


def test_check_rosenbrock_passes_with_verdict_line():
    r = runner.invoke(app, ["check", "rosenbrock"])
    assert r.exit_code == 0, r.stderr
    assert re.search(r"gradient: order (1\.9\d|2\.0\d) ✓, Hessian: order (2\.9\d|3\.0\d) ✓", r.stdout)
    assert "✓ all derivative checks passed" in r.stdout
    for header in ("∇f central FD", "forward-over-reverse", "reverse-over-reverse", "dense Hessian × v", "symmetry"):
        assert header in r.stdout
    assert r.stderr == ""


def test_correct_hand_written_gradient_passes(plugin):
    r = runner.invoke(app, ["check", f"{plugin}:handrosen"])
    assert r.exit_code == 0, r.stderr
    assert "supplied grad" in r.stdout and "hand-written derivatives: grad" in r.stdout


def test_wrong_gradient_exits_1_and_names_it(plugin):
    r = runner.invoke(app, ["check", f"{plugin}:handrosen", "-p", "bug=true"])
    assert r.exit_code == 1
    err = r.stderr.strip()
    assert err.startswith("error: check failed: the supplied grad (gradient) is wrong") and "\n" not in err
    assert "Traceback" not in r.stdout + r.stderr
    assert re.search(r"gradient: order 1\.\d\d ✗", r.stdout)


def test_json_output_is_strict_json():
    r = runner.invoke(app, ["check", "rosenbrock", "-p", "n=3", "--json", "--at", "random", "--seed", "2"])
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["passed"] is True and d["n"] == 3 and d["at"].startswith("random")
    assert len(d["taylor"]["r1"]) == len(d["taylor"]["steps"]) == 30
    assert set(d["gradient"]) >= {"steps", "forward", "central", "best_step", "best_error"}


def test_plot_is_written(tmp_path):
    out = tmp_path / "fd.png"
    r = runner.invoke(app, ["check", "rosenbrock", "--plot", str(out)])
    assert r.exit_code == 0, r.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000


def test_float32_demo_is_reachable_from_the_cli(tmp_path):
    r = runner.invoke(app, ["check", "--demo", "float32"])
    assert r.exit_code == 0, r.stderr
    assert "1.000166" in r.stdout and "autograd (float32) gives 1 " in r.stdout
    d = json.loads(runner.invoke(app, ["check", "--demo", "float32", "--json"]).stdout)
    assert d["ad"] == 1.0 and abs(d["fd"] - 1.0002) < 1e-4


@pytest.mark.parametrize(
    "args,message",
    [
        (["check", "rosenbrok"], "did you mean 'rosenbrock'"),
        (["check"], "missing PROBLEM"),
        (["check", "rosenbrock", "--at", "1,2,3"], "--at has 3 numbers"),
        (["check", "rosenbrock", "--at", "one,two"], "--at expects x0, random or comma-separated numbers"),
        (["check", "--demo", "float16"], "--demo 'float16' not found"),
        (["check", "rosenbrock", "--demo", "float32"], "either a PROBLEM or --demo"),
        (["check", "rosenbrock", "--plot", "out.txt"], "unknown image type '.txt'"),
    ],
)
def test_usage_errors_are_one_line_exit_2(args, message):
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    assert message in r.stderr and r.stderr.count("\n") == 1


SPARSITY_PLUGIN = textwrap.dedent(
    """
    import autograd.numpy as np
    import numpy as onp
    from scipy.sparse import diags
    from optbench import Problem, problem

    @problem
    def chain(width: int = 1) -> Problem:
        "Chained Rosenbrock (tridiagonal Hessian) declaring a band of the given half-width."
        n = 6
        def f(x):
            return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
        offsets = list(range(-width, width + 1))
        pattern = diags([onp.ones(n - abs(k)) for k in offsets], offsets, shape=(n, n), format="csr")
        return Problem(f, x0=onp.tile([-1.2, 1.0], 3), hess_sparsity=pattern)
    """
)


def test_declared_sparsity_is_checked_against_the_hessian(tmp_path):
    path = tmp_path / "sparse.py"
    path.write_text(SPARSITY_PLUGIN)
    ok = runner.invoke(app, ["check", f"{path}:chain"])
    assert ok.exit_code == 0, ok.stderr
    assert "declared Hessian sparsity: 16 entries cover all 16 nonzeros ✓" in ok.stdout
    wide = runner.invoke(app, ["check", f"{path}:chain", "-p", "width=2"])
    assert wide.exit_code == 0  # too wide only costs extra products
    narrow = runner.invoke(app, ["check", f"{path}:chain", "-p", "width=0"])
    assert narrow.exit_code == 1
    assert "declared Hessian sparsity: misses 10 nonzeros, e.g. (1, 2) ✗" in narrow.stdout
    assert "the declared hess_sparsity misses 10 nonzero entries of ∇²f at x, e.g. (1, 2)" in " ".join(narrow.output.split())
