"""Which Hessian a second-order method forms: dense, or coloured sparse when the problem declares a pattern."""

from __future__ import annotations

from ..core.errors import UsageError


def hessian_mode(method: str, hessian: str, max_n: int, n: int, oracle, alternatives: str) -> str:
    """"sparse" or "dense" for the option ``hessian=auto|dense|sparse``, or a UsageError saying what to do.

    ``auto`` is sparse when the problem declares ``hess_sparsity``; a dense Hessian above
    ``max_n`` is refused (it would need n² doubles), naming the ``alternatives`` methods.
    """
    declared = oracle.problem.hess_sparsity is not None
    if hessian == "sparse" and not declared:
        raise UsageError(
            f"`{method}` option hessian=sparse needs a Hessian sparsity pattern, but problem '{oracle.name}' "
            f"declares no hess_sparsity; use the option hessian=dense, or the method {alternatives}",
            field="options", value="hessian=sparse")
    mode = "sparse" if hessian == "sparse" or (hessian == "auto" and declared) else "dense"
    if mode == "dense" and n > max_n:
        gib = n**2 * 8 / 2**30
        way = ("use the option hessian=sparse (the problem declares hess_sparsity)" if declared else
               "declare hess_sparsity in the problem (sparse path)")
        raise UsageError(
            f"`{method}` forms the dense {n}×{n} Hessian ({gib:.1f} GiB), above max_n={max_n}; "
            f"{way}, the method {alternatives}, or raise the option max_n", field="options", value=f"max_n={max_n}")
    return mode
