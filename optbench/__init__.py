"""optbench — a command-line optimization workbench.

Problems are plugins written with ``autograd.numpy``; derivatives come from
automatic differentiation; solvers are plugins; runs report honest statuses and
traces you can keep.

>>> import optbench
>>> result = optbench.solve("rosenbrock", method="newton")
"""

from .api import solve
from .check import check
from .checkpoint import checkpoint
from .graph import graph
from .lab.memory import memory
from .modes import modes
from .errors import OptbenchError, PluginError, RunError, UsageError
from .problem import Problem, make_problem, problem
from .result import Result
from .status import Status

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
