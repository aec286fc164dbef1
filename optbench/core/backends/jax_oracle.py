"""The JAX oracle: the queries of :class:`optbench.core.oracle.Oracle`, compiled by XLA.

Same interface, cache and counters as the autograd oracle (it is a subclass: the cache of the
last two points, the hand-written derivatives and the counting rules are inherited); only the
automatic differentiation differs. For one problem instance, :class:`Compiled` holds

* ``f`` — ``jit(f)``;
* ``value_and_grad`` — ``jit(value_and_grad(f))``: reverse mode, f(x) and ∇f(x) in one pass
  (returned packed as one array [f, ∇f], so one transfer to numpy; ``hvp`` likewise);
* ``hvp`` — ``jit((x, v) ↦ jvp(∇f, (x,), (v,)))``: forward-over-reverse, ∇f(x) and ∇²f(x)·v
  in one pass (Pearlmutter 1994; Nocedal & Wright §8.1);
* ``linearize`` — ``jit(jax.linearize(∇f, x))``: f(x), ∇f(x) and the linear map v ↦ ∇²f(x)·v
  as residual arrays (a pytree), so repeated products at one x (CG, Hessians) skip the
  gradient pass; ``apply`` — ``jit((lin, v) ↦ lin(v))``, one product;
* ``dense`` — ``jit(lin ↦ vmap(lin)(I))``: the dense Hessian as one batched computation over
  the n basis vectors (then symmetrised, as the autograd oracle does);
* ``products`` — ``jit((lin, S) ↦ vmap(lin)(S))``: the products with the p seed columns of a
  Hessian colouring (:mod:`optbench.core.coloring`), read off by ``recover_hessian``.

Each is compiled once per problem instance and shape (``jax.jit``'s cache); the first call of
each is timed with ``block_until_ready`` and summed in :attr:`JaxOracle.compile_time`. The
driver compiles what a method's capabilities need before the run's clock starts
(:meth:`JaxOracle.compile_for`), so compile time is never hidden in the first iteration; a
function first needed later is compiled then and its time added (and noted in the trace).

Counters keep the autograd oracle's meaning — what would run if nothing were compiled: a
gradient counts one ``ngev`` and one ``nfev``, a single HVP one ``nhvp`` and one ``nfev``, a
linearization one ``nfev``, each product one ``nhvp``, a dense Hessian one ``nhev``, a sparse
Hessian ``ncolors`` products. Results reach the solvers as writable numpy float64 arrays.
"""

from __future__ import annotations

import time
import weakref
from typing import Any, Callable, Optional

import numpy as onp

from ..errors import OptbenchError, PluginError, RunError
from ..oracle import Oracle
from ...np import using


def _jax():
    from . import load_jax

    return load_jax()


class Compiled:
    """The jitted derivatives of one problem instance, and which have been compiled (and how long it took)."""

    def __init__(self, problem: Any):
        jax = _jax()
        jnp = jax.numpy
        user_f = problem.f
        name = problem.name or "problem"

        def f(x):
            with using(jnp):
                out = user_f(x)
            out = jnp.asarray(out)
            if out.size != 1:
                raise PluginError(f"problem '{name}': f must return a scalar, got an array of shape {out.shape}")
            if jnp.iscomplexobj(out):
                raise PluginError(f"problem '{name}': f must return a real number, got a complex value")
            return jnp.reshape(out, ()).astype(jnp.float64)

        grad = jax.grad(f)

        def grad_keeping_f(x):
            fx, g = jax.value_and_grad(f)(x)
            return g, fx

        def value_and_grad(x):  # packed [f, ∇f]: one transfer to numpy
            fx, g = jax.value_and_grad(f)(x)
            return jnp.concatenate([fx[None], g])

        def linearize(x):
            g, lin, fx = jax.linearize(grad_keeping_f, x, has_aux=True)
            return jnp.concatenate([fx[None], g]), lin

        def hvp(x, v):  # packed [∇f, ∇²f·v]
            g, hv = jax.jvp(grad, (x,), (v,))
            return jnp.concatenate([g, hv])

        def dense(lin):
            n = problem.n
            H = jax.vmap(lin)(jnp.eye(n, dtype=jnp.float64))  # row i = ∇²f·eᵢ
            return 0.5 * (H + H.T)

        self.functions: dict[str, Callable] = {
            "f": jax.jit(f),
            "value_and_grad": jax.jit(value_and_grad),
            "hvp": jax.jit(hvp),
            "linearize": jax.jit(linearize),
            "apply": jax.jit(lambda lin, v: lin(v)),
            "dense": jax.jit(dense),
            "products": jax.jit(lambda lin, S: jax.vmap(lin, in_axes=1, out_axes=1)(S)),
        }
        self.seconds: dict[str, float] = {}  # name → time of its first (compiling) call
        self.block = jax.block_until_ready
        self.jax_errors = _tracing_errors(jax)


