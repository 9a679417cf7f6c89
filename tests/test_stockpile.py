"""Stockpile optimisation: closed forms, invariants, properties and error messages."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import mineralwatch as mw
from mineralwatch.analytics.stockpile import (
    NO_DISRUPTION,
    cvar,
    days_of_cover_stock,
    drawdown,
    evaluate_stock,
    example_config_path,
    make_problem,
    optimize_stockpile,
    read_stockpile_config,
    solve_stockpile,
)
from mineralwatch.errors import ConfigError


def newsvendor_quantile(gaps: np.ndarray, probs: np.ndarray, q: float) -> float:
    """Generalised inverse F^-1(q) = min{x : P(G <= x) >= q} of a discrete distribution
    whose remaining mass ``1 - sum(probs)`` sits at 0 (no disruption)."""
    values = np.concatenate([[0.0], gaps])
    mass = np.concatenate([[1.0 - probs.sum()], probs])
    order = np.argsort(values)
    cdf = np.cumsum(mass[order])
    return float(values[order][np.searchsorted(cdf, q - 1e-12)])


# -- closed forms ----------------------------------------------------------------------


@pytest.mark.parametrize(("price", "residual", "value_lost"), [
    (100.0, 0.0, 400.0),    # critical ratio 1 - c/v = 0.75
    (100.0, 40.0, 300.0),   # with residual value: 1 - (100-40)/(300-40) = 0.769
    (100.0, 0.0, 1000.0),   # 0.9
    (100.0, 0.0, 120.0),    # 0.167: below P(no disruption) -> no stock
])
def test_single_mineral_single_period_matches_newsvendor(price: float, residual: float,
                                                         value_lost: float) -> None:
    """min c x - s x + E[v (G - r) + s r] with r = min(G, x) is the newsvendor with
    underage cost v - s and overage cost c - s, so x* = F^-1(1 - (c - s)/(v - s))."""
    gaps = np.array([10.0, 20.0, 30.0, 40.0])
    probs = np.array([0.1, 0.2, 0.3, 0.2])      # P(no disruption) = 0.2
    prob = make_problem(np.array([price]), np.array([value_lost]), gaps[:, None, None],
                        probs, budget=1e12, residual_value=np.array([residual]))
    sol = solve_stockpile(prob)
    expect = newsvendor_quantile(gaps, probs, 1 - (price - residual) / (value_lost - residual))
    assert sol.stock_t[0] == pytest.approx(expect, abs=1e-6)
    assert sol.objective == pytest.approx(evaluate_stock(prob, sol.stock_t).objective)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 500), st.floats(0.01, 1.0)), min_size=1,
                max_size=8),
       st.floats(0.02, 0.98))
def test_newsvendor_property(scen: list[tuple[int, float]], ratio: float) -> None:
    gaps = np.array([float(g) for g, _ in scen])
    w = np.array([p for _, p in scen])
    probs = w / w.sum() * 0.9
    prob = make_problem(np.array([ratio]), np.array([1.0]), gaps[:, None, None], probs, 1e12)
    x = solve_stockpile(prob).stock_t[0]
    # optimal value equals the closed-form optimum (ties in F leave x non-unique)
    best = newsvendor_quantile(gaps, probs, 1 - ratio)
    assert evaluate_stock(prob, np.array([x])).objective == pytest.approx(
        evaluate_stock(prob, np.array([best])).objective, rel=1e-9, abs=1e-9)


def test_cvar_matches_definition() -> None:
    losses, p = np.array([0.0, 10.0, 20.0, 100.0]), np.array([0.5, 0.3, 0.15, 0.05])
    assert cvar(losses, p, 0.0) == pytest.approx(p @ losses)
    assert cvar(losses, p, 0.95) == pytest.approx(100.0)
    assert cvar(losses, p, 0.9) == pytest.approx((0.05 * 100 + 0.05 * 20) / 0.1)


def test_drawdown_is_chronological_and_bounded() -> None:
    gaps = np.array([[5.0, 10.0, 10.0], [0.0, 3.0, 0.0]])
    r = drawdown(np.array([12.0, 10.0]), gaps, np.array([8.0, np.inf]))
    np.testing.assert_allclose(r, [[5.0, 7.0, 0.0], [0.0, 3.0, 0.0]])


# -- invariants ------------------------------------------------------------------------


def _random_problem(seed: int, budget: float, n_i: int = 4, n_s: int = 12, n_t: int = 3):
    rng = np.random.default_rng(seed)
    gaps = rng.uniform(0, 50, (n_s, n_i, n_t)) * (rng.random((n_s, n_i, 1)) < 0.5)
    return make_problem(rng.uniform(1, 5, n_i), rng.uniform(10, 60, n_i), gaps,
                        rng.dirichlet(np.ones(n_s)) * 0.8, budget,
                        max_release_t=rng.uniform(20, 60, n_i))


def test_binding_budget_is_respected_exactly() -> None:
    prob = _random_problem(1, budget=150.0)
    sol = solve_stockpile(prob)
    spend = prob.unit_cost @ sol.stock_t
    assert spend <= prob.budget * (1 + 1e-12)
    assert spend == pytest.approx(prob.budget, rel=1e-9)
    assert sol.budget_dual is not None and sol.budget_dual > 0


def test_budget_dual_matches_finite_difference() -> None:
    prob = _random_problem(2, budget=150.0)
    sol = solve_stockpile(prob)
    h = 1e-3
    up = solve_stockpile(prob.with_budget(prob.budget + h)).objective
    down = solve_stockpile(prob.with_budget(prob.budget - h)).objective
    right, left = (sol.objective - up) / h, (down - sol.objective) / h
    assert right - 1e-6 <= sol.budget_dual <= left + 1e-6


def test_integer_lots_respect_budget() -> None:
    prob = dataclasses.replace(_random_problem(3, budget=157.0), lot_t=np.full(4, 7.0))
    sol = solve_stockpile(prob)
    assert sol.is_mip and sol.budget_dual is None
    np.testing.assert_allclose(sol.stock_t / 7.0, np.round(sol.stock_t / 7.0), atol=1e-7)
    assert prob.unit_cost @ sol.stock_t <= prob.budget + 1e-9


def test_zero_disruption_gives_zero_stock() -> None:
    prob = make_problem(np.array([3.0, 4.0]), np.array([100.0, 50.0]), np.zeros((3, 2, 4)),
                        np.array([0.2, 0.3, 0.1]), 1e6)
    sol = solve_stockpile(prob)
    np.testing.assert_array_equal(sol.stock_t, 0.0)
    assert prob.scenario_ids[-1] == NO_DISRUPTION
    assert prob.probabilities.sum() == pytest.approx(1.0)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.floats(0, 400), st.floats(0, 400))
def test_more_budget_never_raises_expected_shortfall(seed: int, b1: float, b2: float) -> None:
    lo, hi = sorted((b1, b2))
    small, large = _random_problem(seed, lo), _random_problem(seed, hi)
    es_small = evaluate_stock(small, solve_stockpile(small).stock_t)
    es_large = evaluate_stock(large, solve_stockpile(large).stock_t)
    tol = 1e-6 * (1 + es_small.expected_shortfall_cost.sum())
    assert es_large.expected_shortfall_cost.sum() <= es_small.expected_shortfall_cost.sum() + tol
    assert es_large.expected_shortfall_t.sum() <= es_small.expected_shortfall_t.sum() + 1e-6


def test_cvar_alpha_zero_equals_risk_neutral() -> None:
    neutral = _random_problem(4, budget=120.0)
    averse = dataclasses.replace(neutral, cvar_weight=1.0, cvar_alpha=0.0)
    a, b = solve_stockpile(neutral), solve_stockpile(averse)
    assert b.objective == pytest.approx(a.objective, rel=1e-8)
    np.testing.assert_allclose(b.stock_t, a.stock_t, rtol=1e-6, atol=1e-6)


def test_cvar_objective_matches_evaluation_and_risk_aversion_cuts_tail() -> None:
    neutral = _random_problem(5, budget=1e6)
    averse = dataclasses.replace(neutral, cvar_weight=0.8, cvar_alpha=0.9)
    sol = solve_stockpile(averse)
    ev = evaluate_stock(averse, sol.stock_t)
    assert sol.objective == pytest.approx(ev.objective, rel=1e-7)
    base = evaluate_stock(averse, solve_stockpile(neutral).stock_t)
    assert ev.cvar <= base.cvar + 1e-6


def test_days_of_cover_scaled_to_budget() -> None:
    stock, scale = days_of_cover_stock(np.array([365.0, 730.0]), np.array([1.0, 2.0]), 60,
                                       budget=100.0)
    assert scale == pytest.approx(100.0 / (60 + 240))
    assert stock @ np.array([1.0, 2.0]) == pytest.approx(100.0)
    stock, scale = days_of_cover_stock(np.array([365.0]), np.array([1.0]), 60, budget=1e3)
    assert scale == 1.0 and stock[0] == pytest.approx(60.0)


# -- the example configuration -----------------------------------------------------------


def test_example_config_optimises_and_beats_baselines() -> None:
    res = mw.optimize_stockpile(mw.load_stockpile_config(mw.stockpile_example_path()))
    d = res.to_dict()
    assert {"plan", "budget", "expected_shortfall_t", "expected_shortfall_cost",
            "baselines"} <= set(d)
    assert [p["mineral"] for p in d["plan"]] == ["chromium", "cobalt", "tantalum", "niobium",
                                                 "manganese", "copper"]
    assert res.total_cost <= res.budget * (1 + 1e-9)
    assert {b["rule"] for b in d["baselines"]} >= {"days_60", "korea_100", "days_180"}
    for b in res.baselines:
        assert b.cost <= res.budget * (1 + 1e-9)
        assert b.expected_shortfall_cost >= res.expected_shortfall_cost - 1e-6
    assert res.marginal_value_of_budget == pytest.approx(res.marginal_value_of_budget_fd,
                                                         rel=1e-4, abs=1e-9)
    assert res.expected_shortfall_cost < res.no_stock_shortfall_cost
    # the LP's optimum is the closed-form evaluation of its plan
    assert res.objective == pytest.approx(res.evaluation.objective, rel=1e-8)
    dd = res.drawdown()
    assert (dd["release_t"] <= dd["gap_t"] + 1e-9).all()


# -- errors ----------------------------------------------------------------------------


def _write(tmp_path: Path, data: dict) -> Path:
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return p


def _example() -> dict:
    return yaml.safe_load(example_config_path().read_text(encoding="utf-8"))


def test_invalid_fields_are_all_named(tmp_path: Path) -> None:
    data = _example()
    data["minerals"][1]["price_usd_per_t"] = -5
    data["minerals"][2]["mineral"] = "unobtainium"
    data["risk"]["cvar_alpha"] = 1.5
    with pytest.raises(ConfigError) as exc:
        read_stockpile_config(_write(tmp_path, data))
    msg = str(exc.value)
    assert "bad.yaml" in msg
    assert "minerals[1].price_usd_per_t" in msg and "-5" in msg
    assert "minerals[2].mineral" in msg and "unobtainium" in msg
    assert "risk.cvar_alpha" in msg and "1.5" in msg
    assert "line " in msg


def test_inconsistent_config_names_the_field(tmp_path: Path) -> None:
    data = _example()
    data["scenarios"][0]["probability"] = 0.9          # sum > 1
    data["scenarios"][1]["disruptions"][0]["suppliers"] = ["CHL"]   # no share for chromium
    data["scenarios"][2]["disruptions"][0]["start_period"] = 9      # after the horizon
    with pytest.raises(ConfigError) as exc:
        read_stockpile_config(_write(tmp_path, data))
    msg = str(exc.value)
    assert "scenarios: probabilities sum to 1.33" in msg
    assert "scenarios[1].disruptions[0].suppliers" in msg and "CHL" in msg
    assert "scenarios[2].disruptions[0].start_period" in msg and "1..4" in msg


def test_infeasible_config_names_the_budget(tmp_path: Path) -> None:
    data = _example()
    data["minerals"][0]["min_stock_t"] = 1e9
    with pytest.raises(ConfigError) as exc:
        read_stockpile_config(_write(tmp_path, data))
    assert "budget_usd: infeasible" in str(exc.value)


def test_unknown_field_and_missing_file(tmp_path: Path) -> None:
    data = _example()
    data["budgett"] = 3
    with pytest.raises(ConfigError, match="budgett"):
        read_stockpile_config(_write(tmp_path, data))
    with pytest.raises(ConfigError, match="Cannot read"):
        optimize_stockpile(tmp_path / "missing.yaml")


def test_lots_that_cannot_fit_the_stock_bounds(tmp_path: Path) -> None:
    data = _example()
    data["minerals"][3].update({"lot_t": 7, "min_stock_t": 5, "max_stock_t": 6})
    with pytest.raises(ConfigError, match=r"minerals\[3\].lot_t: no whole number of lots"):
        read_stockpile_config(_write(tmp_path, data))


def test_budget_override_is_validated() -> None:
    cfg = mw.load_stockpile_config(mw.stockpile_example_path())
    with pytest.raises(ConfigError, match="budget_usd"):
        optimize_stockpile(cfg, budget=-1.0)
    small = optimize_stockpile(cfg, budget=1e6, finite_difference=False)
    assert small.total_cost == pytest.approx(1e6, rel=1e-9)
