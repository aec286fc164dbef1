"""The derivative lab's library layer: FD sweeps, Taylor orders, agreements, HVP strategies, float32 demo."""

import autograd.numpy as np
import numpy as onp
import pytest

import optbench
from optbench.lab.check import check, start_point
from optbench.lab.finite_differences import EPS, fit_order, float32_demo
from optbench.core.errors import UsageError

from lab_problems import mlp, quadratic, rosen_hand


@pytest.fixture(scope="module")
def reports():
    return {
        "rosenbrock": check("rosenbrock"),
        "quadratic": check(quadratic()),
        "mlp": check(mlp()),
    }


@pytest.mark.parametrize("name", ["rosenbrock", "mlp"])
def test_taylor_orders_are_1_2_3(reports, name):
    t = reports[name].taylor
    assert t.order0 == pytest.approx(1, abs=0.1)
    assert t.order1 == pytest.approx(2, abs=0.1)
    assert t.order2 == pytest.approx(3, abs=0.1)
    assert t.gradient_ok and t.hessian_ok
    assert "gradient: order 2." in t.verdict() or "gradient: order 1.9" in t.verdict()
    assert t.verdict().count("✓") == 2


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("make", ["rosenbrock", mlp], ids=["rosenbrock", "mlp"])
def test_taylor_orders_at_random_points_and_directions(make, seed):
    t = check(make if isinstance(make, str) else make(), at="random", seed=seed).taylor
    assert (t.order0, t.order1, t.order2) == (pytest.approx(1, abs=0.1), pytest.approx(2, abs=0.1),
                                              pytest.approx(3, abs=0.1))


def test_quadratic_taylor_orders_and_exact_second_order_expansion(reports):
    # For a quadratic the second-order expansion is exact: r2 vanishes up to rounding at every h,
    # so no order-3 slope exists to measure; the lab says "exact to rounding" and passes.
    t = reports["quadratic"].taylor
    assert t.order0 == pytest.approx(1, abs=0.1)
    assert t.order1 == pytest.approx(2, abs=0.1)
    assert t.order2 is None and t.hessian_ok
    fx = quadratic().f(onp.ones(5))
    assert max(t.r2) < 1e-10 * max(1.0, abs(fx))
    assert "Hessian: exact to rounding ✓" in t.verdict()


@pytest.mark.parametrize("name", ["rosenbrock", "mlp"])
def test_best_central_step_within_a_decade_of_cbrt_eps(reports, name):
    g = reports[name].gradient
    assert abs(onp.log10(g.best_step) - onp.log10(EPS ** (1 / 3))) <= 1.0
    # the V shape: the error at the best h is far below both ends of the sweep
    assert g.best_error < 1e-3 * g.central[0] and g.best_error < 1e-3 * g.central[-1]
    # forward differences are less accurate than central ones at their best
    assert g.best_error_forward > g.best_error


def test_quadratic_central_differences_are_exact_so_largest_h_wins(reports):
    g = reports["quadratic"].gradient
    assert g.best_step == 0.1 and g.best_error < 1e-12


@pytest.mark.parametrize("name", ["rosenbrock", "quadratic", "mlp"])
def test_autograd_passes_and_hvp_strategies_agree(reports, name):
    rep = reports[name]
    assert rep.passed, rep.failures
    assert [s.name for s in rep.strategies] == ["forward-over-reverse", "reverse-over-reverse", "dense Hessian × v"]
    for s in rep.strategies:
        assert s.error < 1e-12 and s.seconds > 0
    assert rep.symmetry[0].asymmetry < 1e-12
    assert rep.hvp.best_error < 1e-6


def test_mlp_uses_random_directions_above_the_coordinate_cap():
    rep = check(mlp(), fd_max_coords=10, fd_directions=4)
    assert rep.gradient.directions == "4 random unit directions"
    assert rep.passed


def test_correct_hand_written_derivatives_pass():
    rep = check(rosen_hand())
    assert rep.supplied == ["grad", "hvp", "hess"]
    assert rep.passed, rep.failures
    sources = {a.source for a in rep.agreements}
    assert {"supplied grad", "supplied hvp", "supplied hess"} <= sources
    assert rep.taylor.gradient_source == "supplied grad" and rep.taylor.hessian_source == "supplied hvp"
    assert [s.name for s in rep.strategies][-2:] == ["supplied hvp", "supplied hess × v"]


