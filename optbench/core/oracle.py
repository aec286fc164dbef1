"""The derivative oracle: the only module that uses autograd's differential operators.

``Oracle(problem)`` answers f(x), ∇f(x), ∇²f(x)·v and ∇²f(x) with exact
derivatives from automatic differentiation (or from the problem's hand-written
derivatives when it supplies them), counts every real evaluation and caches the
last point, so that asking again at the same x costs and counts nothing.

How the derivatives are computed (autograd 1.x):

* gradient — reverse mode: ``make_vjp(f)(x)`` traces f once, then one backward
  pass with cotangent 1 gives ∇f(x) (and f(x) for free);
* Hessian-vector product — forward-over-reverse: ``make_jvp(∇f)(x)(v)`` pushes
  the tangent v through the gradient computation, giving ∇f(x) and ∇²f(x)·v in
  one pass (Pearlmutter 1994; Nocedal & Wright §8.1);
* repeated HVPs at one x (inner CG loop, dense Hessians) — :meth:`Oracle.hvp_operator`
  linearizes once: ``make_vjp(∇f)(x)`` records the gradient computation, then each
  product is a single backward pass through that record (∇²f is symmetric, so the
  vector-Jacobian product of ∇f is the Hessian-vector product);
* dense Hessian — the operator above applied to the n unit vectors;
* sparse Hessian (when the problem declares ``hess_sparsity``) — the operator applied to
  the p compressed seed vectors of a column colouring (:mod:`optbench.core.coloring`), p = 3
  for a tridiagonal pattern whatever n; the entries are read off the p products.
* gradients for second-order solvers — with ``linearize_gradients`` (the driver sets it for
  methods that declare Hessians or repeated HVPs: ``newton``, ``newton-cg``), :meth:`Oracle.value_and_grad` computes ∇f *as* that linearization
  (f(x) kept on the way), so the products that follow at the same point reuse its pass
  instead of running f again; it counts as one gradient and one call of f.

Cache: the last point and the one before it (f, ∇f and the linearization, of which at most
one is kept), so a trust-region method returning to x after a rejected trial point, or a line
search returning to its start, recomputes nothing and counts nothing.

Counters: ``nfev`` is the number of times the user's ``f`` actually ran (inside
derivative computations too); ``ngev``, ``nhvp`` and ``nhev`` count gradients,
Hessian-vector products and dense Hessians delivered. What each counter costs in
gradient-equivalents is left to the reporting layer (which weighs ``nhev`` as n gradients).
A sparse Hessian from autograd is *not* a dense one: it costs ``ncolors`` products, counted
in ``nhvp`` (one each — real backward passes), and nothing in ``nhev``; only a problem's own
``hess``, used for the sparse Hessian too, counts in ``nhev``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as onp
from autograd.core import make_jvp, make_vjp
from autograd.extend import vspace
from autograd.tracer import getval

from . import autograd_fast as _autograd_fast
from .errors import PluginError
from .problem import Problem

tracing_rules = _autograd_fast.tracing_rules  # basic slicing and x**2 rules, only while we record traces


def _same_point(x: Any, y: onp.ndarray) -> bool:
    """``onp.array_equal(x, y)``, with O(1) answers for the same object and for 1-d arrays whose first
    entries differ (a solver's new point, nearly always: the full O(n) comparison is then skipped)."""
    if x is y:
        return True
    if type(x) is onp.ndarray:
        if x.shape != y.shape:
            return False
        if x.ndim == 1 and x.shape[0] and not x[0] == y[0]:
            return False
        return bool((x == y).all())  # what array_equal does, without its argument conversions
    return onp.array_equal(x, y)


@dataclass
class Counts:
    """Cumulative evaluation counts."""

    nfev: int = 0
    ngev: int = 0
    nhvp: int = 0
    nhev: int = 0

    def as_dict(self) -> dict:
        return {"nfev": self.nfev, "ngev": self.ngev, "nhvp": self.nhvp, "nhev": self.nhev}


def _raised_in_jax(e: BaseException) -> bool:
    """Was ``e`` raised inside JAX (f written with jax.numpy)?"""
    tb = e.__traceback__
    while tb is not None:
        if "/jax/" in tb.tb_frame.f_code.co_filename.replace("\\", "/"):
            return True
        tb = tb.tb_next
    return False


class Oracle:
    """Counted, cached access to f and its derivatives for one problem."""

    def __init__(self, problem: Problem, *, linearize_gradients: bool = False):
        self.problem = problem
        self.name = problem.name or "problem"
        self.n = problem.n
        self.counts = Counts()
        self._user_f = problem.f
        self._x: Optional[onp.ndarray] = None
        self._f: Optional[float] = None
        self._g: Optional[onp.ndarray] = None
        self._coloring: Optional[tuple[Any, onp.ndarray, onp.ndarray]] = None
        #: Chosen by the driver from a method's capabilities (:func:`optbench.core.methods.oracle_for`):
        #: gradients are then computed as linearizations (see :meth:`value_and_grad`), so the
        #: HVPs that follow at the same x need no second pass through f.
        self.linearize_gradients = linearize_gradients
        self._lin: Optional[Callable[[onp.ndarray], onp.ndarray]] = None  # hvp operator at self._x
        #: (x, f, g, lin) of the point cached before the current one: a trust-region method that
        #: rejects a trial point returns to it at no cost. At most one linearization is kept.
        self._prev: Optional[tuple] = None

    # ------------------------------------------------------------------ counters
    @property
    def nfev(self) -> int:
        return self.counts.nfev

    @property
    def ngev(self) -> int:
        return self.counts.ngev

    @property
    def nhvp(self) -> int:
        return self.counts.nhvp

    @property
    def nhev(self) -> int:
        return self.counts.nhev

    # ------------------------------------------------------------------ internals
    def _counted_f(self, x: Any) -> Any:
        self.counts.nfev += 1
        return self._user_f(x)

    def _at_cached(self, x: onp.ndarray) -> bool:
        """Is x the cached point? The previous point counts too: it becomes the current one."""
        if self._x is not None and _same_point(x, self._x):
            return True
        prev = self._prev
        if prev is not None and _same_point(x, prev[0]):
            self._prev = (self._x, self._f, self._g, self._lin)
            self._x, self._f, self._g, self._lin = prev
            return True
        return False

    def _keep_linearization(self, apply: Callable[[onp.ndarray], onp.ndarray]) -> None:
        """Keep ``apply`` as the current point's linearization, dropping the previous point's (memory)."""
        self._lin = apply
        if self._prev is not None and self._prev[3] is not None:
            self._prev = self._prev[:3] + (None,)

    def _remember(self, x: onp.ndarray, f: Optional[float], g: Optional[onp.ndarray], *,
                  cached: Optional[bool] = None) -> None:
        """Cache f and g at x. ``cached``: what :meth:`_at_cached` said of x just before, when the caller
        knows and nothing changed the cache since (saves comparing x again)."""
        if not (self._at_cached(x) if cached is None else cached):
            if self._x is not None:
                self._prev = (self._x, self._f, self._g, self._lin)
            self._x = onp.array(x, dtype=float, copy=True)
            self._f, self._g, self._lin = None, None, None
        if f is not None:
            self._f = f
        if g is not None:
            self._g = g

    def _scalar(self, value: Any) -> float:
        """Check the objective returned a real scalar and convert it to float."""
        if type(value) is onp.float64 or type(value) is float:  # the usual answer: nothing to check
            return float(value)
        if isinstance(value, (str, bytes)):
            raise PluginError(f"problem '{self.name}': f must return a real number, got a string {value!r}")
        if isinstance(value, complex) or onp.iscomplexobj(value):
            raise PluginError(f"problem '{self.name}': f must return a real number, got complex {value!r}")
        arr = onp.asarray(value)
        if arr.dtype.kind not in "fiub":
            raise PluginError(f"problem '{self.name}': f must return a real number, got {type(value).__name__}")
        if arr.size != 1:
            raise PluginError(
                f"problem '{self.name}': f must return a scalar, got an array of shape {arr.shape}"
            )
        return float(arr.reshape(()))

    def _wrap_autograd_error(self, e: TypeError) -> Exception:
        if _raised_in_jax(e):  # a jax.numpy file on the autograd backend
            return PluginError(f"problem '{self.name}': f uses jax.numpy, which autograd cannot differentiate; run it "
                               "on the jax backend, or write it with 'from optbench import np' to run on both")
        if "Box" in str(e) or "autograd" in str(e):
            return PluginError(
                f"problem '{self.name}': autograd cannot differentiate f ({e}); "
                "write f with autograd.numpy (import autograd.numpy as np) and avoid in-place assignment"
            )
        return e

    # ------------------------------------------------------------------ queries
    def f(self, x: onp.ndarray) -> float:
        """f(x), counted in ``nfev``; free if x is the cached point."""
        hit = self._at_cached(x)
        if hit and self._f is not None:
            return self._f
        fx = self._scalar(self._counted_f(x))
        self._remember(x, fx, None, cached=hit)
        return fx

    def value_and_grad(self, x: onp.ndarray) -> tuple[float, onp.ndarray]:
        """(f(x), ∇f(x)) by reverse mode (one traced call of f); counted in ``ngev``."""
        hit = self._at_cached(x)
        if hit and self._f is not None and self._g is not None:
            return self._f, self._g
        if self.problem.grad is not None:
            fx = self.f(x)  # (x is the cached point after this)
            self.counts.ngev += 1
            g = onp.asarray(self.problem.grad(x), dtype=float).reshape(-1)
            self._check_grad_shape(g)
            self._remember(x, fx, g, cached=True)
            return fx, g
        if self.linearize_gradients:
            fx, g, apply = self._linearize(x)
            self.counts.ngev += 1
            self._remember(x, fx, g, cached=hit)
            self._keep_linearization(apply)
            return fx, g
        try:
            with tracing_rules():
                vjp, ans = make_vjp(self._counted_f, x)
            fx = self._scalar(ans)
            g = vjp(vspace(ans).ones())
        except TypeError as e:
            raise self._wrap_autograd_error(e) from None
        self.counts.ngev += 1
        g = onp.asarray(g, dtype=float).reshape(-1)
        self._remember(x, fx, g, cached=hit)
        return fx, g

    def _linearize(self, x: onp.ndarray) -> tuple[float, onp.ndarray, Callable[[onp.ndarray], onp.ndarray]]:
        """(f(x), ∇f(x), v ↦ ∇²f(x)·v) from one recorded pass of the gradient computation.

        ``make_vjp(∇f)(x)`` runs f once forward and once backward while recording both, so it
        yields ∇f(x) (and f(x), kept on the way) at about the price of a plain gradient; each
        product is then one backward pass through the record (∇²f is symmetric, so the VJP of
        ∇f is the HVP). Counted: one call of f (``nfev``); products in ``nhvp`` when applied.
        """
        kept: dict = {}

        def grad_keeping_f(z: Any) -> Any:
            vjp, ans = make_vjp(self._counted_f, z)
            kept["f"] = getval(ans)
            return vjp(vspace(ans).ones())

        try:
            # the record outlives this call: trace a private copy, so a caller mutating x later
            # cannot change what the recorded backward passes read
            with tracing_rules():
                vjp_of_grad, g = make_vjp(grad_keeping_f, onp.array(x, dtype=float, copy=True))
            fx = self._scalar(kept["f"])
        except TypeError as e:
            raise self._wrap_autograd_error(e) from None

        def apply(v: onp.ndarray) -> onp.ndarray:
            self.counts.nhvp += 1
            return onp.asarray(vjp_of_grad(onp.asarray(v, dtype=float)), dtype=float).reshape(-1)

        return fx, onp.asarray(g, dtype=float).reshape(-1), apply

    def grad(self, x: onp.ndarray) -> onp.ndarray:
        """∇f(x)."""
        return self.value_and_grad(x)[1]

    def _check_grad_shape(self, g: onp.ndarray) -> None:
        if g.size != self.n:
            raise PluginError(f"problem '{self.name}': grad returned {g.size} entries, expected {self.n}")

    def _autograd_grad(self, x: Any) -> Any:
        vjp, ans = make_vjp(self._counted_f, x)
        return vjp(vspace(ans).ones())

    def hvp(self, x: onp.ndarray, v: onp.ndarray) -> onp.ndarray:
        """∇²f(x)·v by forward-over-reverse (one pass); counted in ``nhvp``.

        The pass also yields ∇f(x), which is cached without being counted as a gradient.
        """
        self.counts.nhvp += 1
        if self.problem.hvp is not None:
            return onp.asarray(self.problem.hvp(x, v), dtype=float).reshape(-1)
        if self.problem.hess is not None:
            return onp.asarray(self.problem.hess(x) @ v, dtype=float).reshape(-1)
        try:
            with tracing_rules():
                g, hv = make_jvp(self._autograd_grad, x)(onp.asarray(v, dtype=float))
        except TypeError as e:
            raise self._wrap_autograd_error(e) from None
        self._remember(x, None, onp.asarray(g, dtype=float).reshape(-1))
        return onp.asarray(hv, dtype=float).reshape(-1)

    def hvp_operator(self, x: onp.ndarray) -> Callable[[onp.ndarray], onp.ndarray]:
        """v ↦ ∇²f(x)·v for many v at one x: linearize once, then one backward pass per product.

        Linearizing runs f once (``nfev``; the gradient it yields is cached, not counted);
        each product is counted in ``nhvp``. The linearization at the cached point is kept,
        so asking again at the same x (or after :meth:`value_and_grad` with
        ``linearize_gradients``) costs and counts nothing.
        """
        if self.problem.hvp is not None or self.problem.hess is not None:
            return lambda v: self.hvp(x, v)
        if self._at_cached(x) and self._lin is not None:  # (the check may bring back the previous point)
            return self._lin
        fx, g, apply = self._linearize(x)
        self._remember(x, fx, g if self.problem.grad is None else None)  # a hand-written ∇f stays the one used
        self._keep_linearization(apply)
        return apply

    def hess(self, x: onp.ndarray) -> onp.ndarray:
        """Dense ∇²f(x).

        The problem's own ``hess`` (counted in ``nhev``); else, when it declares
        ``hess_sparsity``, the coloured sparse Hessian made dense (:meth:`sparse_hess`:
        a few products counted in ``nhvp``); else n backward passes through one
        linearization (counted as one ``nhev``).
        """
        if self.problem.hess is not None:
            self.counts.nhev += 1
            H = self.problem.hess(x)
            return onp.asarray(H.toarray() if hasattr(H, "toarray") else H, dtype=float)
        if self.problem.hess_sparsity is not None:
            return self.sparse_hess(x).toarray()
        saved = self.counts.nhvp
        op = self.hvp_operator(x)
        H = onp.empty((self.n, self.n))
        e = onp.zeros(self.n)
        for i in range(self.n):
            e[i] = 1.0
            H[:, i] = op(e)
            e[i] = 0.0
        self.counts.nhvp = saved
        self.counts.nhev += 1
        return 0.5 * (H + H.T)

    @property
    def coloring(self) -> tuple[Any, onp.ndarray, str]:
        """(pattern, colors, kind) for the declared ``hess_sparsity``, computed once (see coloring.hessian_coloring)."""
        if self._coloring is None:
            from .coloring import hessian_coloring

            if self.problem.hess_sparsity is None:
                raise PluginError(f"problem '{self.name}' declares no hess_sparsity")
            try:
                self._coloring = hessian_coloring(self.problem.hess_sparsity)
            except (TypeError, ValueError) as e:
                raise PluginError(f"problem '{self.name}': hess_sparsity is not a sparsity pattern ({e})") from None
            if self._coloring[0].shape != (self.n, self.n):
                shape, self._coloring = self._coloring[0].shape, None
                raise PluginError(
                    f"problem '{self.name}': hess_sparsity has shape {shape}, expected ({self.n}, {self.n})"
                )
        return self._coloring

    @property
    def ncolors(self) -> int:
        """Hessian-vector products per sparse Hessian."""
        return int(self.coloring[1].max()) + 1

    def sparse_hess(self, x: onp.ndarray):
        """∇²f(x) as a symmetric ``scipy.sparse.csr_matrix`` on the declared ``hess_sparsity``.

        With the problem's own ``hess``: that matrix in CSR, counted in ``nhev``. Otherwise
        one linearization (``nfev``) and one backward pass per colour of the column colouring
        (CPR, or a star colouring when it needs fewer colours; :mod:`optbench.core.coloring`), each
        counted in ``nhvp``; ``nhev`` is not counted.
        """
        from scipy.sparse import csr_matrix

        if self.problem.hess is not None:
            self.counts.nhev += 1
            H = self.problem.hess(x)
            H = csr_matrix(H if hasattr(H, "tocsr") else onp.asarray(H, dtype=float), dtype=float)
            if H.shape != (self.n, self.n):
                raise PluginError(f"problem '{self.name}': hess returned shape {H.shape}, expected ({self.n}, {self.n})")
            return H
        from .coloring import recover_hessian

        pattern, colors, kind = self.coloring
        op = self.hvp_operator(x)
        B = onp.empty((self.n, self.ncolors))
        seed = onp.empty(self.n)
        for c in range(B.shape[1]):
            onp.equal(colors, c, out=seed, casting="unsafe")
            B[:, c] = op(seed)
        return recover_hessian(pattern, colors, kind, B)

    def cached_grad(self, x: onp.ndarray) -> Optional[onp.ndarray]:
        """The gradient at x if it is already known (no evaluation)."""
        return self._g if self._at_cached(x) else None
