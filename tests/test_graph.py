"""``optbench graph``: one node per primitive evaluated, DOT that parses, rendering or a clear message."""

import importlib
import re
import sys

import autograd.numpy as np
import numpy as onp
import pytest
from autograd.core import VJPNode
from autograd.tracer import trace
from autograd.util import toposort
from typer.testing import CliRunner

import optbench
from optbench.cli import app

from lab_problems import mlp

runner = CliRunner()
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pydot uses old pyparsing names
graph_module = importlib.import_module("optbench.lab.graph")  # optbench.lab.graph is the function


def autograd_node_count(f, x):
    """How many primitive nodes autograd's own reverse-mode trace records (independent of optbench)."""
    _, end = trace(VJPNode.new_root(), f, x)
    nodes = list(toposort(end))
    return len(nodes) - 1  # minus the root (the input)


def parse_dot(text):
    """Nodes and edges of our DOT: with pydot when installed, else a small regex parser."""
    try:
        import pydot
    except ImportError:  # pragma: no cover - pydot is in the test extra
        nodes = re.findall(r"^\s*(n\d+) \[", text, flags=re.M)
        edges = re.findall(r"^\s*(n\d+) -> (n\d+);", text, flags=re.M)
        assert text.strip().startswith("digraph") and text.strip().endswith("}")
        return nodes, edges
    (g,) = pydot.graph_from_dot_data(text)
    nodes = [nd.get_name() for nd in g.get_nodes() if re.fullmatch(r"n\d+", nd.get_name())]
    edges = [(e.get_source(), e.get_destination()) for e in g.get_edges()]
    return nodes, edges


def test_rosenbrock_graph_has_one_node_per_primitive():
    g = optbench.graph("rosenbrock")
    # f = Σ b(x[1:] − x[:-1]²)² + (a − x[:-1])²: 3 slices, 3 powers, 2 subtractions, b·, +, Σ
    assert g.op_counts() == {"__getitem__": 3, "power": 3, "subtract": 2, "multiply": 1, "add": 1, "sum": 1}
    x0 = optbench.make_problem("rosenbrock").x0
    assert len(g.primitives) == autograd_node_count(optbench.make_problem("rosenbrock").f, x0) == 11
    assert g.nodes[0].op == "input" and g.nodes[0].shape == (2,)
    assert g.nodes[g.output].op == "sum" and g.nodes[g.output].shape == ()


def test_mlp_graph_counts_match_autograd_trace():
    prob = mlp()
    g = optbench.graph(prob)
    assert len(g.primitives) == autograd_node_count(prob.f, prob.x0)
    assert g.op_counts()["tanh"] == 1 and g.nodes[g.output].shape == ()


def test_dot_parses_with_a_node_per_primitive_and_every_edge():
    g = optbench.graph("rosenbrock", {"n": 4})
    nodes, edges = parse_dot(g.to_dot())
    assert len(nodes) == len(g.nodes) == len(g.primitives) + 1
    assert sorted(edges) == sorted((f"n{a}", f"n{b}") for a, b in g.edges)


def test_gradient_graph_contains_forward_and_backward_pass():
    f_graph = optbench.graph("rosenbrock")
    g_graph = optbench.graph("rosenbrock", grad=True)
    assert len(g_graph.primitives) > 2 * len(f_graph.primitives)
    assert g_graph.nodes[g_graph.output].shape == (2,)
    assert all(n.shape == (2,) for n in g_graph.nodes if n.op in ("untake", "sparse_add"))
    # the forward pass is replayed first, primitive for primitive
    assert [n.op for n in g_graph.primitives[: len(f_graph.primitives)]] == [n.op for n in f_graph.primitives]


def test_gradient_graph_of_a_function_that_unpacks_containers(tmp_path):
    """An f that unpacks x into per-layer weight tuples (autograd.misc.flatten, as mlp did before it became
    backend-neutral): the backward pass carries containers."""
    src = tmp_path / "packed.py"
    src.write_text(
        "import autograd.numpy as np\nfrom autograd.misc import flatten\nfrom optbench import Problem, problem\n\n"
        "@problem\ndef packed() -> Problem:\n"
        "    w0, unflatten = flatten([(np.ones((2, 3)), np.zeros(3)), (np.ones((3, 1)), np.zeros(1))])\n"
        "    def f(w):\n"
        "        h = np.ones((4, 2))\n"
        "        for W, b in unflatten(w):\n"
        "            h = np.tanh(np.dot(h, W) + b)\n"
        "        return np.sum(h ** 2)\n"
        "    return Problem(f, x0=w0)\n")
    prob = optbench.make_problem(f"{src}:packed")
    g = optbench.graph(prob, grad=True)
    assert g.nodes[g.output].shape == prob.x0.shape
    containers = [n for n in g.primitives if n.op == "container_untake"]
    assert containers and all(isinstance(s, tuple) for n in containers for s in n.shape)
    r = runner.invoke(app, ["graph", f"{src}:packed", "--grad"])
    assert r.exit_code == 0, r.stderr
    assert "container_untake\\n([" in r.stdout and "gradient of packed" in r.stdout
    r = runner.invoke(app, ["graph", "mlp", "--grad"])  # the bundled mlp (neutral slicing) draws too
    assert r.exit_code == 0, r.stderr


def test_graph_of_a_function_of_known_structure():
    prob = optbench.Problem(lambda x: np.sum(np.sin(x) * x), x0=onp.ones(3))
    g = optbench.graph(prob)
    assert [n.op for n in g.primitives] == ["sin", "multiply", "sum"]
    assert g.edges == [(0, 1), (1, 2), (0, 2), (2, 3)]


def test_cli_writes_dot_and_prints_dot_to_stdout(tmp_path):
    out = tmp_path / "g.dot"
    r = runner.invoke(app, ["graph", "rosenbrock", "-o", str(out)])
    assert r.exit_code == 0, r.stderr
    assert "11 primitives" in r.stdout and str(out) in r.stdout
    nodes, _ = parse_dot(out.read_text())
    assert len(nodes) == 12
    r = runner.invoke(app, ["graph", "rosenbrock", "--grad"])
    assert r.exit_code == 0 and r.stdout.startswith("digraph optbench {") and "gradient of rosenbrock" in r.stdout


def test_cli_render_without_dot_program_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(graph_module.shutil, "which", lambda name: None)
    out = tmp_path / "g.svg"
    r = runner.invoke(app, ["graph", "rosenbrock", "-o", str(out)])
    assert r.exit_code == 1
    assert "Graphviz's 'dot' program is not installed" in r.stderr and str(tmp_path / "g.dot") in r.stderr
    assert (tmp_path / "g.dot").exists() and not out.exists()


@pytest.mark.skipif(graph_module.dot_program() is None, reason="Graphviz 'dot' not installed")
def test_cli_renders_svg_with_dot(tmp_path):  # pragma: no cover - needs graphviz
    out = tmp_path / "g.svg"
    r = runner.invoke(app, ["graph", "rosenbrock", "-o", str(out)])
    assert r.exit_code == 0, r.stderr
    assert "<svg" in out.read_text()


def test_cli_bad_output_type():
    r = runner.invoke(app, ["graph", "rosenbrock", "-o", "g.txt"])
    assert r.exit_code == 2 and "use .dot, .svg, .png or .pdf" in r.stderr
