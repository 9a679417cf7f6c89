"""Correlated uncertain inputs: common factors (a one-factor Gaussian copula).

Inputs naming the same ``factor`` move together (latent normals correlated
``sqrt(rho1 * rho2)``), their marginals are unchanged, inputs without a factor are drawn
exactly as before, and bad ``factor``/``rho`` values are reported with file, line and
field like any other scenario field.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import BaseModel
from scipy import stats
from scipy.special import ndtri

import mineralwatch as mw
from mineralwatch.analytics.balance import Sampler, read_scenario
from mineralwatch.analytics.balance.distributions import LogNormal, Normal, Triangular, Uniform
from mineralwatch.errors import ConfigError
from test_balance_support import make_scenario, run

N = 20_000
TOL = 0.03          # >= 4 standard errors of a correlation estimate at n = 20,000

#: One distribution of each kind, as scenario YAML would give it.
KINDS: dict[str, dict[str, Any]] = {
    "normal": {"dist": "normal", "mean": 100.0, "sd": 15.0},
    "lognormal": {"dist": "lognormal", "median": 250.0, "sigma": 0.3},
    "triangular": {"dist": "triangular", "low": 0.9, "mode": 1.0, "high": 1.2},
    "uniform": {"dist": "uniform", "low": 0.05, "high": 0.09},
}
MODELS: dict[str, type[BaseModel]] = {"normal": Normal, "lognormal": LogNormal,
                                      "triangular": Triangular, "uniform": Uniform}


def dist(kind: str, **extra: Any) -> Any:
    return MODELS[kind].model_validate({**KINDS[kind], **extra})


def scipy_dist(kind: str) -> Any:
    """The same distribution in scipy.stats (an independent reference)."""
    p = KINDS[kind]
    if kind == "normal":
        return stats.norm(p["mean"], p["sd"])
    if kind == "lognormal":
        return stats.lognorm(s=p["sigma"], scale=p["median"])
    if kind == "triangular":
        width = p["high"] - p["low"]
        return stats.triang((p["mode"] - p["low"]) / width, loc=p["low"], scale=width)
    return stats.uniform(p["low"], p["high"] - p["low"])


def latent(kind: str, x: np.ndarray) -> np.ndarray:
    """Back out the latent standard normal of draws ``x`` with scipy's CDF."""
    return ndtri(np.clip(scipy_dist(kind).cdf(x), 1e-15, 1 - 1e-15))


# -- correlation ---------------------------------------------------------------------
def test_two_normal_inputs_on_one_factor_have_correlation_rho() -> None:
    s = Sampler(N, seed=11)
    a = s(dist("normal", factor="drc", rho=0.8))
    b = s(Normal(dist="normal", mean=5.0, sd=1.0, factor="drc", rho=0.8))
    assert np.corrcoef(a, b)[0, 1] == pytest.approx(0.8, abs=TOL)
    # the factor's draws were made once and are shared
    assert s.factor("drc") is s.factor("drc")
    assert s.factor("drc").shape == (N,)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_latent_normals_on_one_factor_have_correlation_rho(kind: str) -> None:
    s = Sampler(N, seed=3)
    x, y = s(dist(kind, factor="f", rho=0.8)), s(dist(kind, factor="f", rho=0.8))
    assert np.corrcoef(latent(kind, x), latent(kind, y))[0, 1] == pytest.approx(0.8, abs=TOL)
    # rank correlation of a bivariate normal with correlation r: (6/pi) asin(r/2)
    expected_spearman = 6 / math.pi * math.asin(0.4)
    assert stats.spearmanr(x, y).statistic == pytest.approx(expected_spearman, abs=TOL)


def test_different_loadings_give_sqrt_of_their_product() -> None:
    s = Sampler(N, seed=5)
    a = s(dist("normal", factor="demand", rho=0.9))
    b = s(dist("normal", factor="demand", rho=0.4))
    assert np.corrcoef(a, b)[0, 1] == pytest.approx(math.sqrt(0.9 * 0.4), abs=TOL)


def test_different_factors_or_no_factor_are_independent() -> None:
    s = Sampler(N, seed=6)
    a = s(dist("normal", factor="drc", rho=0.8))
    b = s(dist("normal", factor="idn", rho=0.8))
    c = s(dist("normal"))
    d = s(dist("uniform", factor="drc", rho=0.0))        # loading 0: independent too
    assert abs(np.corrcoef(a, b)[0, 1]) < TOL
    assert abs(np.corrcoef(a, c)[0, 1]) < TOL
    assert abs(stats.spearmanr(a, d).statistic) < TOL


