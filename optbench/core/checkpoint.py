"""Checkpointing for autograd's reverse mode: keep a segment's inputs, recompute it in the backward pass.

Reverse mode records every intermediate value the backward pass will need, so the
memory of a gradient grows with the length of the computation. ``checkpoint(fun)``
returns a function that computes the same values as ``fun`` but, when a reverse pass
is being recorded, stores only its *inputs*: the backward pass runs ``fun`` again on
them, records that one segment, pulls the cotangent through it and drops the record.
For a chain of L layers cut into segments of K, the tape holds ⌈L/K⌉ segment inputs
plus one segment's record at a time — O(L/K + K) layers' activations instead of
O(L), minimal at K ≈ √L — for one extra forward pass (Griewank & Walther,
*Evaluating Derivatives*, 2nd ed., ch. 12; Chen, Xu, Zhang & Guestrin, "Training
deep nets with sublinear memory cost", arXiv:1604.06174, 2016).

Why not ``autograd.checkpoint``: autograd calls a primitive's VJP *maker* when the
forward pass records the node (``VJPNode.__init__``), and the shipped checkpoint's
maker is ``make_vjp(fun, argnum)(*args)`` — it traces the segment right then, once
per differentiated argument, and keeps those records until the backward pass. It
recomputes, but at forward time, so peak memory goes up, not down. Here the maker
only captures the inputs; the trace happens inside the returned VJP, i.e. when the
backward pass reaches the segment, and one trace serves all differentiated arguments.

Nested differentiation:

* forward-over-reverse (the oracle's HVP, ``make_jvp`` of the gradient): the forward
  trace sees ``fun``'s own primitives (forward mode stores nothing), the reverse trace
  above it stores the segment inputs — forward-mode boxes — and the deferred
  recomputation runs under the forward trace, so the tangent flows through the
  backward pass as usual;
* reverse-over-reverse (the oracle's linearization): both reverse traces checkpoint
  the segment; the outer one records the inner backward pass, recomputation included;
* any other top trace (forward mode, a recording trace such as ``optbench graph``)
  evaluates ``fun`` plainly, so it sees the segment's primitives.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from autograd.core import VJPNode, add_outgrads, defvjp_argnums, vspace
from autograd.tracer import find_top_boxed_args, isbox, new_box, trace_stack
from autograd.util import subvals, toposort

__all__ = ["checkpoint"]


def checkpoint(fun: Callable[..., Any]) -> Callable[..., Any]:
    """``fun`` with its reverse-mode record replaced by its inputs and a recomputation in the backward pass.

    ``fun`` takes positional arguments (arrays, or values autograd can box) and
    keyword arguments that are not differentiated; it must be a pure function of
    them (it runs twice under reverse mode). Values and derivatives are those of
    ``fun``; only the memory of the record and the time (one more run of ``fun`` per
    backward pass) change. Use it on consecutive blocks of a deep computation::

        block = checkpoint(lambda h, W, b: np.tanh(np.dot(h, W) + b))
        for W, b in layers:
            h = block(h, W, b)
    """

    @functools.wraps(fun)
    def checkpointed(*args: Any, **kwargs: Any) -> Any:
        boxed, trace_id, node_type = find_top_boxed_args(args)[:3]  # autograd ≥ 1.7 returns a fourth value
        if not boxed and _traced_by_jax(args):  # the JAX backend: its own rematerialisation
            import jax

            return jax.checkpoint(functools.partial(fun, **kwargs))(*args)
        if not boxed or not issubclass(node_type, VJPNode):
            return fun(*args, **kwargs)  # no reverse pass recorded at the top: nothing would be stored
        argvals = subvals(args, [(i, box._value) for i, box in boxed])
        ans = checkpointed(*argvals, **kwargs)  # lower traces (e.g. the JVP of an HVP) see through
        argnums = tuple(i for i, _ in boxed)
        parents = tuple(box._node for _, box in boxed)
        node = node_type(ans, checkpointed, argvals, kwargs, argnums, parents)  # keeps argvals only
        return new_box(ans, trace_id, node)

    def deferred_vjp(argnums: tuple, ans: Any, args: tuple, kwargs: dict) -> Callable[[Any], tuple]:
        del ans  # the next segment keeps its own input; holding the output here would store it twice

        def vjp(g: Any) -> tuple:
            return _replay_vjp(fun, args, kwargs, argnums, g)

        return vjp

    defvjp_argnums(checkpointed, deferred_vjp)
    return checkpointed


def _traced_by_jax(args: tuple) -> bool:
    """Is any argument a JAX tracer (the JAX backend differentiating f)?"""
    return any(type(a).__module__.startswith("jax") and "Tracer" in type(a).__name__ for a in args)


def _replay_vjp(fun: Callable[..., Any], args: tuple, kwargs: dict, argnums: tuple, g: Any) -> tuple:
    """Run ``fun`` again under a fresh reverse trace and pull ``g`` back to every argument in ``argnums``.

    One trace for all arguments (each gets its own root node), then autograd's
    backward pass (``autograd.core.backward_pass``) continued down to the roots.
    """
    with trace_stack.new_trace() as t:
        roots = [VJPNode.new_root() for _ in argnums]
        boxes = [new_box(args[i], t, r) for i, r in zip(argnums, roots)]
        out = fun(*subvals(args, list(zip(argnums, boxes))), **kwargs)
        if not (isbox(out) and out._trace == t):
            return tuple(vspace(args[i]).zeros() for i in argnums)  # output independent of the inputs
        end_node = out._node
    is_root = set(roots)
    grads: dict = {}
    outgrads = {end_node: (g, False)}
    for node in toposort(end_node):
        outgrad = outgrads.pop(node)
        if node in is_root:
            grads[node] = outgrad[0]
            continue
        for parent, ingrad in zip(node.parents, node.vjp(outgrad[0])):
            outgrads[parent] = add_outgrads(outgrads.get(parent), ingrad)
    return tuple(grads[r] if r in grads else vspace(args[i]).zeros() for i, r in zip(argnums, roots))
