"""A faster reverse-mode rule for basic slicing in autograd (``x[1:]``, ``x[::2]``, ``x[i]``).

autograd's VJP of ``A[idx]`` scatters the cotangent with ``numpy.add.at``, which
handles repeated indices but is slow (at n = 1e5 it is most of the backward pass
of ``x[0::2]``-style objectives such as extended Rosenbrock). A *basic* index —
integers, slices, ``...`` and ``None``, alone or in a tuple — never selects an
element twice, so ``A[idx] += g`` gives the same result. This module registers
that rule for basic indices (through autograd's public ``defvjp``/``defjvp``) and
keeps autograd's own rule for advanced indices (integer arrays, lists, masks).

It is *scoped*: :func:`tracing_rules` installs the rule only while optbench
differentiates (the oracle wraps each trace in it) and puts autograd's own rule back
afterwards, so importing optbench changes nothing in autograd for anyone else (a
user's own ``autograd.grad`` calls see autograd's rule). Only the *recording* of a
trace consults the rule (autograd builds each node's VJP when the forward pass
records it), so later backward passes through a kept record — the oracle's
linearized HVP operator — need no scope. ``OPTBENCH_AUTOGRAD_PATCH=0`` turns it (and the
square rule below) off.
Forward mode (JVP) of slicing is untouched; the new scatter primitive has its own
linear JVP and VJP, so forward-over-reverse HVPs and reverse-over-reverse
linearizations go through it too.

The same scope makes a traced array ``x ** 2`` compute what the plain call computes. numpy's
``ndarray.__pow__`` squares (``x * x``) for the exponent 2, but autograd's box calls
``np.power``, which numpy before 2.0 evaluates with its vector ``pow`` (on AVX-512 CPUs SVML,
not correctly rounded: 28% of squares differ in the last bit). The value the oracle reports for
f would then differ from ``f(x)`` called directly. Inside the scope a box raised to exactly 2 goes
through ``anp.square``; its derivative, 2x, is the same. (A numpy *scalar* squared by a plain
call goes through libm's ``pow`` and can still differ from the traced square in the last bit.)

Relies on two autograd internals, checked by ``tests/test_fast_paths.py`` so that a
change in autograd fails loudly instead of silently: the registry
``autograd.core.primitive_vjps`` (keyed by primitive) and
``autograd.numpy.numpy_vjps.untake``.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from numbers import Integral
from typing import Iterator

from autograd.core import primitive_vjps
from autograd.extend import SparseObject, defjvp, defvjp, primitive, vspace
from autograd.numpy.numpy_boxes import ArrayBox
from autograd.numpy.numpy_vjps import untake
from autograd.util import func

_GETITEM = func(ArrayBox.__getitem__)
_fast_rule = None  # autograd's registry entry for the basic-slicing rule, built on first use
_depth = 0  # nesting of tracing_rules() scopes


def is_basic_index(idx) -> bool:
    """True for an index made only of ints, slices, Ellipsis and None (no element twice)."""
    parts = idx if isinstance(idx, tuple) else (idx,)
    return all(
        p is None or p is Ellipsis or isinstance(p, slice) or (isinstance(p, Integral) and not isinstance(p, bool))
        for p in parts
    )


@primitive
def untake_basic(x, idx, vs):
    """The adjoint of ``A[idx]`` for a basic index: a zero array of ``vs`` with x added at idx."""

    def mut_add(A):
        A[idx] += x
        return A

    return SparseObject(vs, mut_add)


def _getitem_vjp(ans, A, idx):
    if is_basic_index(idx):
        return lambda g: untake_basic(g, idx, vspace(A))
    return lambda g: untake(g, idx, vspace(A))


def enabled() -> bool:
    """Whether the rule is used (``OPTBENCH_AUTOGRAD_PATCH=0`` keeps autograd's)."""
    return os.environ.get("OPTBENCH_AUTOGRAD_PATCH", "1") != "0"


def _build_rule():
    """autograd's registry entry for our rule, made with the public ``defvjp`` and taken back out."""
    global _fast_rule
    defvjp(untake_basic, lambda ans, x, idx, _: lambda g: g[idx])
    defjvp(untake_basic, "same")
    original = primitive_vjps[_GETITEM]
    try:
        defvjp(_GETITEM, _getitem_vjp)
        _fast_rule = primitive_vjps[_GETITEM]
    finally:
        primitive_vjps[_GETITEM] = original
    return _fast_rule


def _pow(self, other):
    """``box ** other`` as numpy computes ``array ** other``: a square for the exponent 2 (module docstring)."""
    import autograd.numpy as anp

    if type(other) in (int, float) and other == 2:
        return anp.square(self)
    return anp.power(self, other)


@contextmanager
def tracing_rules() -> Iterator[None]:
    """Use the basic-slicing rule and the square rule for traces recorded inside the block; restore
    autograd's after.

    Re-entrant (nested scopes install once); not meant to be shared between threads.
    """
    global _depth
    if not enabled():
        yield
        return
    rule = _fast_rule or _build_rule()
    if _depth == 0:
        saved = primitive_vjps[_GETITEM]
        primitive_vjps[_GETITEM] = rule
        saved_pow = ArrayBox.__pow__
        ArrayBox.__pow__ = _pow
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            primitive_vjps[_GETITEM] = saved
            ArrayBox.__pow__ = saved_pow


#: the scope's first name, from when it held the slicing rule only (tests and benchmarks use it)
fast_slicing = tracing_rules


def active() -> bool:
    """Is the slicing rule installed right now (inside a :func:`tracing_rules` scope)?"""
    return _fast_rule is not None and primitive_vjps.get(_GETITEM) is _fast_rule
