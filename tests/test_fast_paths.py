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

from optbench import Problem, _autograd_fast
from optbench.solvers.lbfgs import _Memory


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
    mem = _Memory(m, n)
    for k in pushes:  # 0–3 pairs between directions, including none (a skipped pair)
        for _ in range(k):
            s = rng.standard_normal(n)
            y = A @ s
            mem.push(s, y, float(s @ y))
        g = rng.standard_normal(n)
        d, ref = mem.two_loop(g), mem.two_loop_textbook(g)
        assert np.allclose(d, ref, rtol=1e-10, atol=1e-12 * np.linalg.norm(ref))
        if mem.count == 0:
            assert np.array_equal(d, -g)


def test_memory_holds_only_the_newest_m_pairs():
    mem = _Memory(3, 4)
    for i in range(5):
        mem.push(np.full(4, i + 1.0), np.full(4, 2.0 * (i + 1)), 8.0 * (i + 1) ** 2)
    assert mem.count == 3
    assert [mem.W[2 * j, 0] for j in mem.newest_first()] == [5.0, 4.0, 3.0]


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
import optbench.oracle  # applies the rule unless OPTBENCH_AUTOGRAD_PATCH=0
from optbench import Problem, _autograd_fast
rng = np.random.default_rng(0)
x, v = rng.standard_normal(6), rng.standard_normal(6)
out = {{"applied": _autograd_fast._applied}}
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


def test_slicing_rule_is_active_in_this_process():
    import optbench.oracle  # noqa: F401

    f = SLICING_OBJECTIVES["chained_rosenbrock"]
    x = np.array([-1.2, 1.0, -1.2, 1.0])
    vjp, _ = make_vjp(lambda z: z[1:], x)
    assert _autograd_fast._applied
    from scipy.optimize import rosen_der, rosen_hess

    assert np.allclose(grad(f)(x), rosen_der(x), rtol=1e-14)
    assert np.allclose(hessian(f)(x), rosen_hess(x), rtol=1e-14)
    assert np.array_equal(vjp(np.ones(3)), [0.0, 1.0, 1.0, 1.0])
    assert make_jvp(grad(f), x)(np.ones(4))[1].shape == (4,)


@pytest.mark.parametrize("method, module, cls", [("newton-cg", "newton_cg", "NewtonCG"), ("newton", "newton", "Newton")])
def test_second_order_gradients_are_linearizations_one_pass_of_f_saved_per_iteration(method, module, cls, monkeypatch):
    """Same iterates and products with or without the merge; one call of f less per iteration, all counted."""
    import importlib

    import optbench
    from optbench.problem import make_problem

    base = make_problem("rosenbrock", {"n": 10})
    calls = [0]

    def f(x):
        calls[0] += 1
        return base.f(x)

    prob = Problem(f, x0=base.x0, f_star=0.0, hess_sparsity=base.hess_sparsity, name="counted")
    merged = optbench.solve(prob, method)
    assert merged.nfev == calls[0]

    C = getattr(importlib.import_module(f"optbench.solvers.{module}"), cls)
    original = C.init

    def init_without_merge(self, x, oracle):
        state = original(self, x, oracle)
        oracle.linearize_gradients = False
        return state

    monkeypatch.setattr(C, "init", init_without_merge)
    calls[0] = 0
    separate = optbench.solve(prob, method)
    assert separate.nfev == calls[0]
    assert merged.status.value == separate.status.value == "converged"
    assert np.array_equal(merged.x, separate.x) and merged.nit == separate.nit
    assert (merged.njev, merged.nhvp, merged.nhev) == (separate.njev, separate.nhvp, separate.nhev)
    # each accepted point's gradient pass also serves its HVPs (a rejected trust-region step makes no new point)
    accepted = sum(1 for a in merged.trace.column("alpha")[1:] if a != 0.0)
    assert separate.nfev - merged.nfev == accepted
