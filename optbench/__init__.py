"""optbench — a command-line optimization workbench.

Problems are plugins written with ``autograd.numpy``; derivatives come from
automatic differentiation; solvers are plugins; runs report honest statuses and
traces you can keep.

>>> import optbench
>>> result = optbench.solve("rosenbrock", method="newton")
"""

from .api import solve
from .core.checkpoint import checkpoint
from .core.errors import OptbenchError, PluginError, RunError, UsageError
from .core.problem import Problem, make_problem, problem
from .core.result import Result
from .core.status import Status
from .lab.check import check
from .lab.graph import graph
from .lab.memory import memory
from .lab.modes import modes

__version__ = "0.1.0"

__all__ = [
    "Problem",
    "problem",
    "make_problem",
    "solve",
    "check",
    "modes",
    "graph",
    "checkpoint",
    "memory",
    "Result",
    "Status",
    "OptbenchError",
    "UsageError",
    "RunError",
    "PluginError",
    "__version__",
]
