"""optbench — a command-line optimization workbench.

Problems are plugins written with ``autograd.numpy``; derivatives come from
automatic differentiation; solvers are plugins; runs report honest statuses and
traces you can keep.

>>> import optbench
>>> result = optbench.solve("rosenbrock", method="newton")

The public names are imported on first use (PEP 562 module ``__getattr__``), so
``import optbench`` — and with it ``optbench --help`` — does not import numpy,
autograd or scipy until a name that needs them is touched.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module (relative to this package) that defines it
_LAZY = {
    "solve": ".api",
    "checkpoint": ".core.checkpoint",
    "OptbenchError": ".core.errors",
    "PluginError": ".core.errors",
    "RunError": ".core.errors",
    "UsageError": ".core.errors",
    "Problem": ".core.problem",
    "make_problem": ".core.problem",
    "problem": ".core.problem",
    "Result": ".core.result",
    "Status": ".core.status",
    "check": ".lab.check",
    "graph": ".lab.graph",
    "memory": ".lab.memory",
    "modes": ".lab.modes",
}

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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # static checkers and IDEs see the eager imports
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