def test_loading_one_moves_inputs_in_lockstep() -> None:
    s = Sampler(1_000, seed=2)
    x = s(dist("triangular", factor="f", rho=1.0))
    y = s(dist("triangular", factor="f", rho=1.0))
    np.testing.assert_allclose(x, y)
    assert x.std() > 0


# -- marginals -----------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_factor_leaves_the_marginal_distribution_unchanged(kind: str) -> None:
    s = Sampler(N, seed=8)
    s(dist(kind, factor="f", rho=0.7))                   # the factor is already in use
    on_factor = s(dist(kind, factor="f", rho=0.7))
    independent = dist(kind).sample(np.random.default_rng(8), N)
    ref = scipy_dist(kind)
    assert stats.kstest(on_factor, ref.cdf).pvalue > 0.01
    assert stats.ks_2samp(on_factor, independent).pvalue > 0.01
    sd = ref.std()
    assert on_factor.mean() == pytest.approx(dist(kind).mean(), abs=4 * sd / math.sqrt(N))
    for q in (0.1, 0.5, 0.9):
        assert np.quantile(on_factor, q) == pytest.approx(ref.ppf(q), abs=0.05 * sd)
    lo, hi = ref.support()
    assert on_factor.min() >= lo and on_factor.max() <= hi


def test_inputs_without_a_factor_keep_their_random_stream() -> None:
    d = [dist("normal"), dist("lognormal"), dist("triangular"), dist("uniform")]
    s = Sampler(50, seed=42)
    got = [s(x) for x in d]
    rng = np.random.default_rng(42)
    for x, g in zip(d, got, strict=True):
        np.testing.assert_array_equal(g, x.sample(rng, 50))


def test_deterministic_run_uses_the_mean() -> None:
    for kind in KINDS:
        d = dist(kind, factor="f", rho=0.9)
        assert Sampler(0)(d).tolist() == [pytest.approx(d.mean())]


# -- inverse CDFs ----------------------------------------------------------------------
def test_ppf_known_values() -> None:
    assert Uniform(dist="uniform", low=2, high=6).ppf(np.array([0.0, 0.5, 1.0])).tolist() \
        == [2.0, 4.0, 6.0]
    tri = Triangular(dist="triangular", low=0, mode=1, high=5)
    np.testing.assert_allclose(tri.ppf(np.array([0.0, 0.2, 1.0])), [0.0, 1.0, 5.0])
    np.testing.assert_allclose(tri.ppf(np.array([0.5])), [5 - math.sqrt(10)])
    assert LogNormal(dist="lognormal", median=250, sigma=0.3).ppf(np.array([0.5]))[0] \
        == pytest.approx(250)
    norm = Normal(dist="normal", mean=10, sd=2)
    np.testing.assert_allclose(norm.ppf(np.array([0.5, stats.norm.cdf(1.0)])), [10, 12])


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_ppf_matches_scipy(kind: str) -> None:
    u = np.linspace(0.001, 0.999, 201)
    np.testing.assert_allclose(dist(kind).ppf(u), scipy_dist(kind).ppf(u), rtol=1e-9)


def test_ppf_of_degenerate_distributions_is_constant() -> None:
    u = np.array([0.0, 0.3, 1.0])
    assert Normal(dist="normal", mean=7, sd=0).ppf(u).tolist() == [7.0] * 3
    assert LogNormal(dist="lognormal", median=7, sigma=0).ppf(u).tolist() == [7.0] * 3
    assert Triangular(dist="triangular", low=7, mode=7, high=7).ppf(u).tolist() == [7.0] * 3
    assert Uniform(dist="uniform", low=7, high=7).ppf(u).tolist() == [7.0] * 3
    s = Sampler(100, seed=1)
    assert (s(Normal(dist="normal", mean=7, sd=0, factor="f", rho=0.6)) == 7).all()


