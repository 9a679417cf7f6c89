"""Bad input: every loader error names file, line and value, and a failed ingest leaves the
warehouse exactly as it was (row counts of every table and the source table compared).

The files are small and written here, in the layout of the USGS MCS 2025 world data
(``usgs-mcs``), BGS WMS (``bgs``) and the Pink Sheet (``pink-sheet``).
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from mineralwatch import schema
from mineralwatch.errors import (
    EncodingError,
    InputError,
    MineralwatchError,
    SchemaError,
    UnknownCodeError,
)
from mineralwatch.sources._io import parse_number, parse_numbers, read_table, require_columns
from mineralwatch.sources.usgs_mcs import read_usgs_mcs
from mineralwatch.store import Warehouse
from mineralwatch.store.ingest import ingest_file

HEADER = ["SOURCE", "COMMODITY", "COUNTRY", "TYPE", "UNIT_MEAS", "PROD_2023",
          "PROD_EST_ 2024", "PROD_NOTES", "CAP_2023", "CAP_EST_ 2024", "CAP_NOTES",
          "RESERVES_2024", "RESERVE_NOTES"]
COBALT = "Mine production, cobalt content, estimated"


def usgs_row(country: str = "China", commodity: str = "Cobalt", type_: str = COBALT,
             p23: str = "100", p24: str = "200", reserves: str = "1000") -> list[str]:
    """One row in the MCS 2025 layout."""
    return ["MCS2025", commodity, country, type_, "metric tons", p23, p24, "", "", "", "",
            reserves, ""]


def csv_line(fields: list[str]) -> str:
    """``fields`` as one CSV line (quoted where needed), with its newline."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(fields)
    return buf.getvalue()


def write_csv(path: Path, rows: list[list[str]], *, header: list[str] = HEADER,
              encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *rows])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def snapshot(wh: Warehouse) -> dict[str, Any]:
    """Row counts of every table and the whole source table."""
    counts = {t: wh.count(t) for t in wh.tables()}
    return {"counts": counts, "source": wh.sources().to_dict("records")}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """A warehouse holding one good USGS-layout source, so that "unchanged" means something.

    Shared by the module's tests: each failed ingest must leave it as it was, so every
    test also checks that the ones before it changed nothing.
    """
    import mineralwatch as mw

    d = tmp_path_factory.mktemp("loaded")
    wh = mw.open(d / "wh.duckdb")
    good = write_csv(d / "good.csv", [usgs_row("China"), usgs_row("Australia")])
    ingest_file(wh, "usgs-mcs", good)
    assert wh.count("production") == 4
    yield wh
    wh.close()


def rejected(wh: Warehouse, kind: str, path: Path, error: type[MineralwatchError],
             *fragments: str) -> MineralwatchError:
    """Ingest ``path``: it must raise ``error`` naming the file and ``fragments``, and leave
    the warehouse as it was."""
    before = snapshot(wh)
    with pytest.raises(error) as info:
        ingest_file(wh, kind, path)
    message = str(info.value)
    assert str(path) in message, message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert snapshot(wh) == before
    return info.value


# -- malformed files ------------------------------------------------------------------


def test_unclosed_quote(loaded, tmp_path):
    p = tmp_path / "quote.csv"
    p.write_text(csv_line(HEADER) + csv_line(usgs_row())
                 + 'MCS2025,Cobalt,"Australia,' + csv_line(usgs_row()[3:]))
    rejected(loaded, "usgs-mcs", p, InputError, "line 3", "unclosed quote")


def test_ragged_rows_are_all_listed(loaded, tmp_path):
    p = tmp_path / "ragged.csv"
    p.write_text(csv_line(HEADER) + csv_line(usgs_row())
                 + csv_line([*usgs_row("Australia"), "extra"])
                 + csv_line(usgs_row("Canada")[:5]))
    err = rejected(loaded, "usgs-mcs", p, InputError, "line 3", "line 4",
                   "14 fields where the header has 13", "5 fields")
    assert [f.line for f in err.failures] == [3, 4]


def test_empty_file(loaded, tmp_path):
    p = tmp_path / "empty.csv"
    p.write_bytes(b"")
    rejected(loaded, "usgs-mcs", p, InputError, "Empty file")


