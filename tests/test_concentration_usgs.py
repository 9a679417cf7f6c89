"""Concentration from the USGS Mineral Commodity Summaries 2025 world data release
(``../shared/data/usgs_mcs2025/MCS2025_World_Data.csv``), checked by hand against the
cited rows: cobalt, mine production (cobalt content), 2024 estimates, lines 265-278."""

from __future__ import annotations

import pytest

import mineralwatch as mw
from conftest import DATA
from mineralwatch.store import Warehouse

pytestmark = pytest.mark.shared_data

MCS = DATA / "usgs_mcs2025" / "MCS2025_World_Data.csv"

#: PROD_EST_ 2024 of lines 265-276 (countries), 277 (Other Countries), 278 (World total).
COBALT_2024 = {"USA": 300, "AUS": 3600, "CAN": 4500, "COD": 220_000, "CUB": 3500,
               "IDN": 28_000, "MDG": 2600, "NCL": 1500, "PNG": 2800, "PHL": 3800,
               "RUS": 8700, "TUR": 2700}
OTHER, WORLD = 6200, 290_000


def test_cobalt_mine_2024_by_hand(wh: Warehouse) -> None:
    from mineralwatch.store.ingest import ingest_file

    ingest_file(wh, "usgs-mcs", MCS)
    r = mw.concentration(wh, "cobalt", stage="mine", year=2024).iloc[0]
    # countries + other = 288,200 < world total 290,000: the world total is the denominator
    assert sum(COBALT_2024.values()) + OTHER < WORLD
    shares = {c: q / WORLD for c, q in COBALT_2024.items()}
    assert r.source_id == "usgs-mcs:MCS2025_World_Data.csv"
    assert r.world_quantity == WORLD
    assert r.top1_country == "COD" and r.top1_share == pytest.approx(220_000 / WORLD)
    assert r.top3_share == pytest.approx((220_000 + 28_000 + 8700) / WORLD)
    assert r.top5_share == pytest.approx((220_000 + 28_000 + 8700 + 4500 + 3800) / WORLD)
    assert r.top5_countries == ["COD", "IDN", "RUS", "CAN", "PHL"]
    assert r.n_producers == 12
    assert r.n1_gap == r.top1_share
    assert r.hhi == pytest.approx(10_000 * sum(s * s for s in shares.values()))
    assert r.unlisted_share == pytest.approx(1 - sum(COBALT_2024.values()) / WORLD)
    assert {d["country"]: d["share"] for d in r.shares} == pytest.approx(shares)
