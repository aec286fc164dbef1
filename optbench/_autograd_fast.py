"""A faster reverse-mode rule for basic slicing in autograd (``x[1:]``, ``x[::2]``, ``x[i]``).

autograd's VJP of ``A[idx]`` scatters the cotangent with ``numpy.add.at``, which
handles repeated indices but is slow (at n = 1e5 it is most of the backward pass
of ``x[0::2]``-style objectives such as extended Rosenbrock). A *basic* index —
integers, slices, ``...`` and ``None``, alone or in a tuple — never selects an
element twice, so ``A[idx] += g`` gives the same result. This module registers
that rule for basic indices (through autograd's public ``defvjp``/``defjvp``) and
keeps autograd's own rule for advanced indices (integer arrays, lists, masks).

It is applied once, when the oracle is imported; set ``OPTBENCH_AUTOGRAD_PATCH=0``
to keep autograd's rule. Forward mode (JVP) of slicing is untouched; the new
scatter primitive has its own linear JVP and VJP, so forward-over-reverse HVPs and
reverse-over-reverse linearizations go through it too.
"""

from __future__ import annotations

import os
from numbers import Integral

from autograd.extend import SparseObject, defjvp, defvjp, primitive, vspace
from autograd.numpy.numpy_boxes import ArrayBox
from autograd.numpy.numpy_vjps import untake
from autograd.util import func

_applied = False


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


def apply() -> bool:
    """Register the rule (idempotent); return whether it is active."""
    global _applied
    if _applied:
        return True
    if os.environ.get("OPTBENCH_AUTOGRAD_PATCH", "1") == "0":
        return False
    defvjp(untake_basic, lambda ans, x, idx, _: lambda g: g[idx])
    defjvp(untake_basic, "same")
    defvjp(func(ArrayBox.__getitem__), _getitem_vjp)
    _applied = True
    return True
