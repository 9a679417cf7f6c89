"""concentration(), exporter_concentration() and import_dependence() over a warehouse built
from small hand-made frames in the canonical schema."""

from __future__ import annotations

import pandas as pd
import pytest

from mineralwatch.analytics.concentration import (
    SOURCE_PREFERENCE,
    concentration,
    exporter_concentration,
    import_dependence,
)
from mineralwatch.errors import NotFoundError, UnknownCodeError
from mineralwatch.store import SourceInfo, Warehouse
from mineralwatch.store.engine import DuckDBEngine

WGI = ("va", "pv", "ge", "rq", "rl", "cc")


def production(rows: list[tuple[str, str, str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame([
        {"mineral": m, "stage": s, "country": c, "year": y, "quantity": q, "unit": "t",
         "basis": "content", "estimated": False, "note": None}
        for m, s, c, y, q in rows])


def source(sid: str) -> SourceInfo:
    return SourceInfo(sid, sid.split(":")[0], sid, checksum=sid, loader_version="test")


@pytest.fixture()
def cobalt(wh: Warehouse) -> Warehouse:
    # Hand-checkable: world 200 kt; COD 120, IDN 40, RUS 10, AUS 5, listed others 5 kt;
    # "World total" 200 > 180 listed, so the denominator is 200.
    wh.ingest({"production": production([
        ("cobalt", "mine", "COD", 2024, 120_000), ("cobalt", "mine", "IDN", 2024, 40_000),
        ("cobalt", "mine", "RUS", 2024, 10_000), ("cobalt", "mine", "AUS", 2024, 5_000),
        ("cobalt", "mine", "XOT", 2024, 5_000), ("cobalt", "mine", "WLD", 2024, 200_000),
        ("cobalt", "mine", "COD", 2023, 100_000), ("cobalt", "mine", "IDN", 2023, 100_000),
        ("cobalt", "refinery", "CHN", 2024, 150_000),
        ("cobalt", "refinery", "FIN", 2024, 50_000),
    ])}, source("usgs-mcs:mcs.csv"))
    wh.ingest({"production": production([
        ("cobalt", "mine", "COD", 2024, 90_000), ("cobalt", "mine", "IDN", 2024, 90_000),
    ])}, source("bgs:wms.csv"))
    return wh


def test_cobalt_mine_by_hand(cobalt: Warehouse) -> None:
    r = concentration(cobalt, "cobalt").iloc[0]
    assert (r.mineral, r.stage, r.year, r.basis) == ("cobalt", "mine", 2024, "production")
    assert r.source_id == "usgs-mcs:mcs.csv"  # preferred over bgs
    assert r.world_quantity == 200_000
    shares = {d["country"]: d["share"] for d in r.shares}
    assert shares == pytest.approx({"COD": 0.6, "IDN": 0.2, "RUS": 0.05, "AUS": 0.025})
    assert [d["country"] for d in r.shares] == ["COD", "IDN", "RUS", "AUS"]
    assert r.hhi == pytest.approx(10_000 * (0.36 + 0.04 + 0.0025 + 0.000625))
    assert r.top1_country == "COD" and r.top1_share == pytest.approx(0.6)
    assert r.top3_share == pytest.approx(0.85) and r.top5_share == pytest.approx(0.875)
    assert r.n1_gap == r.top1_share
    assert r.n_producers == 4
    assert r.unlisted_share == pytest.approx(0.125)
    # residual 12.5 % may be one producer (no larger than the largest listed, 60 %)
    assert r.hhi_min == pytest.approx(r.hhi)
    assert r.hhi_max == pytest.approx(r.hhi + 10_000 * 0.125**2)
    assert r.governance_weighted_hhi is None  # no governance table rows
    assert r.units["hhi"] == "HHI (0-10,000)"


def test_source_year_stage_choice(cobalt: Warehouse) -> None:
    assert SOURCE_PREFERENCE[0] == "usgs-mcs"
    b = concentration(cobalt, "Cobalt", source="bgs").iloc[0]
    assert b.source_id == "bgs:wms.csv" and b.hhi == pytest.approx(5_000)
    old = concentration(cobalt, "cobalt", year=2023).iloc[0]
    assert old.hhi == pytest.approx(5_000) and old.top1_country == "COD"  # tie: by ISO3
    ref = concentration(cobalt, "cobalt", stage="refinery").iloc[0]
    assert ref.top1_country == "CHN" and ref.top1_share == pytest.approx(0.75)


def test_include_aggregates_lists_residual_but_does_not_count_it(cobalt: Warehouse) -> None:
    r = concentration(cobalt, "cobalt", include_aggregates=True).iloc[0]
    assert r.shares[-1] == {"country": "XOT", "share": pytest.approx(0.125)}
    assert r.n_producers == 4


def test_governance_weighted_hhi(cobalt: Warehouse) -> None:
    gov = pd.DataFrame([{"country": c, "year": 2023, "indicator": i, "value": v}
                        for c, v in (("COD", -1.5), ("IDN", 0.0)) for i in WGI])
    cobalt.ingest({"governance": gov}, source("wgi:wgi.csv"))
    r = concentration(cobalt, "cobalt").iloc[0]
    # scores: COD (2.5+1.5)*2 = 8, IDN 5; RUS and AUS have none
    assert r.governance_weighted_hhi == pytest.approx(0.36 * 8 + 0.04 * 5)


def test_supply_share_fallback(cobalt: Warehouse) -> None:
    ss = pd.DataFrame([
        {"mineral": "gallium", "stage": "processing", "scope": "WLD", "country": c,
         "year": 2020, "share": s, "t": 1.0}
        for c, s in (("CHN", 0.94), ("RUS", 0.02), ("XOT", 0.04))])
    cobalt.ingest({"supply_share": ss}, source("eu-crm:crm.xlsx"))
    r = concentration(cobalt, "gallium", stage="processing").iloc[0]
    assert r.basis == "supply_share" and r.top1_share == pytest.approx(0.94)
    assert r.hhi == pytest.approx(10_000 * (0.94**2 + 0.02**2))
    assert r.n_producers == 2 and r.unlisted_share == pytest.approx(0.04)


def test_all_minerals(cobalt: Warehouse) -> None:
    cobalt.ingest({"production": production([("lithium", "mine", "AUS", 2024, 10.0)])},
                  source("usgs-mcs:li.csv"))
    df = concentration(cobalt, None)
    assert list(df["mineral"]) == ["cobalt", "lithium"]
    assert df.set_index("mineral").loc["lithium", "hhi"] == pytest.approx(10_000)


def test_errors_name_close_matches_and_available_data(cobalt: Warehouse) -> None:
    with pytest.raises(UnknownCodeError, match="cobalt"):
        concentration(cobalt, "cobolt")
    with pytest.raises(NotFoundError, match=r"production mine: 2023, 2024"):
        concentration(cobalt, "cobalt", stage="smelter")
    with pytest.raises(NotFoundError, match="2019"):
        concentration(cobalt, "cobalt", year=2019)


def trade(rows: list[tuple[str, str, str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame([
        {"period": p, "hs6": h, "hs_revision": "HS2022", "exporter": e, "importer": i,
         "reporter_side": side, "value_usd": v, "quantity": None, "quantity_unit": None}
        for p, h, e, i, side, v in rows])


@pytest.fixture()
def flows(wh: Warehouse) -> Warehouse:
    wh.ingest({"trade": trade([
        # 2022, 811010 (antimony): reconciled rows win over the export-side rows
        ("2022", "811010", "CHN", "USA", "reconciled", 60.0),
        ("2022", "811010", "THA", "USA", "reconciled", 30.0),
        ("2022", "811010", "MEX", "DEU", "reconciled", 10.0),
        ("2022", "811010", "CHN", "USA", "export", 999.0),
        ("2022", "811010", "CHN", "WLD", "reconciled", 500.0),  # aggregate partner: ignored
        ("2022", "261710", "CHN", "USA", "reconciled", 5.0),
        ("2023", "811010", "THA", "USA", "reconciled", 50.0),
        ("2023", "811010", "MEX", "USA", "reconciled", 50.0),
    ])}, source("baci:b.csv"))
    return wh


def test_exporter_concentration(flows: Warehouse) -> None:
    df = exporter_concentration(flows, hs6="811010", period="2022")
    assert len(df) == 1
    r = df.iloc[0]
    assert r.n_exporters == 3 and r.total_value_usd == pytest.approx(100.0)
    assert r.hhi == pytest.approx(10_000 * (0.36 + 0.09 + 0.01))
    assert r.top1_exporter == "CHN" and r.top1_share == pytest.approx(0.6)
    assert r.top3_share == pytest.approx(1.0)
    everything = exporter_concentration(DuckDBEngine(flows.con))
    assert list(zip(everything.period, everything.hs6, strict=True)) == [
        ("2022", "261710"), ("2022", "811010"), ("2023", "811010")]
    assert everything.attrs["units"]["hhi"] == "HHI (0-10,000)"


def test_import_dependence(flows: Warehouse) -> None:
    df = import_dependence(flows, "United States", ["811010"], partner="CHN")
    assert list(df["period"]) == ["2022", "2023"]
    y22, y23 = df.iloc[0], df.iloc[1]
    assert y22.top_partner == "CHN" and y22.top_partner_share == pytest.approx(60 / 90)
    assert y22.partner_share == pytest.approx(60 / 90)
    assert y23.partner_share == pytest.approx(0.0)
    assert y23.top_partner == "MEX" and y23.top_partner_share == pytest.approx(0.5)
    no_partner = import_dependence(flows, "USA", "811010", period=2023)
    assert no_partner["partner_share"].isna().all() and len(no_partner) == 1
