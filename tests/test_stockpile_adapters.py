"""Scenarios from balance runs and shock propagation; the report section."""

from __future__ import annotations

import pytest

import mineralwatch as mw
from mineralwatch.analytics.stockpile import adapters, build_problem, optimize_stockpile
from mineralwatch.errors import ConfigError


@pytest.fixture()
def cfg():
    return mw.load_stockpile_config(mw.stockpile_example_path())


def test_scenario_from_balance_uses_withheld_share(cfg) -> None:
    from mineralwatch.analytics.balance import balance

    res = balance(scenario="cobalt_drc_quota")
    sc = adapters.scenario_from_balance(res, probability=0.1, period_days=cfg.period_days)
    first = res.frame().iloc[0]
    d0 = sc.disruptions[0]
    assert d0.suppliers == [] and d0.start_period == 1 and d0.duration_periods == 4
    assert d0.magnitude == pytest.approx(first["withheld"] / first["demand"])
    merged = adapters.with_scenarios(cfg, [sc])
    assert merged.scenarios[-1].id == sc.id
    # only the first year fits the 4-quarter horizon; gap = magnitude x quarterly demand
    gaps = build_problem(merged).gross_gaps
    assert gaps is not None
    k = len(merged.scenarios) - 1
    i = merged.mineral_ids().index("cobalt")
    assert gaps[k, i, 0] == pytest.approx(d0.magnitude * 8500 / 4)
    assert optimize_stockpile(merged, finite_difference=False).total_cost <= cfg.budget_usd + 1


def test_scenario_from_shock_report(cfg) -> None:
    report = {"mineral": "cobalt", "year": 2023, "model": "proportional",
              "shock": {"country": "COD", "cut": 0.5, "kind": "export"},
              "countries": [{"country": "USA", "loss_t": 2000.0, "consumption_t": 8000.0}]}
    sc = adapters.scenario_from_shock(report, "United States", probability=0.05)
    assert sc.disruptions[0].magnitude == pytest.approx(0.25)
    with pytest.raises(ConfigError, match="no supply gap"):
        adapters.scenario_from_shock(report, "JPN", probability=0.05)


def test_scenarios_from_draws_are_equiprobable_and_checked(cfg) -> None:
    scs = adapters.scenarios_from_shock_draws([0.0, 800.0, 4000.0], 8000.0, "cobalt",
                                              probability=0.3)
    assert [s.probability for s in scs] == pytest.approx([0.1, 0.1])
    with pytest.raises(ConfigError, match="probabilities sum"):
        adapters.with_scenarios(cfg, adapters.scenarios_from_shock_draws(
            [8000.0] * 4, 8000.0, "cobalt", probability=0.9))


def test_report_section_has_chart_units_and_escaped_source() -> None:
    from mineralwatch.reports.sections.stockpile import render

    html = render(None)
    assert html.startswith('<section id="stockpile">')
    assert "<svg" in html and "million USD" in html and "Source:" in html
    assert "korea 100" in html and "no stockpile" in html
    assert "six_metals.yaml" in html


def test_docs_example_runs(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Python example of docs/stockpile.md runs as written."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "stockpile.md").read_text("utf-8")
    code = doc.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "docs/stockpile.md", "exec"), {})
    assert (tmp_path / "plan.md").read_text("utf-8").startswith("# Emergency response plan")
