"""World Bank Pink Sheet loader, checked against cells of the workbook read by hand.

Row numbers are worksheet rows of sheet "Monthly Prices" (row 776 is 2024M01).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from conftest import DATA
from mineralwatch import schema
from mineralwatch.sources.pink_sheet import MARKET, parse_unit, read_pink_sheet

pytestmark = pytest.mark.shared_data

PINK = DATA / "prices" / "CMO-Historical-Data-Monthly.xlsx"


@pytest.fixture(scope="module")
def prices() -> pd.DataFrame:
    return read_pink_sheet(PINK)


@pytest.mark.parametrize(
    ("product", "date", "value", "unit", "row"),
    [
        ("Copper", dt.date(2024, 1, 1), 8338.88, "USD/t", 776),        # cell BM776
        ("Aluminum", dt.date(2024, 1, 1), 2192.82, "USD/t", 776),      # cell BK776
        ("Platinum", dt.date(2024, 1, 1), 925.86, "USD/troy oz", 776),  # cell BS776
        ("Gold", dt.date(2024, 1, 1), 2034.04, "USD/troy oz", 776),
        ("Copper", dt.date(1960, 1, 1), 715.4, "USD/t", 8),            # first month
        ("Plywood", dt.date(2024, 1, 1), 3.7364999748444, "USD/sheet", 776),  # 373.65 cents
    ],
)
def test_cells(prices, product, date, value, unit, row):
    hit = prices[(prices["product"] == product) & (prices["date"] == date)]
    assert len(hit) == 1
    r = hit.iloc[0]
    assert r.value == pytest.approx(value)
    assert (r.unit, r.currency, r.market, r._line) == (unit, "USD", MARKET, row)


def test_missing_quotations_make_no_row(prices):
    # WTI has "…" in 1960M01
    wti = prices[(prices["product"] == "Crude oil, WTI") & (prices["date"] == dt.date(1960, 1, 1))]
    assert wti.empty


def test_shape(prices):
    assert prices["product"].nunique() == 71
    assert not prices.duplicated(list(schema.PRICE_KEY)).any()
    assert "Potassium chloride" in set(prices["product"])   # footnote marks removed
    assert {"cobalt", "lithium"}.isdisjoint(p.lower() for p in prices["product"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [("($/mt)", ("USD", "USD/t", 1.0)), ("(cents/sheet)", ("USD", "USD/sheet", 0.01)),
     ("(2010=100)", ("index", "2010=100", 1.0)), ("($/troy oz)", ("USD", "USD/troy oz", 1.0))],
)
def test_parse_unit(text, expected):
    assert parse_unit(text) == expected
