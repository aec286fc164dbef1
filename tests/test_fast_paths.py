"""The speed-ups are exact: vector-free L-BFGS equals the textbook two-loop; the slicing rule equals autograd's."""

import subprocess
import sys

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad, hessian
from autograd.core import make_jvp, make_vjp
from hypothesis import given, settings
from hypothesis import strategies as st

from optbench import Problem
from optbench.core import autograd_fast as _autograd_fast
from optbench.solvers.lbfgs import Memory


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 30),
    m=st.integers(1, 7),
    pushes=st.lists(st.integers(0, 3), min_size=1, max_size=12),
    seed=st.integers(0, 2**31 - 1),
)
def test_vector_free_two_loop_equals_textbook(n, m, pushes, seed):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    A = A @ A.T + np.eye(n)
    mem = Memory.empty(m, n)
    for k in pushes:  # 0–3 pairs between directions, including none (a skipped pair)
        for _ in range(k):
            s = rng.standard_normal(n)
            y = A @ s
            mem = mem.push(s, y, float(s @ y))
        g = rng.standard_normal(n)
        (d, mem), ref = mem.two_loop(g), mem.two_loop_textbook(g)
        assert np.allclose(d, ref, rtol=1e-10, atol=1e-12 * np.linalg.norm(ref))
        if mem.count == 0:
            assert np.array_equal(d, -g)


@pytest.mark.parametrize("gemv_min_n", [0, 10**9])  # the matrix-vector path (large n) and the gemm path (small n)
def test_incremental_gram_matrix_equals_the_direct_inner_products(gemv_min_n, monkeypatch):
    import optbench.solvers.lbfgs as lb

    monkeypatch.setattr(lb, "GEMV_MIN_N", gemv_min_n)
    rng = np.random.default_rng(3)
    n, m = 50, 4
    A = rng.standard_normal((n, n))
    A = A @ A.T + np.eye(n)
    mem = Memory.empty(m, n)
    for k in [1, 2, 0, 3, 1, 1, 2, 4]:  # pairs between directions: some pending Gram rows, drops, arena copies
        for _ in range(k):
            s = rng.standard_normal(n)
            mem = mem.push(s, A @ s, float(s @ A @ s))
        g = rng.standard_normal(n)
        if mem.count:
            Wg, G = mem._inner_products(g)
            W = mem.W
            assert np.allclose(Wg, W @ g, rtol=1e-13, atol=1e-13 * np.abs(W).max() * np.abs(g).max() * n)
            assert np.allclose(G, W @ W.T, rtol=1e-13, atol=1e-12 * np.abs(W @ W.T).max())
            assert np.array_equal(G, G.T)
        d, mem = mem.two_loop(g)
        ref = mem.two_loop_textbook(g)
        assert np.allclose(d, ref, rtol=1e-10, atol=1e-12 * np.linalg.norm(ref))
        assert mem.pending == 0 and not np.isnan(mem.G).any()


def test_memory_holds_only_the_newest_m_pairs():
    mem = Memory.empty(3, 4)
    for i in range(5):
        mem = mem.push(np.full(4, i + 1.0), np.full(4, 2.0 * (i + 1)), 8.0 * (i + 1) ** 2)
    assert mem.count == 3
    assert [mem.W[2 * j, 0] for j in mem.newest_first()] == [5.0, 4.0, 3.0]


def test_memory_push_never_changes_the_memory_it_was_called_on():
    """Pushing twice from one memory (and past a full arena) leaves it, and the first result, as they were."""
    rng = np.random.default_rng(1)
    mem = Memory.empty(2, 5)
    for _ in range(7):
        mem = mem.push(rng.standard_normal(5), rng.standard_normal(5), 1.0)
    g = rng.standard_normal(5)
    before = (mem.W.copy(), mem.G.copy(), mem.rho, mem.count)
    s, y = rng.standard_normal(5), rng.standard_normal(5)
    first = mem.push(s, y, 2.0)
    first_d = first.two_loop(g)[0]
    second = mem.push(s + 1, y, 3.0)  # a second push from the same memory
    assert np.array_equal(mem.W, before[0]) and mem.rho == before[2] and mem.count == before[3]
    assert np.array_equal(first.two_loop(g)[0], first_d)
    assert not np.array_equal(second.W, first.W)


