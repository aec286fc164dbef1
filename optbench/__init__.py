"""optbench — a command-line optimization workbench.

Problems are plugins written with ``autograd.numpy``; derivatives come from
automatic differentiation; solvers are plugins; runs report honest statuses and
traces you can keep.

>>> import optbench
>>> result = optbench.solve("rosenbrock", method="newton")
"""

from .api import solve
from .lab.check import check
from .lab.graph import graph
from .lab.modes import modes
from .core.errors import OptbenchError, PluginError, RunError, UsageError
from .core.problem import Problem, make_problem, problem
from .core.result import Result
from .core.status import Status

__version__ = "0.1.0"

__all__ = [
    "Problem",
    "problem",
    "make_problem",
    "solve",
    "check",
    "modes",
    "graph",
    "Result",
    "Status",
    "OptbenchError",
    "UsageError",
    "RunError",
    "PluginError",
    "__version__",
]
