"""The computational graph autograd traces for f at a point, as Graphviz DOT.

autograd records a computation by boxing the input and letting every primitive
applied to a boxed value create a node of the active trace's node type
(``autograd.tracer``: ``trace``, ``Node``). :func:`graph` runs f once under a
trace whose node type only *records*: one :class:`GraphNode` per primitive
evaluated on traced data (its name and output shape), with edges from the nodes
whose values it consumed. Primitives applied only to constants are not part of
the traced computation and do not appear. With ``grad=True`` the traced
function is x ↦ ∇f(x), so the graph holds the forward pass and the backward
(vector-Jacobian) pass that reverse mode runs — the graph that
forward-over-reverse differentiates again for a Hessian-vector product
(Griewank & Walther, *Evaluating Derivatives*, ch. 2; autograd's ``tracer.py``).
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as onp
from autograd.tracer import Node, trace

from . import autodiff
from ..core.errors import PluginError, RunError, UsageError
from ..core.problem import make_problem


@dataclass
class GraphNode:
    """One node: the input (``op == "input"``) or one primitive evaluation."""

    id: int
    op: str
    shape: tuple
    parents: list[int]


@dataclass
class Graph:
    """Nodes in evaluation order (node 0 is the input); ``output`` is the id of the result node."""

    problem: str
    gradient: bool
    nodes: list[GraphNode] = field(default_factory=list)
    output: Optional[int] = None

    @property
    def primitives(self) -> list[GraphNode]:
        return [nd for nd in self.nodes if nd.op != "input"]

    @property
    def edges(self) -> list[tuple[int, int]]:
        return [(p, nd.id) for nd in self.nodes for p in nd.parents]

    def op_counts(self) -> dict[str, int]:
        return dict(Counter(nd.op for nd in self.primitives))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["edges"] = self.edges
        return d

    def to_dot(self) -> str:
        """Graphviz DOT: one node per primitive (label: name and output shape), edges = data flow."""
        title = f"{'gradient of ' if self.gradient else ''}{self.problem}"
        lines = [
            "digraph optbench {",
            f'  label="{_esc(title)}";',
            "  rankdir=TB;",
            '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname="Helvetica"];',
        ]
        for nd in self.nodes:
            attrs = [f'label="{_esc(nd.op)}\\n{_esc(_shape_text(nd.shape))}"']
            if nd.op == "input":
                attrs += ['shape=ellipse', 'fillcolor="#d9f0d3"']
            if nd.id == self.output:
                attrs += ['peripheries=2', 'fillcolor="#fde0c5"']
            lines.append(f"  n{nd.id} [{', '.join(attrs)}];")
        for a, b in self.edges:
            lines.append(f"  n{a} -> n{b};")
        lines.append("}")
        return "\n".join(lines) + "\n"


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def _shape_text(shape: tuple) -> str:
    if any(isinstance(s, tuple) for s in shape):  # a container: the shapes of its items
        return "(" + ", ".join(_shape_text(s) for s in shape) + ")"
    return "scalar" if shape == () else "[" + "×".join(str(s) for s in shape) + "]"


def _shape_of(value: Any) -> tuple:
    """Shape of a traced value; autograd's sparse gradient pieces (``untake``) carry it in their vspace.

    A container value (the tuple/list/dict autograd's ``SequenceBox``/``DictBox`` carry, e.g. the
    gradient of a function that unpacks its weights) gives the tuple of its items' shapes.
    """
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (tuple, list)):
        return tuple(_shape_of(v) if not onp.isscalar(v) else () for v in value)
    if hasattr(value, "shape"):
        return tuple(value.shape)
    vs = getattr(value, "vs", None)
    if vs is not None and hasattr(vs, "shape"):
        return _vspace_shape(vs)
    return tuple(onp.shape(value))


def _vspace_shape(vs: Any) -> tuple:
    """An array vspace's shape, or the item shapes of a container vspace (whose shape holds vspaces)."""
    shape = vs.shape
    if isinstance(shape, dict):
        shape = list(shape.values())
    if all(isinstance(s, (int, onp.integer)) for s in shape):
        return tuple(int(s) for s in shape)
    return tuple(_vspace_shape(s) for s in shape)


class _RecordingNode(Node):
    """A trace node that records the primitive and its parents into a :class:`Graph`."""

    __slots__ = ["graph", "id"]

    def __init__(self, value, fun, args, kwargs, parent_argnums, parents):
        self.graph = parents[0].graph
        self.id = len(self.graph.nodes)
        name = getattr(fun, "__name__", None) or type(fun).__name__
        self.graph.nodes.append(GraphNode(self.id, name, _shape_of(value), [p.id for p in parents]))

    def initialize_root(self, graph: Graph, shape: tuple):
        self.graph = graph
        self.id = 0
        graph.nodes.append(GraphNode(0, "input", tuple(shape), []))


def trace_graph(fun: Any, x: onp.ndarray, name: str = "f", gradient: bool = False) -> Graph:
    """Trace ``fun`` (or x ↦ ∇fun(x) when ``gradient``) once at x and return its graph."""
    g = Graph(name, gradient)
    root = _RecordingNode.new_root(g, onp.shape(x))
    target = (lambda z: autodiff.gradient(fun, z)) if gradient else fun
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Output seems independent of input": reported below instead
        try:
            _, end = trace(root, target, x)
        except TypeError as e:
            raise PluginError(f"problem '{name}': autograd cannot trace f ({e}); write f with autograd.numpy") from None
    g.output = end.id if end is not None else None
    return g


def graph(problem: Any, params: Optional[dict] = None, *, at: Any = "x0", seed: int = 0, grad: bool = False) -> Graph:
    """The graph autograd records for the problem's f (or its gradient) at ``at`` (x0, random, vector)."""
    from .check import start_point

    prob = make_problem(problem, params)
    x, _ = start_point(prob, at, onp.random.default_rng(seed))
    try:
        return trace_graph(prob.f, x, prob.label or "f", gradient=grad)
    except (UsageError, RunError):
        raise
    except Exception as e:
        raise RunError(f"problem '{prob.label}': f raised {type(e).__name__} while tracing: {e}") from None


def dot_program() -> Optional[str]:
    """Path of Graphviz's ``dot`` program, or None."""
    return shutil.which("dot")


def render(dot_file: Path, out_file: Path) -> None:
    """Render a DOT file with Graphviz ``dot`` to the format named by ``out_file``'s suffix (svg, png, pdf)."""
    fmt = out_file.suffix.lstrip(".").lower()
    exe = dot_program()
    if exe is None:
        raise RunError(
            f"cannot render '{out_file}': Graphviz's 'dot' program is not installed; the DOT file is at "
            f"'{dot_file}' — install graphviz (e.g. apt-get install graphviz) or open it at an online DOT viewer"
        )
    proc = subprocess.run([exe, f"-T{fmt}", str(dot_file), "-o", str(out_file)], capture_output=True, text=True)
    if proc.returncode != 0:
        msg = " ".join((proc.stderr or "").split())[:200]
        raise RunError(f"dot failed to render '{out_file}' (exit {proc.returncode}): {msg}")
