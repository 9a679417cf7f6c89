"""BACI loader: small files written here in BACI's published layout (t,i,j,k,v,q plus the
release's country_codes_VXXXXXX.csv; CEPII BACI documentation, v202401)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from mineralwatch.errors import InputError, SchemaError, UnknownCodeError
from mineralwatch.schema import TRADE_KEY, check_frame
from mineralwatch.sources._trade import TRADE_COLUMNS, hs_revision_from_name
from mineralwatch.sources.baci import find_country_codes, read_baci
from mineralwatch.store.ingest import ingest_file

CODES = """country_code,country_name,country_iso2,country_iso3
4,Afghanistan,AF,AFG
156,China,CN,CHN
251,France,FR,FRA
490,"Other Asia, nes",N/A,S19
484,Mexico,MX,MEX
764,Thailand,TH,THA
842,USA,US,USA
"""

# v in thousand USD, q in tonnes; "NA" padded as some releases write it, and blank
DATA = """t,i,j,k,v,q
2022,156,842,"282580",  1234.5,    100.25
2022,764,842,"282580",  10.0,         NA
2022,484,842,282580,2.5,
2022,490,251,"010121",0.001,0.002
"""


def write(folder: Path, data: str = DATA, codes: str = CODES,
          name: str = "BACI_HS17_Y2022_V202401.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "country_codes_V202401.csv").write_text(codes, encoding="utf-8")
    path = folder / name
    path.write_text(data, encoding="utf-8")
    return path


def test_reads_baci_into_canonical_trade(tmp_path: Path) -> None:
    df = read_baci(write(tmp_path))
    assert list(df.columns) == [*TRADE_COLUMNS, "_line"]
    assert len(df) == 4
    first = df.iloc[0]
    assert (first["period"], first["hs6"], first["hs_revision"]) == ("2022", "282580", "HS2017")
    assert (first["exporter"], first["importer"], first["reporter_side"]) == (
        "CHN", "USA", "reconciled")
    assert first["value_usd"] == pytest.approx(1_234_500.0)  # v is in thousand USD
    assert first["quantity"] == pytest.approx(100.25)
    assert first["quantity_unit"] == "t"
    assert df["_line"].tolist() == [2, 3, 4, 5]


def test_missing_quantities_are_null_with_no_unit(tmp_path: Path) -> None:
    df = read_baci(write(tmp_path))
    missing = df[df["exporter"].isin(["THA", "MEX"])]
    assert missing["quantity"].isna().all()
    assert missing["quantity_unit"].isna().all()
    assert missing["value_usd"].tolist() == pytest.approx([10_000.0, 2_500.0])


def test_codes_padded_and_special_codes_resolved(tmp_path: Path) -> None:
    df = read_baci(write(tmp_path))
    row = df[df["hs6"] == "010121"].iloc[0]
    assert row["exporter"] == "TWN"  # BACI 490 "Other Asia, nes" / S19 is Taiwan
    assert row["importer"] == "FRA"


def test_frame_passes_the_schema(tmp_path: Path) -> None:
    df = read_baci(write(tmp_path))
    check_frame(df.assign(source_id="t"), "trade")
    assert not df.duplicated(list(TRADE_KEY)).any()


def test_unknown_codes_are_all_named_with_lines(tmp_path: Path) -> None:
    data = DATA + "2022,999,842,282580,1,1\n2022,999,842,811010,1,1\n2022,156,777,282580,1,1\n"
    with pytest.raises(UnknownCodeError) as err:
        read_baci(write(tmp_path, data))
    text = str(err.value)
    assert "999" in text and "777" in text
    by_value = {f.value: f for f in err.value.failures}
    assert by_value[999].line == 6 and by_value[999].column == "i"
    assert "2 row(s)" in by_value[999].message
    assert by_value[777].line == 8 and by_value[777].column == "j"
    assert all(f.file and f.file.endswith(".csv") for f in err.value.failures)


def test_bad_number_names_line_and_value(tmp_path: Path) -> None:
    with pytest.raises(SchemaError) as err:
        read_baci(write(tmp_path, DATA + "2022,156,842,282580,abc,1\n"))
    (fail,) = err.value.failures
    assert (fail.line, fail.column, fail.value) == (6, "v", "abc")


def test_missing_column(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="missing column"):
        read_baci(write(tmp_path, "t,i,j,k,v\n2022,156,842,282580,1\n"))


def test_country_code_file_found_or_passed(tmp_path: Path) -> None:
    path = write(tmp_path / "a")
    (tmp_path / "a" / "country_codes_V202301.csv").write_text("country_code\n1\n")
    assert find_country_codes(path).name == "country_codes_V202401.csv"  # same release
    other = tmp_path / "b"
    other.mkdir()
    moved = other / path.name
    moved.write_text(DATA)
    with pytest.raises(InputError, match="country-code file"):
        read_baci(moved)
    assert len(read_baci(moved, tmp_path / "a" / "country_codes_V202401.csv")) == 4


def test_parquet_gives_the_same_rows(tmp_path: Path) -> None:
    csv_df = read_baci(write(tmp_path))
    table = pa.table({"t": [2022] * 4, "i": [156, 764, 484, 490], "j": [842, 842, 842, 251],
                      "k": ["282580", "282580", "282580", "010121"],
                      "v": [1234.5, 10.0, 2.5, 0.001], "q": [100.25, None, None, 0.002]})
    pq.write_table(table, tmp_path / "BACI_HS17_Y2022_V202401.parquet")
    pq_df = read_baci(tmp_path / "BACI_HS17_Y2022_V202401.parquet")
    pd.testing.assert_frame_equal(pq_df, csv_df.drop(columns="_line"))


@pytest.mark.parametrize(("name", "revision"), [
    ("BACI_HS92_Y1995_V202401.csv", "HS1992"), ("BACI_HS96_Y2000_V202401.csv", "HS1996"),
    ("BACI_HS12_Y2020_V202401.csv", "HS2012"), ("BACI_HS22_Y2023_V202501.csv", "HS2022"),
    ("comtrade_H5_2023.csv", "HS2017"), ("trade.csv", None),
])
def test_hs_revision_from_file_name(name: str, revision: str | None) -> None:
    assert hs_revision_from_name(name) == revision


def test_hs_revision_required_when_not_in_name(tmp_path: Path) -> None:
    path = write(tmp_path, name="trade_2022.csv")
    with pytest.raises(SchemaError, match="HS revision"):
        read_baci(path)
    assert set(read_baci(path, hs_revision="HS2012")["hs_revision"]) == {"HS2012"}


def test_two_codes_for_one_country_are_summed(tmp_path: Path) -> None:
    codes = CODES + "250,France (old code),FR,FRA\n"
    data = "t,i,j,k,v,q\n2022,156,251,282580,1,2\n2022,156,250,282580,3,\n"
    df = read_baci(write(tmp_path, data, codes))
    assert len(df) == 1
    assert df["value_usd"].iloc[0] == pytest.approx(4000.0)
    assert df["quantity"].iloc[0] == pytest.approx(2.0)


def test_ingest_through_the_registry(tmp_path: Path, wh) -> None:  # type: ignore[no-untyped-def]
    res = ingest_file(wh, "baci", write(tmp_path))
    assert res.rows == {"trade": 4}
    assert wh.count("trade") == 4
    assert ingest_file(wh, "baci", write(tmp_path)).skipped


@pytest.mark.slow
def test_two_million_rows_read_fast(tmp_path: Path) -> None:
    n = 2_000_000
    rng = np.random.default_rng(0)
    codes = np.array([4, 156, 251, 484, 764, 842])
    products = np.char.zfill(rng.integers(10_000, 999_999, 5_000).astype(str), 6)
    table = pa.table({"t": np.full(n, 2022), "i": rng.choice(codes, n),
                      "j": rng.choice(codes, n), "k": rng.choice(products, n),
                      "v": rng.random(n) * 100, "q": rng.random(n)})
    write(tmp_path, "t\n")
    pacsv.write_csv(table, tmp_path / "BACI_HS17_Y2022_V202401.csv")
    start = time.perf_counter()
    df = read_baci(tmp_path / "BACI_HS17_Y2022_V202401.csv")
    assert len(df) == n
    assert time.perf_counter() - start < 20