@pytest.mark.parametrize("wrong,named", [("grad", "supplied grad"), ("hvp", "supplied hvp"), ("hess", "supplied hess")])
def test_wrong_hand_written_derivative_is_named(wrong, named):
    rep = check(rosen_hand(wrong))
    assert not rep.passed
    assert any(named in line and "is wrong" in line for line in rep.failures)
    others = {"supplied grad", "supplied hvp", "supplied hess"} - {named}
    assert not any(f"the {o} " in line for line in rep.failures for o in others)
    bad = [a for a in rep.agreements if a.source == named]
    assert bad and not any(a.ok for a in bad)


def test_wrong_gradient_fails_the_taylor_test_with_order_one():
    t = check(rosen_hand("grad")).taylor
    assert t.order1 == pytest.approx(1, abs=0.1)
    assert not t.gradient_ok and t.hessian_ok is None
    assert "gradient: order 1." in t.verdict() and "✗" in t.verdict()


def test_wrong_hvp_fails_the_taylor_test_with_order_two():
    t = check(rosen_hand("hvp")).taylor
    assert t.gradient_ok and t.hessian_ok is False
    assert t.order2 == pytest.approx(2, abs=0.15)


def test_asymmetric_hessian_is_reported():
    rep = check(rosen_hand("asymmetric"))
    assert any("supplied hess is not symmetric" in line for line in rep.failures)
    sym = {s.source: s for s in rep.symmetry}
    assert not sym["supplied hess"].ok and sym["autograd dense Hessian"].ok


def test_dense_strategy_skipped_above_limit():
    rep = check("rosenbrock", {"n": 6}, dense_max=4)
    dense = rep.strategies[2]
    assert dense.seconds is None and "skipped" in dense.note
    assert rep.symmetry == []


def test_public_api_and_json_dict():
    rep = optbench.check("rosenbrock", {"n": 3}, at="random", seed=3)
    d = rep.to_dict()
    assert d["passed"] is True and d["n"] == 3 and len(d["gradient"]["steps"]) == 12
    assert d["verdict"].startswith("gradient: order")


def test_fit_order_on_exact_power_laws_and_noise():
    h = 0.5 ** onp.arange(20)
    noise = onp.full(20, 1e-16)
    for p in (1, 2, 3):
        order, used = fit_order(h, 3.0 * h**p, noise)
        assert order == pytest.approx(p, abs=1e-9) and len(used) >= 3
    assert fit_order(h, onp.full(20, 1e-17), noise) == (None, [])


def test_start_point_choices():
    prob = optbench.make_problem("rosenbrock")
    rng = onp.random.default_rng(0)
    x, label = start_point(prob, "x0", rng)
    assert onp.array_equal(x, prob.x0) and label == "x0"
    x, label = start_point(prob, "random", rng)
    assert x.shape == (2,) and not onp.array_equal(x, prob.x0)
    x, _ = start_point(prob, "0.5, 2", rng)
    assert list(x) == [0.5, 2.0]
    with pytest.raises(UsageError, match="n = 2"):
        start_point(prob, "1,2,3", rng)
    with pytest.raises(UsageError, match="'a,b'"):
        start_point(prob, "a,b", rng)


def test_float32_fd_hvp_is_visibly_off_while_ad_is_exact():
    d = float32_demo()
    assert d.ad == 1.0  # exact, in float32
    assert d.fd == pytest.approx(1.0002, abs=1e-4) and abs(d.fd - 1.0) > 1e-4
    assert d.fd_float64 == pytest.approx(1.0, abs=1e-9)
    # rounding dominates as r shrinks
    assert d.errors[-1] > d.errors[3] > d.errors[0]


def test_broken_supplied_derivatives_are_one_line_plugin_errors():
    from optbench.core.errors import PluginError

    def boom(x):
        raise ValueError("no idea")

    prob = optbench.Problem(lambda x: x @ x, x0=onp.ones(3), grad=boom)
    with pytest.raises(PluginError, match="the supplied grad raised ValueError: no idea"):
        check(prob)
    prob = optbench.Problem(lambda x: x @ x, x0=onp.ones(3), grad=lambda x: onp.ones(2))
    with pytest.raises(PluginError, match="grad returned 2 entries, expected 3"):
        check(prob)
    prob = optbench.Problem(lambda x: x @ x, x0=onp.ones(3), hess=lambda x: onp.eye(2))
    with pytest.raises(PluginError, match=r"hess returned shape \(2, 2\), expected \(3, 3\)"):
        check(prob)


def test_objective_not_finite_or_raising_at_the_point():
    from optbench.core.errors import RunError

    prob = optbench.Problem(lambda x: np.log(x[0]) + x[1] ** 2, x0=onp.array([-1.0, 0.0]))
    with pytest.raises(RunError, match="choose another with the point \\(at\\)"):
        check(prob)
    assert check(prob, at="2,0.5").passed
