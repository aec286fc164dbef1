"""Automatic-differentiation backends: ``autograd`` (the default) and ``jax`` (optional).

A backend decides how the oracle computes derivatives; solvers never see it (they get numpy
float64 arrays either way) and the counters keep their meaning. ``autograd`` is
:class:`optbench.core.oracle.Oracle`, unchanged. ``jax`` is
:class:`optbench.core.backends.jax_oracle.JaxOracle`: the same queries, each derivative
compiled once per problem instance by XLA (``jax.jit``) with float64 enabled, the compile time
measured apart from the run. JAX is an optional extra: ``pip install "optbench[jax]"``.

Problem files written with ``from optbench import np`` (:mod:`optbench.np`) run on both; a
file written with ``jax.numpy`` runs on ``jax`` only, one written with ``autograd.numpy`` on
``autograd`` (and on ``jax`` too when f uses only arithmetic and indexing, which JAX traces).
"""

from __future__ import annotations

from typing import Any, Optional

from ..errors import UsageError, unknown_name

BACKENDS = ("autograd", "jax")
DEFAULT = "autograd"
INSTALL = 'pip install "optbench[jax]"'


def check_backend(name: Any) -> str:
    """The backend's canonical name, or a UsageError naming the choices."""
    text = str(name).strip().lower()
    if text in BACKENDS:
        return text
    err = unknown_name("backend", str(name), BACKENDS, hint="")
    raise UsageError(str(err).replace("backend '", "{field} '", 1), field="backend", value=name,
                     allowed=", ".join(BACKENDS))


def check_backends(names: Any) -> list[str]:
    """``"autograd,jax"`` or a list → the canonical names (a grid axis); duplicates dropped."""
    items = [s for s in str(names).split(",")] if isinstance(names, str) else list(names)
    out: list[str] = []
    for item in items:
        name = check_backend(item)
        if name not in out:
            out.append(name)
    if not out:
        raise UsageError("{field} needs at least one backend (autograd, jax)", field="backend", value=names)
    return out


def load_jax() -> Any:
    """Import JAX with float64 enabled and synchronous CPU dispatch, or a one-line UsageError naming the install."""
    try:
        import jax
    except ImportError:
        raise UsageError(f"{{field}} jax needs JAX, which is not installed: {INSTALL}", field="backend",
                         value="jax", allowed="autograd") from None
    jax.config.update("jax_enable_x64", True)
    try:  # the oracle waits for every result: run it on the calling thread, no hand-off to a worker thread
        jax.config.update("jax_cpu_enable_async_dispatch", False)  # (~100 µs less per call on a busy machine)
    except (AttributeError, KeyError, ValueError):  # an older JAX without the option
        pass
    return jax


def available(name: str) -> bool:
    """Can ``name`` be used here (JAX importable)?"""
    if name == "autograd":
        return True
    try:
        load_jax()
    except UsageError:
        return False
    return True


def make_oracle(problem: Any, backend: str, *, linearize_gradients: bool, capabilities: frozenset = frozenset(),
                x0: Optional[Any] = None) -> Any:
    """An oracle for ``problem`` on ``backend``; on JAX, compiled for ``capabilities`` at ``x0`` first."""
    backend = check_backend(backend)
    if backend == "autograd":
        from ..oracle import Oracle

        return Oracle(problem, linearize_gradients=linearize_gradients)
    load_jax()
    from .jax_oracle import JaxOracle

    oracle = JaxOracle(problem, linearize_gradients=linearize_gradients)
    if x0 is not None:
        oracle.compile_for(capabilities, x0)
    return oracle
