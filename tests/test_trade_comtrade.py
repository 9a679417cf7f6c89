"""UN Comtrade loader: small files written here in the bulk "final data" layout (columns as
in comtradeapicall.bulkDownloadFinalFile output; flows X, M, RX, RM; partner World W00/0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mineralwatch.errors import SchemaError, UnknownCodeError
from mineralwatch.schema import TRADE_KEY, check_frame
from mineralwatch.sources._trade import TRADE_COLUMNS
from mineralwatch.sources.comtrade import read_comtrade
from mineralwatch.store.ingest import ingest_file

HEADER = ("typeCode,freqCode,refPeriodId,refYear,refMonth,period,reporterCode,reporterISO,"
          "reporterDesc,flowCode,partnerCode,partnerISO,partnerDesc,partner2Code,"
          "classificationCode,cmdCode,customsCode,mosCode,motCode,qtyUnitAbbr,qty,netWgt,"
          "primaryValue")
ANNUAL = [
    # US imports of antimony oxides (kg): Thailand, Mexico
    "C,A,20230101,2023,52,2023,842,USA,USA,M,764,THA,Thailand,0,H5,282580,C00,0,0,kg,"
    "1500000,1500000,9000000",
    # partner World: the total of the rows, dropped
    "C,A,20230101,2023,52,2023,842,USA,USA,M,0,W00,World,0,H5,282580,C00,0,0,kg,"
    "2000000,2000000,12000000",
    # re-import: dropped
    "C,A,20230101,2023,52,2023,842,USA,USA,RM,764,THA,Thailand,0,H5,282580,C00,0,0,kg,1,1,1",
    # net weight missing: falls back to qty in kg
    "C,A,20230101,2023,52,2023,842,USA,USA,M,484,MEX,Mexico,0,H5,282580,C00,0,0,kg,"
    "500000,,3000000",
    # breakdown by mode of transport (2100 = air): dropped, the total row above counts
    "C,A,20230101,2023,52,2023,842,USA,USA,M,484,MEX,Mexico,0,H5,282580,C00,0,2100,kg,"
    "500000,500000,3000000",
    # a heading, not HS6: dropped
    "C,A,20230101,2023,52,2023,842,USA,USA,M,484,MEX,Mexico,0,H5,2825,C00,0,0,kg,"
    "500000,500000,3000000",
    # China's exports: net weight 0 with a value means not reported; qty in kg instead
    "C,A,20230101,2023,52,2023,156,CHN,China,X,842,USA,USA,0,H5,282580,C00,0,0,kg,100,0,500",
    # two residual partners that both mean XOT: summed
    'C,A,20230101,2023,52,2023,156,CHN,China,X,899,_X,"Areas, nes",0,H5,282580,C00,0,0,kg,'
    "100,100,500",
    "C,A,20230101,2023,52,2023,156,CHN,China,X,839,X2,Special Categories,0,H5,282580,C00,0,0,"
    "kg,100,100,700",
    # re-export: dropped
    "C,A,20230101,2023,52,2023,156,CHN,China,RX,842,USA,USA,0,H5,282580,C00,0,0,kg,1,1,1",
    # quantity in another unit and no net weight: value kept, quantity null
    "C,A,20230101,2023,52,2023,156,CHN,China,X,392,JPN,Japan,0,H5,810520,C00,0,0,u,7,,900",
]


def write(path: Path, rows: list[str], header: str = HEADER, sep: str = ",") -> Path:
    lines = [header, *rows]
    path.write_text("\n".join(line.replace(",", sep) if sep != "," else line
                              for line in lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def annual(tmp_path: Path):  # type: ignore[no-untyped-def]
    return read_comtrade(write(tmp_path / "comtrade_annual.csv", ANNUAL))


def row(df, exporter: str, importer: str, hs6: str = "282580"):  # type: ignore[no-untyped-def]
    hit = df[(df.exporter == exporter) & (df.importer == importer) & (df.hs6 == hs6)]
    assert len(hit) == 1, hit
    return hit.iloc[0]


def test_columns_and_schema(annual) -> None:  # type: ignore[no-untyped-def]
    assert list(annual.columns) == [*TRADE_COLUMNS, "_line"]
    check_frame(annual.assign(source_id="t"), "trade")
    assert not annual.duplicated(list(TRADE_KEY)).any()


def test_imports_are_partner_to_reporter(annual) -> None:  # type: ignore[no-untyped-def]
    r = row(annual, "THA", "USA")
    assert (r.period, r.reporter_side, r.hs_revision) == ("2023", "import", "HS2017")
    assert r.value_usd == pytest.approx(9_000_000)
    assert (r.quantity, r.quantity_unit) == (pytest.approx(1500.0), "t")  # kg -> t
    assert r._line == 2


def test_exports_are_reporter_to_partner(annual) -> None:  # type: ignore[no-untyped-def]
    r = row(annual, "CHN", "USA")
    assert r.reporter_side == "export"
    assert r.quantity == pytest.approx(0.1)  # netWgt 0 = not reported; qty 100 kg


def test_dropped_rows(annual) -> None:  # type: ignore[no-untyped-def]
    assert "WLD" not in set(annual.importer) | set(annual.exporter)
    assert set(annual.hs6) == {"282580", "810520"}
    assert len(annual) == 5  # THA, MEX imports; CHN->USA, CHN->XOT, CHN->JPN exports
    assert annual.value_usd.sum() == pytest.approx(9e6 + 3e6 + 500 + 1200 + 900)


def test_missing_net_weight_falls_back_to_kg_quantity(annual) -> None:  # type: ignore[no-untyped-def]
    assert row(annual, "MEX", "USA").quantity == pytest.approx(500.0)
    other_unit = row(annual, "CHN", "JPN", "810520")
    assert other_unit.quantity != other_unit.quantity  # NaN: units are not kg
    assert other_unit.quantity_unit is None or other_unit.quantity_unit != other_unit.quantity_unit


def test_residual_partners_summed(annual) -> None:  # type: ignore[no-untyped-def]
    r = row(annual, "CHN", "XOT")
    assert r.value_usd == pytest.approx(1200)
    assert r.quantity == pytest.approx(0.2)


def test_monthly_tab_separated(tmp_path: Path) -> None:
    rows = ["C,M,20230301,2023,3,202303,842,USA,USA,M,764,THA,Thailand,0,H5,282580,C00,0,0,kg,"
            "1000,1000,6000"]
    df = read_comtrade(write(tmp_path / "monthly.tsv", rows, sep="\t"))
    assert df.period.tolist() == ["2023-03"]
    assert df.quantity.tolist() == pytest.approx([1.0])


def test_monthly_without_period_column(tmp_path: Path) -> None:
    header = "freqCode,refYear,refMonth,reporterISO,flowCode,partnerISO,cmdCode,netWgt,primaryValue"
    rows = ["M,2024,12,USA,M,MEX,282580,2500,10", "A,2024,52,USA,M,THA,282580,1000,5"]
    df = read_comtrade(write(tmp_path / "comtrade_H6.csv", rows, header))
    assert sorted(df.period) == ["2024", "2024-12"]
    assert set(df.hs_revision) == {"HS2022"}  # from the file name


def test_unknown_partner_named_with_line(tmp_path: Path) -> None:
    rows = [*ANNUAL, "C,A,20230101,2023,52,2023,842,USA,USA,M,999,ZZZ,Narnia,0,H5,282580,C00,"
            "0,0,kg,1,1,1"]
    with pytest.raises(UnknownCodeError) as err:
        read_comtrade(write(tmp_path / "c.csv", rows))
    (fail,) = err.value.failures
    assert fail.line == len(rows) + 1
    assert "Narnia" in str(fail.value) and fail.column == "partnerISO"
    assert "c.csv" in str(err.value)


def test_missing_columns(tmp_path: Path) -> None:
    with pytest.raises(SchemaError) as err:
        read_comtrade(write(tmp_path / "c.csv", ["2023,USA"], "refYear,reporterISO"))
    text = str(err.value)
    assert "flowCode" in text and "cmdCode" in text and "partnerISO" in text


def test_hs_revision_needed_without_classification(tmp_path: Path) -> None:
    header = "refYear,reporterISO,flowCode,partnerISO,cmdCode,netWgt,primaryValue"
    path = write(tmp_path / "trade.csv", ["2023,USA,M,MEX,282580,1,1"], header)
    with pytest.raises(SchemaError, match="HS revision"):
        read_comtrade(path)
    assert read_comtrade(path, hs_revision="HS2017").hs_revision.tolist() == ["HS2017"]


def test_ingest_through_the_registry(tmp_path: Path, wh) -> None:  # type: ignore[no-untyped-def]
    res = ingest_file(wh, "comtrade", write(tmp_path / "c.csv", ANNUAL))
    assert res.rows == {"trade": 5}
