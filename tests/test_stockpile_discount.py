"""Discounting in the stockpile optimisation: rate 0 unchanged, hand-computed present
values, closed form = LP, monotonicity, budget dual, validation and pass-through."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest
import typer
import yaml

import mineralwatch as mw
import mineralwatch.cli as cli
from mineralwatch.analytics.stockpile import (
    adapters,
    build_problem,
    discount_factors,
    drawdown,
    evaluate_stock,
    example_config_path,
    make_problem,
    optimize_problem,
    optimize_stockpile,
    parse_stockpile_config,
    read_stockpile_config,
    solve_stockpile,
)
from mineralwatch.analytics.stockpile.export import plan_to_html, plan_to_markdown
from mineralwatch.errors import ConfigError


def _example() -> dict:
    return yaml.safe_load(example_config_path().read_text(encoding="utf-8"))


def _fixed(problem, stock: np.ndarray):
    """The problem with the stock pinned, so that the LP optimises only the releases."""
    return dataclasses.replace(problem, min_stock_t=stock.copy(), max_stock_t=stock.copy(),
                               budget=float(problem.unit_cost @ stock) + 1.0)


# -- rate 0 is today's model -------------------------------------------------------------

#: Results of the shipped example before discounting existed (HiGHS, risk neutral).
BEFORE_OBJECTIVE = 475306751.15552694
BEFORE_STOCK = [0.0, 3433.784, 0.0, 0.0, 0.0, 12278.166645708377]
BEFORE_SHORTFALL_COST = 225306751.15552694
BEFORE_DUAL = 0.47052740434333


def test_rate_zero_reproduces_the_undiscounted_example() -> None:
    cfg = mw.load_stockpile_config(mw.stockpile_example_path())
    assert cfg.discount_rate == 0.0
    res = optimize_stockpile(cfg)
    assert res.objective == pytest.approx(BEFORE_OBJECTIVE, rel=1e-9)
    np.testing.assert_allclose(res.solution.stock_t, BEFORE_STOCK, rtol=1e-9, atol=1e-6)
    assert res.expected_shortfall_cost == pytest.approx(BEFORE_SHORTFALL_COST, rel=1e-9)
    assert res.marginal_value_of_budget == pytest.approx(BEFORE_DUAL, rel=1e-7)
    # an explicit 0 is bit-for-bit the default
    explicit = optimize_stockpile(parse_stockpile_config({**_example(), "discount_rate": 0}))
    assert explicit.to_dict() == res.to_dict()
    assert explicit.objective == res.objective
    np.testing.assert_array_equal(explicit.solution.stock_t, res.solution.stock_t)


def test_rate_zero_factors_are_exactly_one_and_evaluation_is_undiscounted() -> None:
    d, end = discount_factors(0.0, 4, 91.25)
    assert d.tolist() == [1.0] * 4 and end == 1.0
    prob = build_problem(mw.load_stockpile_config(mw.stockpile_example_path()))
    x = np.array([5000.0, 1000.0, 50.0, 300.0, 20000.0, 4000.0])
    ev = evaluate_stock(prob, x)
    # the undiscounted formulas, as they were written before discounting
    release = drawdown(x, prob.gaps, prob.max_release_t)
    short = np.where(prob.gaps - release > 1e-9 * prob.gaps.max(), prob.gaps - release, 0.0)
    scen = short.sum(axis=2) @ prob.value_lost + release.sum(axis=2) @ prob.residual_value
    np.testing.assert_array_equal(ev.release_t, release)
    np.testing.assert_array_equal(ev.scenario_cost, scen)
    np.testing.assert_array_equal(ev.expected_shortfall_cost,
                                  np.einsum("s,sit->i", prob.probabilities, short)
                                  * prob.value_lost)


# -- hand-computed present values ----------------------------------------------------------


def test_discount_factors_mid_period() -> None:
    d, end = discount_factors(0.05, 4, 91.25)
    np.testing.assert_allclose(d, [1.05 ** -0.125, 1.05 ** -0.375, 1.05 ** -0.625,
                                   1.05 ** -0.875], rtol=1e-15)
    assert end == pytest.approx(1.05 ** -1.0, rel=1e-15)
    assert (np.diff(d) < 0).all() and end < d[-1]


def test_discounted_shortfall_cost_by_hand() -> None:
    """One mineral, one scenario, three yearly periods at 10 % a year."""
    rate, v, r, c = 0.10, 1000.0, 60.0, 120.0
    gaps = np.array([[[10.0, 20.0, 30.0]]])
    prob = make_problem(np.array([c]), np.array([v]), gaps, np.array([1.0]), budget=1e9,
                        residual_value=np.array([r]), max_release_t=np.array([15.0]),
                        discount_rate=rate, period_days=365.0)
    x = np.array([25.0])
    ev = evaluate_stock(prob, x)
    # releases: 10 in year 1, 15 (the limit) in year 2, nothing left for year 3
    np.testing.assert_allclose(ev.release_t[0, 0], [10.0, 15.0, 0.0])
    np.testing.assert_allclose(ev.shortfall_t[0, 0], [0.0, 5.0, 30.0])
    d1, d2, d3, end = 1.1 ** -0.5, 1.1 ** -1.5, 1.1 ** -2.5, 1.1 ** -3
    shortfall_pv = v * (d2 * 5.0 + d3 * 30.0)
    assert ev.expected_shortfall_cost[0] == pytest.approx(shortfall_pv, rel=1e-12)
    assert ev.expected_shortfall_t[0] == pytest.approx(35.0)          # tonnes: undiscounted
    q = shortfall_pv + end * r * 25.0                 # + residual forfeited by releasing
    assert ev.scenario_cost[0] == pytest.approx(q, rel=1e-12)
    assert ev.objective == pytest.approx((c - end * r) * 25.0 + q, rel=1e-12)
    assert d1 > d2 > d3 > end
    # the LP with the stock pinned finds the same value
    assert solve_stockpile(_fixed(prob, x)).objective == pytest.approx(ev.objective,
                                                                      rel=1e-9)
    # and through a configuration file's fields
    cfg = parse_stockpile_config({
        "budget_usd": 1e6, "periods": 3, "period_days": 365, "discount_rate": rate,
        "minerals": [{"mineral": "cobalt", "demand_t_per_year": 30,
                      "price_usd_per_t": c, "value_lost_usd_per_t": v,
                      "residual_value_fraction": r / c, "max_release_t_per_period": 15}],
        "scenarios": [{"id": "s", "probability": 1.0, "disruptions": [
            {"mineral": "cobalt", "magnitude": 1.0, "start_period": 1,
             "duration_periods": 3}]}]})
    cp = build_problem(cfg)
    assert cp.discount_rate == rate and cp.end_discount == pytest.approx(end, rel=1e-15)
    cev = evaluate_stock(cp, x)      # gaps 30 t a year; releases 15, 10, 0
    np.testing.assert_allclose(cev.shortfall_t[0, 0], [15.0, 20.0, 30.0])
    cfg_pv = v * (d1 * 15.0 + d2 * 20.0 + d3 * 30.0)
    assert cev.expected_shortfall_cost[0] == pytest.approx(cfg_pv, rel=1e-12)
    assert cev.scenario_cost[0] == pytest.approx(cfg_pv + end * r * 25.0, rel=1e-12)


@pytest.mark.parametrize("rate", [0.0, 0.05, 0.4])
def test_single_period_newsvendor_with_discounting(rate: float) -> None:
    """x* = F^-1(1 - (c - d_end r) / (d_1 v - d_end r))."""
    gaps = np.array([10.0, 20.0, 30.0, 40.0])
    probs = np.array([0.1, 0.2, 0.3, 0.2])
    c, r, v = 100.0, 40.0, 300.0
    prob = make_problem(np.array([c]), np.array([v]), gaps[:, None, None], probs, 1e12,
                        residual_value=np.array([r]), discount_rate=rate, period_days=365.0)
    d1, end = (1 + rate) ** -0.5, (1 + rate) ** -1.0
    q = 1 - (c - end * r) / (d1 * v - end * r)
    values, mass = np.array([0.0, *gaps]), np.array([0.2, *probs])
    expect = values[np.searchsorted(np.cumsum(mass), q - 1e-12)]
    sol = solve_stockpile(prob)
    assert sol.stock_t[0] == pytest.approx(expect, abs=1e-6)
    assert sol.objective == pytest.approx(evaluate_stock(prob, sol.stock_t).objective,
                                          rel=1e-9)


# -- closed form = LP ------------------------------------------------------------------------


def _random_problem(seed: int, budget: float, rate: float, n_i: int = 4, n_s: int = 10,
                    n_t: int = 4, cvar_weight: float = 0.0, low_value: bool = False):
    """Random inputs; with ``low_value`` the first mineral's value lost is below its
    residual value, so that late releases may not pay (``release_allowed`` false)."""
    rng = np.random.default_rng(seed)
    gaps = rng.uniform(0, 50, (n_s, n_i, n_t)) * (rng.random((n_s, n_i, 1)) < 0.6)
    price = rng.uniform(1, 5, n_i)
    value = price * rng.uniform(2, 15, n_i)
    residual = price * rng.uniform(0, 0.9, n_i)
    if low_value:
        residual[0] = 0.9 * price[0]
        value[0] = residual[0] * rng.uniform(0.3, 0.95)
    return make_problem(price * 1.05, value, gaps, rng.dirichlet(np.ones(n_s)) * 0.8,
                        budget, residual_value=residual,
                        max_release_t=rng.uniform(15, 60, n_i), discount_rate=rate,
                        period_days=float(rng.choice([30.0, 91.25, 365.0])),
                        cvar_weight=cvar_weight, cvar_alpha=0.9)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("rate", [0.03, 0.25, 1.0])
def test_closed_form_equals_lp_with_discounting(seed: int, rate: float) -> None:
    w = 0.5 if seed % 2 else 0.0
    prob = _random_problem(seed, budget=200.0, rate=rate, cvar_weight=w,
                           low_value=seed >= 3)
    sol = solve_stockpile(prob)
    assert sol.objective == pytest.approx(evaluate_stock(prob, sol.stock_t).objective,
                                          rel=1e-8)
    # any fixed stock: the LP's best releases cost what the closed form says
    rng = np.random.default_rng(100 + seed)
    for _ in range(3):
        x = rng.uniform(0, 120, prob.shape[1])
        assert solve_stockpile(_fixed(prob, x)).objective == pytest.approx(
            evaluate_stock(prob, x).objective, rel=1e-8)


def test_value_lost_below_discounted_residual_holds_the_stock() -> None:
    """Where d_t v < d_end r, releasing loses money: the closed form releases only in
    the prefix of periods where d_t v >= d_end r, and the LP agrees."""
    # rate 100 %, yearly periods: d = 2^-0.5, 2^-1.5, 2^-2.5 and d_end = 2^-3, so with
    # v / r = 0.5 releasing pays in years 1 and 2 (d_end / d_t = 0.18, 0.35) but not in
    # year 3 (0.71)
    v, r = 90.0, 180.0
    prob = make_problem(np.array([200.0]), np.array([v]), np.array([[[10.0, 10.0, 10.0]]]),
                        np.array([1.0]), 1e9, residual_value=np.array([r]),
                        discount_rate=1.0, period_days=365.0)
    assert prob.release_allowed().tolist() == [[True, True, False]]
    x = np.array([30.0])
    ev = evaluate_stock(prob, x)
    np.testing.assert_allclose(ev.release_t[0, 0], [10.0, 10.0, 0.0])
    assert solve_stockpile(_fixed(prob, x)).objective == pytest.approx(ev.objective,
                                                                      rel=1e-9)
    # releasing in year 3 too (the naive chronological rule) would cost more
    naive = drawdown(x, prob.gaps, prob.max_release_t)
    np.testing.assert_allclose(naive[0, 0], [10.0, 10.0, 10.0])
    naive_q = 2 ** -3 * r * 30.0                          # no shortfall, 30 t released
    held_q = 2 ** -3 * r * 20.0 + 2 ** -2.5 * v * 10.0    # year 3 short, 20 t released
    assert ev.scenario_cost[0] == pytest.approx(held_q, rel=1e-12)
    assert held_q < naive_q
    assert prob.release_worth()[0, 2] == pytest.approx(2 ** -2.5 * v - 2 ** -3 * r)
    # undiscounted with v < r: never release (the LP does not either)
    flat = prob.with_discount_rate(0.0)
    assert not flat.release_allowed().any()
    fev = evaluate_stock(flat, x)
    assert fev.release_t.sum() == 0.0
    assert solve_stockpile(_fixed(flat, x)).objective == pytest.approx(fev.objective,
                                                                      rel=1e-9)


def test_emergency_plan_holds_stock_where_release_does_not_pay() -> None:
    data = {"budget_usd": 1e6, "periods": 3, "period_days": 365, "discount_rate": 1.0,
            "minerals": [{"mineral": "cobalt", "demand_t_per_year": 10,
                          "price_usd_per_t": 200, "value_lost_usd_per_t": 90,
                          "residual_value_fraction": 0.9}],
            "scenarios": [{"id": "s", "probability": 0.5, "disruptions": [
                {"mineral": "cobalt", "magnitude": 1.0, "duration_periods": 3}]}]}
    plan = mw.emergency_plan(parse_stockpile_config(data), "s", stock={"cobalt": 30.0})
    assert plan.schedule["release_t"].tolist() == pytest.approx([10.0, 10.0, 0.0])
    assert any("No release where the discounted value lost" in n for n in plan.notes)
    assert plan.summary["remaining_cost"].iloc[0] == pytest.approx(90 * 10 * 2 ** -2.5)


# -- monotonicity ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_higher_rate_never_raises_stock_for_a_late_gap(seed: int) -> None:
    """Gap only in the last period: x* = F^-1(1 - (c - d_end r)/(d_T v - d_end r)) and the
    ratio rises with the rate whenever stocking pays (d_T v >= c), so x* never rises."""
    rng = np.random.default_rng(seed)
    n_s, n_i, n_t = 40, 3, 4
    gaps = np.zeros((n_s, n_i, n_t))
    gaps[:, :, -1] = rng.uniform(0, 100, (n_s, n_i))
    price = rng.uniform(1, 5, n_i)
    base = make_problem(price, price * rng.uniform(1.1, 4, n_i), gaps,
                        rng.dirichlet(np.ones(n_s)) * 0.9, 1e12,
                        residual_value=price * rng.uniform(0, 0.9, n_i),
                        period_days=365.0)
    rates = [0.0, 0.01, 0.03, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0]
    stocks = np.array([solve_stockpile(base.with_discount_rate(r)).stock_t for r in rates])
    assert (np.diff(stocks, axis=0) <= 1e-6).all()
    assert stocks[-1].sum() < stocks[0].sum() - 1.0        # discounting does bite


# -- marginal value of budget ------------------------------------------------------------------


@pytest.mark.parametrize(("rate", "w"), [(0.07, 0.0), (0.5, 0.0), (0.07, 0.6)])
def test_budget_dual_matches_finite_difference_with_discounting(rate: float, w: float
                                                                ) -> None:
    prob = _random_problem(11, budget=150.0, rate=rate, cvar_weight=w)
    sol = solve_stockpile(prob)
    assert sol.budget_dual is not None and sol.budget_dual > 0
    h = 1e-3
    up = solve_stockpile(prob.with_budget(prob.budget + h)).objective
    down = solve_stockpile(prob.with_budget(prob.budget - h)).objective
    right, left = (sol.objective - up) / h, (down - sol.objective) / h
    assert right - 1e-6 <= sol.budget_dual <= left + 1e-6
    res = optimize_problem(prob, np.full(prob.shape[1], 100.0))
    assert res.marginal_value_of_budget == pytest.approx(res.marginal_value_of_budget_fd,
                                                         rel=1e-4)


def test_example_with_discounting_dual_fd_and_lower_costs() -> None:
    cfg = mw.load_stockpile_config(mw.stockpile_example_path())
    flat = optimize_stockpile(cfg)
    res = optimize_stockpile(cfg, discount_rate=0.05)
    assert res.discount_rate == 0.05 and res.to_dict()["discount_rate"] == 0.05
    assert res.marginal_value_of_budget == pytest.approx(res.marginal_value_of_budget_fd,
                                                         rel=1e-4)
    assert res.objective == pytest.approx(res.evaluation.objective, rel=1e-8)
    # shortfall cost is a present value: smaller than undiscounted, same tonnes per stock
    none = evaluate_stock(res.problem, np.zeros(6))
    assert res.no_stock_shortfall_cost < flat.no_stock_shortfall_cost
    assert res.no_stock_shortfall_t == pytest.approx(flat.no_stock_shortfall_t)
    assert none.expected_shortfall_cost.sum() == pytest.approx(res.no_stock_shortfall_cost)


# -- validation and pass-through ---------------------------------------------------------------


@pytest.mark.parametrize(("rate", "extra"), [(-0.01, "0 <= rate <= 1"),
                                             (1.5, "0 <= rate <= 1"),
                                             (3, "did you mean 0.03"),
                                             (math.inf, "0 <= rate <= 1"),
                                             (math.nan, "0 <= rate <= 1")])
def test_bad_discount_rate_names_the_field(tmp_path: Path, rate: float, extra: str) -> None:
    data = _example()
    data["discount_rate"] = rate
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        read_stockpile_config(p)
    msg = str(exc.value)
    assert "bad.yaml" in msg and "discount_rate: not an annual discount rate" in msg
    assert extra in msg and "line " in msg
    assert exc.value.failures[0].value is not None


def test_bad_discount_rate_override_and_arrays() -> None:
    cfg = mw.load_stockpile_config(mw.stockpile_example_path())
    with pytest.raises(ConfigError, match="discount_rate"):
        optimize_stockpile(cfg, discount_rate=-0.2)
    with pytest.raises(ValueError, match="discount_rate"):
        make_problem(np.ones(1), np.ones(1), np.ones((1, 1, 2)), np.array([0.5]), 1.0,
                     discount_rate=2.0)


def test_adapters_and_overrides_keep_the_rate() -> None:
    cfg = parse_stockpile_config({**_example(), "discount_rate": 0.04})
    sc = adapters.scenarios_from_shock_draws([800.0], 8000.0, "cobalt", probability=0.01)
    merged = adapters.with_scenarios(cfg, sc)
    assert merged.discount_rate == 0.04
    assert build_problem(merged).discount_rate == 0.04
    res = optimize_stockpile(cfg, budget=1e8, finite_difference=False)
    assert res.discount_rate == 0.04 and res.budget == 1e8


def test_emergency_plan_states_the_rate() -> None:
    cfg = parse_stockpile_config({**_example(), "discount_rate": 0.05})
    plan = mw.emergency_plan(cfg, "cod_cobalt_export_quota", stock={"cobalt": 1000.0})
    assert plan.discount_rate == 0.05
    md = plan_to_markdown(plan)
    assert "Discount rate: 5 % a year" in md and "present value at 5 % a year" in md
    assert "Discount rate: 5 % a year" in plan_to_html(plan)
    assert any("present values at a discount rate of 0.05" in n for n in plan.notes)
    flat = mw.emergency_plan(mw.stockpile_example_path(), "cod_cobalt_export_quota",
                             stock={"cobalt": 1000.0})
    assert "Discount rate: 0 (costs undiscounted" in plan_to_markdown(flat)
    # same tonnes; the remaining cost is the per-period shortfall weighted by d_t
    s = plan.schedule
    d, _ = discount_factors(0.05, 4, 91.25)
    cobalt = s[s["mineral"] == "cobalt"]["remaining_t"].to_numpy()
    assert plan.summary.set_index("mineral").loc["cobalt", "remaining_cost"] == \
        pytest.approx((cobalt * d).sum() * 10 * 37479)
    np.testing.assert_allclose(s["remaining_t"], flat.schedule["remaining_t"])


def test_cli_discount_rate_option(monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "app", typer.Typer(no_args_is_help=True,
                                                pretty_exceptions_enable=False))
    monkeypatch.setattr(cli, "COMMAND_MODULES", ["stockpile"])
    monkeypatch.setattr(cli, "_loaded", False)
    example = str(mw.stockpile_example_path())
    assert cli.main(["stockpile", "optimize", "--config", example, "--discount-rate",
                     "0.05", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["discount_rate"] == 0.05
    assert out["expected_shortfall_cost"] < BEFORE_SHORTFALL_COST
    assert cli.main(["stockpile", "optimize", "--config", example, "--discount-rate",
                     "5"]) == 2
    assert "discount_rate" in capsys.readouterr().err
