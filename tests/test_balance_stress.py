"""Stress screening across minerals, scenario comparison and the report section."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import mineralwatch as mw
from mineralwatch.analytics.balance.stress import STRESS_COLUMNS
from mineralwatch.errors import InputError, NotFoundError
from mineralwatch.reports.sections import balance as section
from test_balance_support import ingest_production

ROWS = [
    ("cobalt", "mine", "COD", 2024, 220000), ("cobalt", "mine", "IDN", 2024, 28000),
    ("cobalt", "mine", "WLD", 2024, 290000), ("cobalt", "refinery", "CHN", 2024, 180000),
    ("gallium", "refinery", "CHN", 2024, 750), ("gallium", "refinery", "WLD", 2024, 760),
    ("nickel", "mine", "IDN", 2024, 2200000), ("nickel", "mine", "PHL", 2024, 330000),
    ("nickel", "mine", "WLD", 2024, 3700000), ("nickel", "mine", "IDN", 2023, 2030000),
]


@pytest.fixture()
def filled(wh):
    ingest_production(wh, ROWS)
    return wh


def test_stress_ranks_minerals_by_deficit_share(filled) -> None:
    df = mw.stress(filled)
    assert list(df.columns) == list(STRESS_COLUMNS)
    assert sorted(df["cut"].unique()) == [10.0, 30.0, 50.0, 100.0]
    full = df[df["cut"] == 100].set_index("mineral")
    assert full["rank"].tolist() == [1, 2, 3]
    assert full.index.tolist() == ["gallium", "cobalt", "nickel"]
    # world production is the demand proxy: the deficit is the supplier's lost exports
    assert full.loc["gallium", "deficit"] == pytest.approx(750)
    assert full.loc["gallium", "deficit_share"] == pytest.approx(750 / 760)
    assert full.loc["cobalt", "supplier"] == "COD"
    assert full.loc["cobalt", "stage"] == "mine"
    assert full.loc["nickel", "year"] == 2024
    assert (df["demand_basis"] == "production proxy").all()
    assert (df["baseline_balance"] == 0).all()
    half = df[df["cut"] == 50].set_index("mineral")
    assert half.loc["cobalt", "deficit"] == pytest.approx(110000)
    assert half.loc["cobalt", "supplier_share"] == pytest.approx(220000 / 290000)


def test_stress_summary_one_row_per_mineral(filled) -> None:
    wide = mw.analytics.balance.stress_summary(mw.stress(filled, cuts=[25, 100]))
    assert list(wide.columns) == ["mineral", "stage", "year", "supplier", "supplier_share",
                                  "25% cut", "100% cut"]
    assert wide["mineral"].tolist() == ["gallium", "cobalt", "nickel"]  # by the full cut
    g = wide.iloc[0]
    assert g["25% cut"] == pytest.approx(0.25 * 750 / 760)
    assert g["100% cut"] == pytest.approx(750 / 760)
    assert mw.analytics.balance.stress_summary(mw.stress(filled).iloc[:0]).empty


def test_zero_cut_changes_nothing(filled) -> None:
    df = mw.stress(filled, cuts=[0])
    assert (df["deficit"] == 0).all() and (df["balance"] == df["baseline_balance"]).all()


def test_export_share_and_demand_table(filled) -> None:
    demand = pd.DataFrame([{"mineral": "cobalt", "sector": "all", "region": "WLD",
                            "year": 2024, "scenario": "baseline", "quantity": 300000.0,
                            "unit": "t"}])
    from mineralwatch.store import SourceInfo

    filled.ingest({"demand": demand}, SourceInfo("test:demand", "test", "d", "d", "1"))
    df = mw.stress(filled, cuts=[100], minerals=["cobalt"], export_share=0.5)
    row = df.iloc[0]
    assert row["demand_basis"] == "demand table"
    assert row["baseline_balance"] == pytest.approx(-10000)
    assert row["lost_exports"] == pytest.approx(110000)
    assert row["deficit"] == pytest.approx(120000)


def test_stress_bad_input(filled, wh) -> None:
    with pytest.raises(InputError):
        mw.stress(filled, cuts=[120])
    with pytest.raises(InputError):
        mw.stress(filled, export_share=2)


def test_stress_on_an_empty_warehouse() -> None:
    with pytest.raises(NotFoundError):
        mw.stress(mw.open(":memory:"))


def test_compare_against_the_warehouse_baseline(filled) -> None:
    s = mw.load_scenario("cobalt_drc_quota")
    df = mw.compare_scenarios([s], filled, baseline=True, years="2025-2027")
    assert df["scenario"].unique().tolist() == ["cobalt baseline", s.name]
    base = df[df["scenario"] == "cobalt baseline"]
    assert (base["delta_balance"] == 0).all()
    other = df[df["scenario"] == s.name]
    assert (other["delta_balance"] == other["balance"] - base["balance"].to_numpy()).all()


def test_compare_with_draws_has_bands() -> None:
    df = mw.compare_scenarios(["cobalt_seed", "cobalt_drc_quota", "tungsten_seed"],
                              draws=100)
    assert {"p10", "p50", "p90", "p_deficit"} <= set(df.columns)
    tungsten = df[df["mineral"] == "tungsten"]
    assert (tungsten["delta_balance"] == 0).all()      # its own reference


def test_report_section_is_escaped_html_with_svg_bands(filled, monkeypatch) -> None:
    monkeypatch.setattr(section, "DRAWS", 200)
    html = section.render(filled)
    assert html.startswith('<section id="balance">') and html.endswith("</section>")
    assert html.count("<svg") == 4                     # one chart per mineral
    assert "<polygon" in html                          # the P10–P90 bands
    assert "Stress screen" in html and "gallium" in html
    assert "100% cut" in html and "98.7%" in html      # gallium: 750 of 760 t at a full stop
    assert "DR Congo cobalt quota 96,600 t/yr 2026-27" in html
    assert "supply − demand (t)" in html
    assert not re.search(r"<script", html)


def test_report_escapes_text() -> None:
    s = mw.load_scenario("tungsten_seed").model_copy(
        update={"name": "<b>x</b> & y", "source": "<i>src</i>"})
    res = mw.balance(scenario=s, draws=20)
    svg = section.balance_chart([res])
    assert "<b>x</b>" not in svg and "&lt;b&gt;x&lt;/b&gt; &amp; y" in svg
    assert "&lt;i&gt;src&lt;/i&gt;" in svg
