"""Monte Carlo: reproducible, zero variance equals the deterministic run; Hypothesis
properties of the model on random scenarios (identities, quotas, zero shocks)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mineralwatch as mw
from mineralwatch.analytics.balance import Sampler, compile_scenario, evaluate
from mineralwatch.analytics.balance._reference import evaluate_loops
from mineralwatch.analytics.balance.distributions import LogNormal, Normal, Triangular, Uniform
from mineralwatch.analytics.balance.scenario import Scenario
from test_balance_support import make_scenario, run


def test_same_seed_same_numbers_other_seed_other_numbers() -> None:
    a = mw.balance(scenario="cobalt_drc_quota", draws=300, seed=7).monte_carlo
    b = mw.balance(scenario="cobalt_drc_quota", draws=300, seed=7).monte_carlo
    c = mw.balance(scenario="cobalt_drc_quota", draws=300, seed=8).monte_carlo
    assert a is not None and b is not None and c is not None
    assert a.equals(b)
    assert not a.equals(c)


ZERO_VARIANCE = {
    "normal": {"dist": "normal", "mean": 1000.0, "sd": 0.0},
    "lognormal": {"dist": "lognormal", "median": 1000.0, "sigma": 0.0},
    "triangular": {"dist": "triangular", "low": 1000.0, "mode": 1000.0, "high": 1000.0},
    "uniform": {"dist": "uniform", "low": 1000.0, "high": 1000.0},
}


@pytest.mark.parametrize("kind", sorted(ZERO_VARIANCE))
def test_zero_variance_monte_carlo_equals_the_deterministic_run(kind: str) -> None:
    d = ZERO_VARIANCE[kind]
    s = make_scenario(
        supply=[{"country": "COD", "production": {"base": d, "base_year": 2024,
                                                  "cagr": {"dist": "normal", "mean": 0.05,
                                                           "sd": 0.0}}},
                {"country": "IDN", "production": 300}],
        demand=[{"sector": "all", "quantity": {2025: d, 2027: 1500}}],
        policies=[{"type": "export_quota", "country": "COD", "years": 2026,
                   "quantity": {**d}}])
    res = mw.balance(scenario=s, draws=64, seed=1)
    df = res.frame()
    for col in ("p10", "p50", "p90"):
        np.testing.assert_array_equal(df[col].to_numpy(), df["balance"].to_numpy())
    _, out = run(s, draws=64)
    _, point = run(s)
    np.testing.assert_array_equal(out.balance, np.broadcast_to(point.balance,
                                                               out.balance.shape))


def test_distributions_have_the_stated_moments() -> None:
    rng = np.random.default_rng(0)
    n = 200_000
    cases = [(Normal(dist="normal", mean=10, sd=2), 10.0),
             (LogNormal(dist="lognormal", median=10, sigma=0.5), 10 * np.exp(0.125)),
             (Triangular(dist="triangular", low=0, mode=1, high=5), 2.0),
             (Uniform(dist="uniform", low=2, high=4), 3.0)]
    for d, mean in cases:
        assert d.mean() == pytest.approx(mean)
        assert d.sample(rng, n).mean() == pytest.approx(mean, rel=0.01)


def test_probability_of_deficit_follows_the_demand_distribution() -> None:
    # supply 100, demand ~ U(50, 150): P(deficit) = 0.5; P10/P90 of balance = -40/40
    s = make_scenario(supply=[{"country": "COD", "production": 100}],
                      demand=[{"sector": "all",
                               "quantity": {"dist": "uniform", "low": 50, "high": 150}}],
                      years="2025")
    df = mw.balance(scenario=s, draws=40_000, seed=2).frame()
    assert df["p_deficit"].iloc[0] == pytest.approx(0.5, abs=0.01)
    assert df["p10"].iloc[0] == pytest.approx(-40, abs=1.5)
    assert df["p90"].iloc[0] == pytest.approx(40, abs=1.5)


def test_sampler_shapes() -> None:
    s = Sampler(draws=5, seed=0)
    assert s(3.0).shape == (1,)
    assert s(Normal(dist="normal", mean=1, sd=1)).shape == (5,)
    assert Sampler(0)(Normal(dist="normal", mean=1, sd=1)).tolist() == [1.0]
    with pytest.raises(ValueError):
        Sampler(-1)


# -- Hypothesis: random scenarios ----------------------------------------------------
COUNTRIES = ["COD", "IDN", "AUS", "PHL", "RUS", "CAN", "CHN"]
IMPORTERS = ["USA", "JPN", "DEU", "KOR"]
quantity = st.floats(min_value=0, max_value=1e6, allow_nan=False)
share = st.floats(min_value=0, max_value=1, allow_nan=False)
year = st.integers(2025, 2029)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    producers = draw(st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=5,
                              unique=True))
    supply = []
    for c in producers:
        entry: dict[str, object] = {"country": c, "production": draw(quantity)}
        if draw(st.booleans()):
            entry["domestic_use"] = draw(quantity)
        if draw(st.booleans()):
            shares = draw(st.lists(share, min_size=len(IMPORTERS), max_size=len(IMPORTERS)))
            total = sum(shares) or 1.0
            entry["destinations"] = {i: v / total * 0.9 for i, v in zip(IMPORTERS, shares,
                                                                       strict=True)}
        supply.append(entry)
    policies = []
    for c in producers:        # at most one policy per country: never overlapping
        kind = draw(st.sampled_from(["none", "quota", "quota_share", "ban", "dmo",
                                     "mandate"]))
        first = draw(year)
        years = f"{first}-{draw(st.integers(first, 2029))}"
        has_dest = any(e["country"] == c and "destinations" in e for e in supply)
        if kind == "quota":
            policies.append({"type": "export_quota", "country": c, "years": years,
                             "quantity": draw(quantity)})
        elif kind == "quota_share":
            policies.append({"type": "export_quota", "country": c, "years": years,
                             "share": draw(share)})
        elif kind == "ban":
            targets = draw(st.lists(st.sampled_from(IMPORTERS), min_size=1, unique=True)) \
                if has_dest else ["ALL"]
            policies.append({"type": "export_ban", "country": c, "years": years,
                             "targets": targets, "diversion": draw(share)})
        elif kind == "dmo":
            policies.append({"type": "domestic_market_obligation", "country": c,
                             "years": years, "share": draw(share)})
        elif kind == "mandate":
            policies.append({"type": "processing_mandate", "country": c, "years": years,
                             "share": draw(share), "capacity": draw(quantity),
                             "recovery": draw(share)})
    return Scenario.model_validate({
        "name": "random", "mineral": "cobalt", "years": "2025-2029", "supply": supply,
        "demand": [{"sector": "all", "quantity": {"base": draw(quantity), "base_year": 2025,
                                                  "cagr": draw(st.floats(-0.5, 0.5))}}],
        "recycling": [{"quantity": draw(quantity)}],
        "stock_change": [{"quantity": draw(st.floats(-1e5, 1e5))}],
        "policies": policies,
    })


SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(scenarios())
def test_properties_of_random_scenarios(s: Scenario) -> None:
    a, out = run(s)
    # accounting identities
    np.testing.assert_allclose(out.balance, out.supply - out.demand)
    assert (out.exports <= out.cap * (1 + 1e-12) + 1e-9).all()          # quota never exceeded
    assert (out.exports >= -1e-9).all() and (out.withheld >= -1e-6).all()
    assert (out.demand >= 0).all()
    # policies never create material: primary + withheld + moved <= produced + moved in
    moved_in = np.zeros_like(out.moved)
    for src, dst in enumerate(a.mandate_target):
        if dst >= 0:
            moved_in[:, dst] += out.moved[:, src]
    produced = a.production.sum(axis=2) + moved_in
    assert (out.primary + out.withheld + out.moved <= produced * (1 + 1e-9) + 1e-6).all()
    # the independent loop implementation agrees
    supply, demand, balance = evaluate_loops(a)
    np.testing.assert_allclose(out.supply, supply, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(out.demand, demand, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(out.balance, balance, rtol=1e-9, atol=1e-6)
    # removing every policy never lowers supply at the scenario's stage, nor changes demand
    _, free = run(s.model_copy(update={"policies": []}))
    assert (out.supply[:, 0] <= free.supply[:, 0] * (1 + 1e-12) + 1e-6).all()
    np.testing.assert_allclose(out.demand[:, 0], free.demand[:, 0])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.integers(0, 2**32 - 1))
def test_monte_carlo_without_distributions_is_the_deterministic_run(s: Scenario,
                                                                    seed: int) -> None:
    _, point = run(s)
    _, mc = run(s, draws=3, seed=seed)
    np.testing.assert_array_equal(np.broadcast_to(point.balance, mc.balance.shape),
                                  mc.balance)


def test_chunked_simulation_equals_one_pass() -> None:
    from mineralwatch.analytics.balance.model import simulate_balance

    a = compile_scenario(mw.load_scenario("cobalt_drc_quota"), Sampler(500, seed=4))
    np.testing.assert_array_equal(simulate_balance(a, chunk=64), evaluate(a).balance)
