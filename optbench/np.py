"""A backend-neutral ``numpy`` for problem files: ``from optbench import np``.

Every attribute is looked up, when it is used, in the array namespace of the backend that is
evaluating f: ``autograd.numpy`` by default (so a file written with it behaves exactly as one
that imports ``autograd.numpy as np``), ``jax.numpy`` while the JAX backend traces f. One
problem file then runs on both backends::

    from optbench import Problem, np, problem

    @problem
    def bowl(n: int = 3) -> Problem:
        def f(x):
            return np.sum((x - 1.0) ** 2)       # autograd.numpy.sum or jax.numpy.sum
        return Problem(f, x0=np.zeros(n))      # built outside f: plain numpy arrays

The rule: look attributes up *when f runs* (``np.sum(...)`` inside f), never bind them once
in the factory (``s = np.sum`` captures the namespace of build time, autograd's). Outside f
(factories, ``metrics``) the namespace is ``autograd.numpy``, whose functions return plain
numpy arrays. The switch is per thread (:func:`using`), so runs in threads do not interfere.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any, Iterator

_state = threading.local()
_default: list = []  # [autograd.numpy] once imported


def namespace() -> Any:
    """The array module f should use now: the active backend's (default ``autograd.numpy``)."""
    module = getattr(_state, "module", None)
    if module is not None:
        return module
    if not _default:
        import autograd.numpy

        _default.append(autograd.numpy)
    return _default[0]


@contextlib.contextmanager
def using(module: Any) -> Iterator[None]:
    """Within the block (this thread), ``optbench.np.X`` is ``module.X``."""
    previous = getattr(_state, "module", None)
    _state.module = module
    try:
        yield
    finally:
        _state.module = previous


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    return getattr(namespace(), name)


def __dir__() -> list:
    return sorted(set(dir(namespace())) | {"namespace", "using"})
