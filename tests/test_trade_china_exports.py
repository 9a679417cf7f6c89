"""China's graphite exports by partner and month (../shared/data/trade/china_exports_comtrade),
checked against the raw CSV read independently with the csv module."""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest

from conftest import DATA
from mineralwatch.codes import countries
from mineralwatch.errors import InputError
from mineralwatch.schema import TRADE_KEY, check_frame
from mineralwatch.sources.china_exports import read_china_exports
from mineralwatch.store.ingest import ingest_file

FOLDER = DATA / "trade" / "china_exports_comtrade"
DEEP_DIVE = FOLDER / "deep_dive_hs6_monthly.csv"

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def raw() -> list[dict[str, str]]:
    with DEEP_DIVE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def df():  # type: ignore[no-untyped-def]
    return read_china_exports(FOLDER)


def test_one_row_per_raw_row(df, raw) -> None:  # type: ignore[no-untyped-def]
    assert len(df) == len(raw)
    check_frame(df.assign(source_id="t"), "trade")
    assert not df.duplicated(list(TRADE_KEY)).any()


def test_sums_match_the_raw_file(df, raw) -> None:  # type: ignore[no-untyped-def]
    value: dict[str, float] = defaultdict(float)
    kg: dict[str, float] = defaultdict(float)
    for r in raw:
        value[r["hs6"]] += float(r["val"])
        kg[r["hs6"]] += float(r["qty"])
    by_hs = df.groupby("hs6")[["value_usd", "quantity"]].sum()
    assert set(by_hs.index) == {"250410", "380110"}
    for hs6 in by_hs.index:
        assert by_hs.loc[hs6, "value_usd"] == pytest.approx(value[hs6], rel=1e-12)
        assert by_hs.loc[hs6, "quantity"] == pytest.approx(kg[hs6] / 1000, rel=1e-12)


def test_one_partner_month_matches(df, raw) -> None:  # type: ignore[no-untyped-def]
    first = raw[0]  # 2017-01-01, Australia, 250410
    row = df[(df.period == first["period_dt"][:7]) & (df.hs6 == first["hs6"])
             & (df.importer == countries.to_iso3(first["partner_name"]))].iloc[0]
    assert row.value_usd == pytest.approx(float(first["val"]))
    assert row.quantity == pytest.approx(float(first["qty"]) / 1000)
    assert row._line == 2


def test_fields(df) -> None:  # type: ignore[no-untyped-def]
    assert set(df.exporter) == {"CHN"}
    assert set(df.reporter_side) == {"export"}
    assert set(df.quantity_unit) == {"t"}
    assert df.period.str.fullmatch(r"\d{4}-\d{2}").all()
    assert df.importer.map(lambda c: c in countries.table()).all()
    # China reported in HS 2017 until 2021 and in HS 2022 from 2022
    assert set(df[df.period < "2022-01"].hs_revision) == {"HS2017"}
    assert set(df[df.period >= "2022-01"].hs_revision) == {"HS2022"}


def test_the_file_itself_reads_the_same(df) -> None:  # type: ignore[no-untyped-def]
    assert read_china_exports(DEEP_DIVE).equals(df)


def test_product_group_file_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match="product group"):
        read_china_exports(FOLDER / "country_monthly_stats.csv")


def test_unknown_partner_named(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "deep_dive_hs6_monthly.csv"
    bad.write_text("period_dt,partner_name,hs6,val,qty,uv\n2017-01-01,Narnia,250410,1,1,1\n")
    with pytest.raises(InputError) as err:
        read_china_exports(bad)
    assert err.value.failures[0].line == 2
    assert err.value.failures[0].value == "Narnia"


def test_ingest(wh) -> None:  # type: ignore[no-untyped-def]
    res = ingest_file(wh, "china-exports", DEEP_DIVE)
    assert res.rows["trade"] > 5000