@pytest.mark.parametrize(
    "idx, basic",
    [(1, True), (slice(1, None), True), ((Ellipsis, 0), True), ((None, slice(None)), True),
     (np.int64(2), True), ([0, 1], False), (np.array([0, 0]), False), ((slice(None), [1]), False), (True, False)],
)
def test_is_basic_index(idx, basic):
    assert _autograd_fast.is_basic_index(idx) is basic


SLICING_OBJECTIVES = {
    "extended_rosenbrock": lambda x: anp.sum(100 * (x[1::2] - x[0::2] ** 2) ** 2 + (1 - x[0::2]) ** 2),
    "chained_rosenbrock": lambda x: anp.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2),
    "integers": lambda x: x[0] ** 3 * x[3] + anp.sin(x[-1]) * x[2],
    "advanced_and_repeated": lambda x: anp.sum(x[[0, 0, 1]] ** 2) + anp.sum(x[x > 0] ** 3) + anp.sum(x[None, 1:3, ...] ** 2),
    "reshaped_2d": lambda x: anp.sum(anp.reshape(x, (2, -1))[:, 1:] ** 3 * anp.reshape(x, (2, -1))[1, :-1]),
}

_DERIVATIVES_SCRIPT = """
import json, sys
import numpy as np
sys.path.insert(0, {tests!r})
from test_fast_paths import SLICING_OBJECTIVES
from autograd import grad, hessian
from autograd.core import make_jvp, make_vjp
from optbench.core import autograd_fast
rng = np.random.default_rng(0)
x, v = rng.standard_normal(6), rng.standard_normal(6)
out = {{}}
with autograd_fast.fast_slicing():
    out["applied"] = autograd_fast.active()
    for name, f in SLICING_OBJECTIVES.items():
        out[name] = [grad(f)(x).tolist(), hessian(f)(x).tolist(),
                     make_jvp(grad(f), x)(v)[1].tolist(), make_vjp(grad(f), x)[0](v).tolist()]
print(json.dumps(out))
"""


def _derivatives(patch: str) -> dict:
    import json
    import os
    from pathlib import Path

    script = _DERIVATIVES_SCRIPT.format(tests=str(Path(__file__).parent))
    env = {**os.environ, "OPTBENCH_AUTOGRAD_PATCH": patch}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout)


def test_slicing_rule_gives_autograds_derivatives_exactly():
    """Gradient, Hessian, forward-over-reverse and reverse-over-reverse HVPs: bit-identical with and without the rule."""
    fast, plain = _derivatives("1"), _derivatives("0")
    assert fast.pop("applied") is True and plain.pop("applied") is False
    assert fast.keys() == plain.keys() == SLICING_OBJECTIVES.keys()
    for name in fast:
        assert fast[name] == plain[name], name


def test_slicing_rule_is_active_only_inside_its_scope():
    import autograd.core
    from autograd.numpy.numpy_boxes import ArrayBox

    import optbench  # noqa: F401  (importing optbench must not touch autograd)

    getitem = ArrayBox.__getitem__
    autograds_rule = autograd.core.primitive_vjps[getitem]
    assert not _autograd_fast.active()
    f = SLICING_OBJECTIVES["chained_rosenbrock"]
    x = np.array([-1.2, 1.0, -1.2, 1.0])
    from scipy.optimize import rosen_der, rosen_hess

    with _autograd_fast.fast_slicing():
        with _autograd_fast.fast_slicing():  # re-entrant
            assert _autograd_fast.active()
        assert _autograd_fast.active()
        vjp, _ = make_vjp(lambda z: z[1:], x)
        assert np.allclose(grad(f)(x), rosen_der(x), rtol=1e-14)
        assert np.allclose(hessian(f)(x), rosen_hess(x), rtol=1e-14)
        assert make_jvp(grad(f), x)(np.ones(4))[1].shape == (4,)
    assert autograd.core.primitive_vjps[getitem] is autograds_rule and not _autograd_fast.active()
    assert np.array_equal(vjp(np.ones(3)), [0.0, 1.0, 1.0, 1.0])  # a kept record works outside the scope


