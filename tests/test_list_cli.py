"""`optbench list` and `optbench list NAME`."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from optbench.cli import app

BUNDLED = ["beale", "booth", "himmelblau", "logistic", "matyas", "mlp", "powell-singular", "quadratic",
           "rosenbrock", "styblinski-tang", "three-hump-camel", "wood"]
SOLVERS = ["gd", "lbfgs", "newton", "newton-cg"]


def run(*args, columns: int = 100):
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": str(columns)})
    return result.exit_code, result.stdout, result.stderr


def row(out: str, name: str) -> str:
    """The table line that starts with ``name``."""
    for line in out.splitlines():
        if line.split()[:1] == [name]:
            return line
    raise AssertionError(f"no row for {name}")


def test_list_shows_every_problem_and_solver_within_100_columns():
    code, out, err = run("list")
    assert code == 0 and err == ""
    for name in BUNDLED + SOLVERS:
        assert row(out, name)
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 100


def test_list_rows_give_dimension_f_star_and_parameters():
    code, out, _ = run("list", columns=300)
    assert code == 0
    assert re.search(r"^ ?quadratic\s+n=100\s+-0\.0155102\s+Convex quadratic", row(out, "quadratic"))
    assert re.search(r"^ ?mlp\s+82\s+unknown\s+MLP training loss", row(out, "mlp"))
    assert re.search(r"^ ?wood\s+4\s+0\s+Wood", row(out, "wood"))
    assert re.search(r"^ ?styblinski-tang\s+n=2\s+-78\.3323\s", row(out, "styblinski-tang"))
    assert "variant: chained|extended = chained · derivatives: autograd|analytic = autograd" in out
    assert "hidden: int list (AxB) = 16 · activation: tanh|relu = tanh · weight_decay: float = 0.001" in out
    assert re.search(r"^ ?newton-cg\s+f, grad, hvp\s+truncated Newton", row(out, "newton-cg"))
    assert "m: int = 10 · line_search: wolfe|armijo = wolfe" in out


def test_list_one_problem_in_full():
    code, out, _ = run("list", "rosenbrock")
    assert code == 0
    assert out.startswith("rosenbrock  (bundled rosenbrock.py)\n")
    assert "extended: f = Σ_j b(x_{2j} − x_{2j−1}²)²" in out  # the whole docstring
    for param, typ, default in [("n", "int", "2"), ("variant", "chained|extended", "chained"),
                                ("derivatives", "autograd|analytic", "autograd")]:
        assert re.search(rf"│ {param}\s+│ {re.escape(typ)}\s+│ {default}\s+│", out)
    assert re.search(r"dimension\s+2 *\n", out)
    assert re.search(r"x\*\s+\[1, 1\]", out)
    assert re.search(r"x0\s+\[-1\.2, 1\]", out)
    assert re.search(r"Hessian sparsity\s+4 structural nonzeros of 2²", out)


def test_list_problem_shows_metrics_and_unknown_f_star():
    code, out, _ = run("list", "mlp")
    assert code == 0
    assert re.search(r"f\*\s+unknown", out)
    assert re.search(r"metrics\s+train_accuracy", out)


def test_list_one_solver_in_full():
    code, out, _ = run("list", "newton-cg")
    assert code == 0
    assert out.startswith("newton-cg — truncated Newton")
    assert "needs: f, grad, hvp" in out
    assert "Nocedal & Wright" in out
    assert re.search(r"│ forcing\s+│ superlinear\|quadratic\|constant\s+│ superlinear\s+│", out)


@pytest.mark.parametrize("name,message", [
    ("rosenbrok", "error: problem or solver 'rosenbrok' not found; did you mean 'rosenbrock'?"),
    ("newton_cg", "error: problem or solver 'newton_cg' not found; did you mean 'newton-cg'?"),
])
def test_list_unknown_name(name, message):
    code, out, err = run("list", name)
    assert code == 2 and out == ""
    assert err.startswith(message) and err.count("\n") == 1