def test_header_only(loaded, tmp_path):
    p = write_csv(tmp_path / "header.csv", [])
    rejected(loaded, "usgs-mcs", p, InputError, "No data rows")


# -- columns --------------------------------------------------------------------------


def test_missing_column(loaded, tmp_path):
    header = [h for h in HEADER if h != "RESERVE_NOTES"]
    p = write_csv(tmp_path / "missing.csv", [usgs_row()[:-1]], header=header)
    err = rejected(loaded, "usgs-mcs", p, SchemaError, "'RESERVE_NOTES'", "Found columns",
                   "'RESERVES_2024'")
    assert err.failures[0].line == 1


def test_renamed_column_is_suggested(loaded, tmp_path):
    header = ["COMMODITIES" if h == "COMMODITY" else h for h in HEADER]
    p = write_csv(tmp_path / "renamed.csv", [usgs_row()], header=header)
    rejected(loaded, "usgs-mcs", p, SchemaError, "missing column 'COMMODITY'",
             "renamed to 'COMMODITIES'?")


def test_spacing_and_case_of_column_names_are_tolerated(tmp_path):
    header = [h.lower().replace("_", " ") for h in HEADER]
    p = write_csv(tmp_path / "spaced.csv", [usgs_row()], header=header)
    assert len(read_usgs_mcs(p)["production"]) == 2


# -- codes ----------------------------------------------------------------------------


def test_unknown_countries_are_named_at_once_with_lines(loaded, tmp_path):
    p = write_csv(tmp_path / "countries.csv",
                  [usgs_row("Narnia"), usgs_row("China"), usgs_row("Atlantis"),
                   usgs_row("Narnia")])
    err = rejected(loaded, "usgs-mcs", p, UnknownCodeError, "'Narnia'", "'Atlantis'",
                   "line 2", "line 4", "line 5", "country_aliases.tsv")
    assert sorted(f.line for f in err.failures) == [2, 4, 5]


def test_unknown_minerals(loaded, tmp_path):
    p = write_csv(tmp_path / "minerals.csv",
                  [usgs_row(commodity="Unobtainium"), usgs_row(commodity="Kryptonite")])
    rejected(loaded, "usgs-mcs", p, UnknownCodeError, "'Unobtainium'", "'Kryptonite'",
             "line 2", "line 3", "minerals.yaml")


def test_unknown_type(loaded, tmp_path):
    p = write_csv(tmp_path / "types.csv", [usgs_row(commodity="Copper", type_="Mystery")])
    rejected(loaded, "usgs-mcs", p, UnknownCodeError, "line 2", "Copper / Mystery",
             "usgs_mcs2025.yaml")


# -- values ---------------------------------------------------------------------------


def test_negative_quantity(loaded, tmp_path):
    p = write_csv(tmp_path / "negative.csv", [usgs_row(), usgs_row("Australia", p24="-5")])
    rejected(loaded, "usgs-mcs", p, SchemaError, "line 3", "negative value", "-5")


def test_non_numeric_quantities_are_all_listed(loaded, tmp_path):
    p = write_csv(tmp_path / "text.csv", [usgs_row(p23="lots"), usgs_row("Australia",
                                                                          reserves="1.2.3")])
    err = rejected(loaded, "usgs-mcs", p, InputError, "line 2", "'PROD_2023'", "'lots'",
                   "line 3", "'RESERVES_2024'", "'1.2.3'")
    assert len(err.failures) == 2


def test_duplicate_keys(loaded, tmp_path):
    p = write_csv(tmp_path / "dupes.csv", [usgs_row(), usgs_row("Australia"), usgs_row()])
    rejected(loaded, "usgs-mcs", p, SchemaError, "duplicate key", "line 2", "line 4", "'CHN'")


# -- encodings ------------------------------------------------------------------------


def test_latin1_file_is_decoded(wh, tmp_path):
    p = write_csv(tmp_path / "latin1.csv", [usgs_row("Côte d'Ivoire")], encoding="latin-1")
    ingest_file(wh, "usgs-mcs", p)
    assert set(wh.load("production").country) == {"CIV"}


def test_gbk_file_is_decoded(wh, tmp_path):
    p = write_csv(tmp_path / "gbk.csv", [usgs_row("中国", commodity="钴"),
                                         usgs_row("刚果（金）", commodity="钴")], encoding="gbk")
    ingest_file(wh, "usgs-mcs", p)
    prod = wh.load("production")
    assert set(prod.country) == {"CHN", "COD"} and set(prod.mineral) == {"cobalt"}