def test_the_square_rule_is_scoped_and_squares_as_numpy_does():
    from autograd.numpy.numpy_boxes import ArrayBox

    autograds_pow = ArrayBox.__pow__
    x = np.linspace(0.5, 2.0, 1001)
    with _autograd_fast.tracing_rules():
        with _autograd_fast.tracing_rules():
            assert ArrayBox.__pow__ is not autograds_pow
        _, value = make_vjp(lambda z: z ** 2, x)
        g = grad(lambda z: anp.sum(z ** 2))(x)
        _, cubed = make_vjp(lambda z: z ** 3, x)
    assert ArrayBox.__pow__ is autograds_pow
    assert np.array_equal(value, x * x) and np.array_equal(g, 2 * x)  # bit for bit the plain square, 2x
    assert np.allclose(cubed, x ** 3, rtol=1e-15)  # other exponents: autograd's power


def test_oracle_uses_the_rule_and_leaves_autograd_as_it_found_it():
    import autograd.core
    from autograd.numpy.numpy_boxes import ArrayBox

    import optbench

    before = autograd.core.primitive_vjps[ArrayBox.__getitem__]
    seen = []
    original = _autograd_fast._getitem_vjp

    def spy(ans, A, idx):
        seen.append(idx)
        return original(ans, A, idx)

    _autograd_fast._fast_rule = None  # rebuild the rule around the spy
    try:
        _autograd_fast._getitem_vjp = spy
        r = optbench.solve("rosenbrock", "newton-cg", params={"n": 6})
    finally:
        _autograd_fast._getitem_vjp = original
        _autograd_fast._fast_rule = None
    assert r.status.value == "converged" and seen  # the oracle's traces went through the rule
    assert autograd.core.primitive_vjps[ArrayBox.__getitem__] is before


def test_autograd_internals_the_rule_relies_on_are_still_there():
    """Fails loudly if autograd renames what fast_slicing swaps (its VJP registry, ``untake``)."""
    import autograd.core
    import autograd.numpy.numpy_vjps as numpy_vjps
    from autograd.numpy.numpy_boxes import ArrayBox

    assert isinstance(autograd.core.primitive_vjps, dict)
    assert ArrayBox.__getitem__ in autograd.core.primitive_vjps
    assert callable(numpy_vjps.untake)


@pytest.mark.parametrize("method, module, cls", [("newton-cg", "newton_cg", "NewtonCG"), ("newton", "newton", "Newton")])
def test_second_order_gradients_are_linearizations_one_pass_of_f_saved_per_iteration(method, module, cls, monkeypatch):
    """Same iterates and products with or without the merge; one call of f less per iteration, all counted."""
    import importlib

    import optbench
    from optbench.core.problem import make_problem

    base = make_problem("rosenbrock", {"n": 10})
    calls = [0]

    def f(x):
        calls[0] += 1
        return base.f(x)

    prob = Problem(f, x0=base.x0, f_star=0.0, hess_sparsity=base.hess_sparsity, name="counted")
    merged = optbench.solve(prob, method)
    assert merged.nfev == calls[0]

    from optbench.core import driver
    from optbench.core.oracle import Oracle

    monkeypatch.setattr(driver, "oracle_for", lambda problem, capabilities: Oracle(problem))  # plain gradients
    calls[0] = 0
    separate = optbench.solve(prob, method)
    assert separate.nfev == calls[0]
    assert merged.status.value == separate.status.value == "converged"
    assert np.array_equal(merged.x, separate.x) and merged.nit == separate.nit
    assert (merged.njev, merged.nhvp, merged.nhev) == (separate.njev, separate.nhvp, separate.nhev)
    # x0's and each accepted point's gradient pass also serves its HVPs (the last one: the curvature check;
    # a rejected trust-region step makes no new point)
    accepted = sum(1 for a in merged.trace.column("alpha")[1:] if a != 0.0)
    assert separate.nfev - merged.nfev == accepted + 1
