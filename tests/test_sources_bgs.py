"""BGS World Mineral Statistics loader, checked against lines of df_ukgs.csv.gz.

Line numbers are lines of the decompressed file (line 1 is the header).
"""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import DATA
from mineralwatch import schema
from mineralwatch.sources.bgs import read_bgs

pytestmark = pytest.mark.shared_data

BGS = DATA / "bgs_wms" / "df_ukgs.csv.gz"


@pytest.fixture(scope="module")
def prod() -> pd.DataFrame:
    return read_bgs(BGS)


def one(df: pd.DataFrame, **where: object) -> pd.Series:
    mask = pd.Series(True, index=df.index)
    for k, v in where.items():
        mask &= df[k] == v
    assert mask.sum() == 1, where
    return df[mask].iloc[0]


@pytest.mark.parametrize(
    ("where", "quantity", "line"),
    [
        (dict(mineral="cobalt", stage="mine", country="COD", year=2021), 93_011, 20015),
        (dict(mineral="cobalt", stage="mine", country="SUN", year=1985), 2_700, 20456),
        (dict(mineral="cobalt", stage="refinery", country="SUN", year=1985), 4_800, 21274),
        (dict(mineral="copper", stage="mine", country="CHL", year=2021), 5_624_900, 7368),
        (dict(mineral="copper", stage="refinery", country="CHL", year=2021), 2_274_000, 10341),
        (dict(mineral="steel", stage="processing", country="DDR", year=1990), 5_546_000, 5934),
        (dict(mineral="steel", stage="processing", country="DEU", year=1990), 38_434_000, 5935),
        (dict(mineral="rare_earths", stage="mine", country="CHN", year=2021), 180_000, 28091),
    ],
)
def test_figures_match_the_file(prod, where, quantity, line):
    row = one(prod, **where)
    assert row.quantity == quantity
    assert row._line == line
    assert row.unit == "t"


def test_sub_commodities_are_added_when_the_total_is_blank(prod):
    # lines 27880 (monazite 5310) and the xenotime row (7) of Australia 1976
    row = one(prod, mineral="rare_earths", country="AUS", year=1976)
    assert row.quantity == 5310 + 7
    assert "Monazite 5310 t" in row.note and row.basis == "gross"


def test_lithium_content_parts_are_not_added(prod):
    # Argentina 2017: carbonate 26559 + chloride 4501; the Li-content rows are noted only
    row = one(prod, mineral="lithium", country="ARG", year=2017)
    assert row.quantity == 26559 + 4501
    assert "not added" in row.note


def test_oxides_win_over_minerals_for_one_key(prod):
    # Australia 1993: rare earth oxides 4225 (line 28192) and monazite 6500 (line 27525)
    row = one(prod, mineral="rare_earths", country="AUS", year=1993)
    assert (row.quantity, row.basis) == (4225, "content")
    assert "6500 t (line 27525)" in row.note


def test_shape_and_invariants(prod):
    assert len(prod) == 27069
    assert prod.year.min() == 1970 and prod.year.max() == 2021
    assert not prod.duplicated(list(schema.PRODUCTION_KEY)).any()
    assert (prod.quantity >= 0).all() and prod.quantity.notna().all()
    assert set(prod.stage) <= set(schema.STAGES)
    assert {"SUN", "YUG", "CSK", "DDR"} <= set(prod.country)
    assert set(prod.mineral) >= {"cobalt", "nickel", "copper", "lithium", "graphite",
                                 "rare_earths", "manganese", "chromium", "molybdenum"}