def test_undecodable_file(loaded, tmp_path):
    p = tmp_path / "binary.csv"
    good = csv_line(HEADER).encode()
    p.write_bytes(good + b"MCS2025,Cobalt,\x81\x8d\x90\x00,x\n")
    rejected(loaded, "usgs-mcs", p, EncodingError, f"offset {len(good) + 15}", "line 2")


# -- other loaders --------------------------------------------------------------------


def test_bgs_unknown_country_and_code(loaded, tmp_path):
    text = ("Country;commodity_code;commodity_desc;Sub-commodity;year;value\n"
            "Narnia;36;cobalt mine;;2020;5\n"
            "Zambia;999;vibranium mine;;2020;5\n")
    p = tmp_path / "bgs.csv.gz"
    p.write_bytes(gzip.compress(text.encode()))
    rejected(loaded, "bgs", p, UnknownCodeError, "line 3", "999 (vibranium mine)")
    p.write_bytes(gzip.compress(text.replace("999", "36").encode()))
    rejected(loaded, "bgs", p, UnknownCodeError, "line 2", "'Narnia'")


def test_bgs_bad_value(loaded, tmp_path):
    p = tmp_path / "bgs.csv"
    p.write_text("Country;commodity_code;commodity_desc;Sub-commodity;year;value\n"
                 "Zambia;36;cobalt mine;;2020;five\n")
    rejected(loaded, "bgs", p, InputError, "line 2", "'five'")


def test_pink_sheet_not_a_workbook(loaded, tmp_path):
    p = tmp_path / "prices.xlsx"
    p.write_text("not a workbook")
    rejected(loaded, "pink-sheet", p, InputError, "workbook")


def test_pink_sheet_bad_layout(loaded, tmp_path):
    p = tmp_path / "layout.xlsx"
    pd.DataFrame({"a": ["x", "y"], "b": [1, 2]}).to_excel(p, sheet_name="Monthly Prices",
                                                          index=False)
    rejected(loaded, "pink-sheet", p, SchemaError, "month")


# -- the helpers themselves -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "qualifier"),
    [("1,234", 1234.0, None), (">90000000", 9e7, ">"), ("<0.1%", 0.001, "<"),
     ("59.6%", 0.596, "%"), ("17,000,000", 1.7e7, None), ("1 234.5", 1234.5, None),
     ("-3", -3.0, None), ("W", None, "W"), ("NA", None, "NA"), ("n.a.", None, "NA"),
     ("--", None, "--"), ("…", None, "--"), ("xx", None, "XX"), ("", None, None)],
)
def test_parse_number(text, value, qualifier):
    n = parse_number(text)
    assert n.qualifier == qualifier
    assert (pd.isna(n.value) if value is None else n.value == pytest.approx(value))


def test_parse_numbers_lists_every_bad_cell():
    with pytest.raises(InputError) as info:
        parse_numbers(["1", "abc", "2", "1.2.3"], file="f.csv", lines=[2, 3, 4, 5], column="v")
    assert [(f.line, f.value) for f in info.value.failures] == [(3, "abc"), (5, "1.2.3")]
    assert "f.csv" in str(info.value)


def test_read_table_keeps_lines_across_quoted_newlines_and_blank_lines(tmp_path):
    p = tmp_path / "t.tsv"
    p.write_text('a\tb\n1\t"two\nlines"\n\n3\t4\n')
    df = read_table(p, sep="\t")
    assert df["_line"].tolist() == [2, 5]
    assert df["b"].tolist() == ["two\nlines", "4"]


def test_read_table_sniffs_the_separator_and_strips_bom(tmp_path):
    p = tmp_path / "t.csv"
    p.write_bytes("\ufeffa;b\n1;2\n".encode())
    assert read_table(p, sep=None).columns.tolist() == ["a", "b", "_line"]


def test_require_columns_renames_near_spellings():
    df = pd.DataFrame({"PROD_EST_ 2024": ["1"], "_line": [2]})
    assert "PROD_EST_2024" in require_columns(df, ["PROD_EST_2024"]).columns
    assert schema.LINE == "_line"