def _tracing_errors(jax) -> tuple:
    errors = jax.errors
    names = ("TracerArrayConversionError", "ConcretizationTypeError", "TracerIntegerConversionError",
             "TracerBoolConversionError", "UnexpectedTracerError")
    return tuple(getattr(errors, n) for n in names if hasattr(errors, n))


_COMPILED: dict[int, Compiled] = {}


def compiled_for(problem: Any) -> Compiled:
    """The :class:`Compiled` of this problem instance (made once; dropped with the problem)."""
    key = id(problem)
    c = _COMPILED.get(key)
    if c is None:
        c = _COMPILED[key] = Compiled(problem)
        weakref.finalize(problem, _COMPILED.pop, key, None)
    return c


class _Linearization:
    """v ↦ ∇²f(x)·v at one x: the compiled linear map and its residuals; each product counts one ``nhvp``."""

    __slots__ = ("lin", "oracle")

    def __init__(self, lin: Any, oracle: "JaxOracle"):
        self.lin, self.oracle = lin, oracle

    def __call__(self, v: onp.ndarray) -> onp.ndarray:
        self.oracle.counts.nhvp += 1
        return onp.array(self.oracle._call("apply", self.lin, onp.asarray(v, dtype=float)))


class JaxOracle(Oracle):
    """Counted, cached access to f and its derivatives, computed by compiled JAX functions."""

    backend = "jax"

    def __init__(self, problem: Any, *, linearize_gradients: bool = False):
        super().__init__(problem, linearize_gradients=linearize_gradients)
        self._compiled = compiled_for(problem)
        #: seconds spent compiling for this oracle (first calls of the compiled functions)
        self.compile_time = 0.0
        #: name → seconds, for the functions this oracle compiled
        self.compile_times: dict[str, float] = {}

    # ------------------------------------------------------------------ compiled calls
    def _call(self, name: str, *args: Any) -> Any:
        c = self._compiled
        fn = c.functions[name]
        if name in c.seconds:
            try:
                return fn(*args)
            except c.jax_errors as e:  # pragma: no cover - traced once, below
                raise self._tracing_error(e) from None
        t0 = time.perf_counter()
        try:
            out = c.block(fn(*args))
        except c.jax_errors as e:
            raise self._tracing_error(e) from None
        except TypeError as e:
            if "Box" in str(e) or "autograd" in str(e):
                raise self._tracing_error(e) from None
            raise
        seconds = time.perf_counter() - t0
        c.seconds[name] = seconds
        self.compile_times[name] = seconds
        self.compile_time += seconds
        return out

    def _tracing_error(self, e: Exception) -> PluginError:
        first = " ".join(str(e).split())[:160]
        return PluginError(
            f"problem '{self.name}': JAX cannot trace f ({type(e).__name__}: {first}); write f with "
            "'from optbench import np' (or jax.numpy) and jnp.where instead of Python if on values, "
            "or run it on the autograd backend")

    def compile_for(self, capabilities: frozenset, x: onp.ndarray) -> float:
        """Compile (and time) what a method with ``capabilities`` will ask, at a point shaped like x.

        Nothing is counted or cached: these are the compiling first calls. Returns the seconds spent.
        """
        try:
            return self._compile_for(capabilities, x)
        except (OptbenchError, KeyboardInterrupt):
            raise
        except Exception as e:  # noqa: BLE001 - the objective may raise anything at x0, as on autograd
            raise RunError(f"problem '{self.name}': f(x0) raised {type(e).__name__}: {e}") from None

    def _compile_for(self, capabilities: frozenset, x: onp.ndarray) -> float:
        p = self.problem
        x = onp.array(x, dtype=float, copy=True)
        before = self.compile_time
        done = self._compiled.seconds  # compiled earlier for this problem instance: not run again

        def first(name: str, *args: Any) -> None:
            if name not in done:
                self._call(name, *args)

        first("f", x)
        if p.grad is None:
            first("value_and_grad", x)
        caps = {str(getattr(c, "value", c)) for c in capabilities}
        own_second = p.hvp is not None or p.hess is not None
        if "hvp" in caps and not own_second:
            first("hvp", x, onp.zeros_like(x))
        if ({"hvp-operator", "hess"} & caps) and not own_second:
            hess = ("products" if p.hess_sparsity is not None else "dense") if "hess" in caps else None
            if "apply" not in done or (hess is not None and hess not in done):  # (linearize compiles with apply)
                fg, lin = self._call("linearize", x)
                first("apply", lin, onp.zeros_like(x))
                if hess == "products":
                    first("products", lin, self._seeds())
                elif hess == "dense":
                    first("dense", lin)
        return self.compile_time - before

    @property
    def compile_note(self) -> str:
        """``jax: compiled 2 functions in 0.41 s (not in time)`` — the trace note of row 0."""
        if not self.compile_times:
            return "jax: compiled earlier (cache)"
        return f"jax: compiled {len(self.compile_times)} functions in {self.compile_time:.3g} s (not in time)"

    # ------------------------------------------------------------------ the queries
    def _counted_f(self, x: Any) -> Any:
        self.counts.nfev += 1
        return onp.asarray(self._call("f", onp.asarray(x, dtype=float)))

    def value_and_grad(self, x: onp.ndarray) -> tuple[float, onp.ndarray]:
        """(f(x), ∇f(x)) by compiled reverse mode; counted as one ``ngev`` and one ``nfev``."""
        if self.problem.grad is not None or (self._at_cached(x) and self._f is not None and self._g is not None):
            return super().value_and_grad(x)
        if self.linearize_gradients:
            fx, g, apply = self._linearize(x)
            self.counts.ngev += 1
            self._remember(x, fx, g)
            self._keep_linearization(apply)
            return fx, g
        self.counts.nfev += 1
        fg = onp.array(self._call("value_and_grad", onp.asarray(x, dtype=float)))
        self.counts.ngev += 1
        fx, g = float(fg[0]), fg[1:]
        self._remember(x, fx, g)
        return fx, g

    def _linearize(self, x: onp.ndarray) -> tuple[float, onp.ndarray, Callable[[onp.ndarray], onp.ndarray]]:
        """(f(x), ∇f(x), v ↦ ∇²f(x)·v) from one compiled linearization of ∇f; one ``nfev``."""
        self.counts.nfev += 1
        fg, lin = self._call("linearize", onp.array(x, dtype=float, copy=True))
        fg = onp.array(fg)
        return float(fg[0]), fg[1:], _Linearization(lin, self)

    def hvp(self, x: onp.ndarray, v: onp.ndarray) -> onp.ndarray:
        """∇²f(x)·v by compiled forward-over-reverse (one pass); one ``nhvp`` and one ``nfev``."""
        if self.problem.hvp is not None or self.problem.hess is not None:
            return super().hvp(x, v)
        self.counts.nhvp += 1
        self.counts.nfev += 1
        ghv = onp.array(self._call("hvp", onp.asarray(x, dtype=float), onp.asarray(v, dtype=float)))
        self._remember(x, None, ghv[:self.n])
        return ghv[self.n:]

    def _ad_operator(self, x: onp.ndarray) -> Optional[_Linearization]:
        op = self.hvp_operator(x)
        return op if isinstance(op, _Linearization) else None

    def hess(self, x: onp.ndarray) -> onp.ndarray:
        """Dense ∇²f(x): without hand-written derivatives or a pattern, one batched (vmap) product
        with the n basis vectors through the linearization at x; counted as one ``nhev``."""
        p = self.problem
        if p.hess is not None or p.hess_sparsity is not None or p.hvp is not None:
            return super().hess(x)
        op = self._ad_operator(x)
        H = onp.array(self._call("dense", op.lin), dtype=float)
        self.counts.nhev += 1
        return H

    def _seeds(self) -> onp.ndarray:
        pattern, colors, kind = self.coloring
        return (colors[:, None] == onp.arange(self.ncolors)[None, :]).astype(float)

    def sparse_hess(self, x: onp.ndarray):
        """∇²f(x) on the declared pattern: the ``ncolors`` seed products in one batched (vmap)
        call through the linearization at x, each counted in ``nhvp``; then recovered."""
        if self.problem.hess is not None or self.problem.hvp is not None:
            return super().sparse_hess(x)
        from ..coloring import recover_hessian

        pattern, colors, kind = self.coloring
        op = self._ad_operator(x)
        B = onp.array(self._call("products", op.lin, self._seeds()), dtype=float)
        self.counts.nhvp += B.shape[1]
        return recover_hessian(pattern, colors, kind, B)
