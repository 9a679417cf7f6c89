"""Emergency response plans: schedule arithmetic, supplier ranking, traceability, escaping."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mineralwatch as mw
from mineralwatch.analytics.stockpile.export import plan_to_html, plan_to_markdown, write_plan
from mineralwatch.store import SourceInfo


@pytest.fixture()
def supply_wh(wh: mw.Warehouse) -> mw.Warehouse:
    """Cobalt mine production (USGS MCS 2025, 2024 estimates), one capacity row and WGI."""
    prod = pd.DataFrame([
        dict(mineral="cobalt", stage="mine", country=c, year=2024, quantity=q, unit="t",
             basis="content", estimated=True, note=None)
        for c, q in [("COD", 220000), ("IDN", 28000), ("RUS", 8700), ("AUS", 3600),
                     ("WLD", 290000)]])
    cap = pd.DataFrame([dict(mineral="cobalt", stage="mine", country="IDN", year=2024,
                             quantity=40000, unit="t", basis="content", estimated=True,
                             note=None)])
    gov = pd.DataFrame([dict(country=c, year=2023, indicator=i, value=v)
                        for c, v in [("IDN", -0.2), ("RUS", -1.0), ("AUS", 1.3)]
                        for i in ("pv", "rl")])
    wh.ingest({"production": prod, "capacity": cap},
              SourceInfo("test:usgs", "test", "usgs", "c1", "1"))
    wh.ingest({"governance": gov}, SourceInfo("test:wgi", "test", "wgi", "c2", "1"))
    return wh


def test_plan_schedule_balances(supply_wh: mw.Warehouse) -> None:
    cfg = mw.load_stockpile_config(mw.stockpile_example_path())
    plan = mw.emergency_plan(cfg, "cod_cobalt_export_quota", stock={"cobalt": 1000.0},
                             wh=supply_wh, file="six_metals.yaml")
    s = plan.schedule
    # gap = levers + release + remaining in every period; releases never exceed the stock
    np.testing.assert_allclose(s["gross_gap_t"], s["levers_t"] + s["release_t"]
                               + s["remaining_t"])
    assert s["release_t"].sum() == pytest.approx(1000.0)
    # demand 8,500 t/yr, quarter = 2,125 t; COD share 0.7634 x magnitude 0.56
    assert s["gross_gap_t"].iloc[0] == pytest.approx(2125 * 0.7634 * 0.56)
    assert plan.expected_remaining_shortfall_t == pytest.approx(
        4 * (2125 * 0.7634 * 0.56 - 50) - 1000)
    assert all("six_metals.yaml: minerals[cobalt].demand_t_per_year" in x for x in s["source"])


def test_alternatives_ranked_by_governance_weighted_spare(supply_wh: mw.Warehouse) -> None:
    plan = mw.emergency_plan(mw.stockpile_example_path(), "cod_cobalt_export_quota",
                             stock={"cobalt": 0.0}, wh=supply_wh)
    alt = plan.alternatives
    assert list(alt["country"]) == ["IDN", "AUS", "RUS"]       # COD affected, WLD aggregate
    idn = alt.iloc[0]
    assert idn["spare_basis"] == "capacity"
    assert idn["spare_t_per_period"] == pytest.approx(12000 * 91.25 / 365)
    assert idn["score"] == pytest.approx(3000 * (-0.2 + 2.5) / 5)
    assert "production: test:usgs" in idn["source"] and "governance: test:wgi" in idn["source"]
    assert alt.iloc[1]["spare_basis"] == "proxy"


def test_default_stock_is_the_optimised_plan() -> None:
    plan = mw.emergency_plan(mw.stockpile_example_path())
    assert plan.scenario.id == "cod_cobalt_export_quota"       # the most probable
    assert "optimised plan" in plan.schedule["source"].iloc[0]
    assert any("No warehouse" in n for n in plan.notes)


def test_exports_escape_and_cite(tmp_path) -> None:
    cfg = mw.load_stockpile_config(mw.stockpile_example_path())
    sc = cfg.scenarios[0].model_copy(update={"description": "<script>alert(1)</script> | x"})
    cfg = cfg.model_copy(update={"scenarios": [sc, *cfg.scenarios[1:]]})
    plan = mw.emergency_plan(cfg, sc.id, stock={"cobalt": 500.0})
    page = plan_to_html(plan)
    assert "<script>" not in page and "&lt;script&gt;" in page
    md = plan_to_markdown(plan)
    assert "\\| x" in md and "## Release schedule" in md
    # every row cites a numbered source, each source text is written once at the end
    schedule = md.split("## Release schedule")[1].split("##")[0]
    refs = [ln.rstrip(" |").rsplit("| ", 1)[-1] for ln in schedule.splitlines()
            if ln.startswith("| cobalt")]
    assert len(refs) == plan.periods and all(r.startswith("S") for r in refs)
    listed = md.split("## Sources")[1]
    assert f"**{refs[0]}**: " in listed
    assert md.count("minerals[cobalt].demand_t_per_year") == len(
        {r for r in [*refs, "S1"]})  # once per distinct source, not once per row
    assert "<dt>S1</dt>" in page
    assert write_plan(plan, tmp_path / "p.html").read_text().startswith("<!DOCTYPE html>")
    assert write_plan(plan, tmp_path / "p.md").read_text().startswith("# Emergency")


def test_alternatives_one_row_per_country(supply_wh: mw.Warehouse) -> None:
    bgs = pd.DataFrame([dict(mineral="cobalt", stage="mine", country="IDN", year=2024,
                             quantity=27000, unit="t", basis="content", estimated=False,
                             note=None)])
    supply_wh.ingest({"production": bgs}, SourceInfo("test:bgs", "test", "bgs", "c3", "1"))
    plan = mw.emergency_plan(mw.stockpile_example_path(), "cod_cobalt_export_quota",
                             stock={"cobalt": 0.0}, wh=supply_wh)
    assert plan.alternatives["country"].is_unique
    idn = plan.alternatives.set_index("country").loc["IDN"]
    assert idn["production_t"] == 28000 and "test:usgs" in idn["source"]