# -- a scenario ----------------------------------------------------------------------
SCENARIO = """\
name: two producers
mineral: cobalt
years: 2025
supply:
  - {{country: COD, production: {{dist: normal, mean: 100000, sd: 15000{cod}}}}}
  - {{country: IDN, production: {{dist: normal, mean: 100000, sd: 15000{idn}}}}}
demand:
  - {{sector: all, quantity: 190000}}
"""


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_correlated_supply_widens_the_balance_spread(tmp_path: Path) -> None:
    indep = write(tmp_path, SCENARIO.format(cod="", idn=""), "indep.yaml")
    corr_text = SCENARIO.format(cod=", factor: supply, rho: 0.9",
                                idn=", factor: supply, rho: 0.9")
    corr = write(tmp_path, corr_text, "corr.yaml")
    parsed = read_scenario(corr).supply[0].production
    assert parsed is not None and parsed.value is not None
    assert (parsed.value.factor, parsed.value.rho) == ("supply", 0.9)  # type: ignore[union-attr]

    a = mw.balance(scenario=indep, draws=N, seed=4).frame().iloc[0]
    res = mw.balance(scenario=corr, draws=N, seed=4)
    b = res.frame().iloc[0]
    assert a["balance"] == b["balance"] == 10_000.0              # deterministic: the means
    z90 = stats.norm.ppf(0.9)
    spread_a, spread_b = a["p90"] - a["p10"], b["p90"] - b["p10"]
    assert spread_a == pytest.approx(2 * z90 * 15000 * math.sqrt(2), rel=0.05)
    assert spread_b == pytest.approx(2 * z90 * 15000 * math.sqrt(2 + 2 * 0.9), rel=0.05)
    assert spread_b > 1.25 * spread_a
    assert abs(b["p50"] - a["p50"]) < 0.05 * spread_a
    assert b["p_deficit"] > a["p_deficit"]          # more mass in the lower tail

    # reproducible with the same seed, different with another
    again = mw.balance(scenario=corr, draws=N, seed=4).monte_carlo
    other = mw.balance(scenario=corr, draws=N, seed=5).monte_carlo
    assert res.monte_carlo is not None and again is not None and other is not None
    assert res.monte_carlo.equals(again) and not res.monte_carlo.equals(other)


def test_a_factor_correlates_the_years_of_a_series() -> None:
    d = {"dist": "normal", "mean": 1000.0, "sd": 100.0}
    years: dict[int, Any] = {2025: d, 2026: d}
    on = {y: {**d, "factor": "demand", "rho": 0.8} for y in years}
    def corr(series: dict[int, Any]) -> float:
        s = make_scenario(supply=[{"country": "COD", "production": 2000}],
                          demand=[{"sector": "all", "quantity": series}], years="2025-2026")
        _, out = run(s, draws=N, seed=9)
        return float(np.corrcoef(out.demand[:, 0, 0], out.demand[:, 0, 1])[0, 1])

    assert abs(corr(years)) < TOL
    assert corr(on) == pytest.approx(0.8, abs=TOL)


# -- bad input -----------------------------------------------------------------------
GOOD = """\
name: ok
mineral: cobalt
years: 2025-2026
supply:
  - {country: COD, production: 100}
demand:
  - {sector: all, quantity: 80}
"""


@pytest.mark.parametrize(("extra", "column", "needle"), [
    (", factor: drc, rho: 1.5", "demand[0].quantity.value.rho", "less than or equal to 1"),
    (", factor: drc, rho: -0.1", "demand[0].quantity.value.rho", "greater than or equal to 0"),
    (", rho: 0.5", "demand[0].quantity.value", "rho (0.5) applies to a common factor only"),
    (", factor: ''", "demand[0].quantity.value.factor", "at least 1 character"),
    (", factor: drc, loading: 0.5", "demand[0].quantity.value.loading", "unknown field"),
])
def test_bad_factor_or_rho_names_file_line_and_field(tmp_path: Path, extra: str, column: str,
                                                     needle: str) -> None:
    text = GOOD.replace("quantity: 80", f"quantity: {{dist: normal, mean: 80, sd: 5{extra}}}")
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        mw.balance(scenario=path)
    [f] = info.value.failures
    assert f.column == column
    assert needle in f.message
    assert f.line == 7
    assert f.file is not None and f.file.endswith("s.yaml")
    if "loading" in extra:
        assert "factor" in f.message and "rho" in f.message     # allowed fields listed


def test_documented_example_runs(tmp_path: Path) -> None:
    import re

    doc = (Path(__file__).resolve().parents[1] / "docs" / "balance.md").read_text("utf-8")
    section = doc.split("**Correlated inputs", 1)[1]
    snippet = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]
    text = "name: doc\nmineral: cobalt\nyears: 2026-2027\n" + snippet
    s = read_scenario(write(tmp_path, text))
    res = mw.balance(scenario=s, draws=2_000, seed=1)
    assert res.monte_carlo is not None
    mine = s.supply[0].production
    assert mine is not None and mine.value is not None
    assert mine.value.factor == "drc"  # type: ignore[union-attr]
