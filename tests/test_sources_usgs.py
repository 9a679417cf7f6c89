"""USGS MCS 2025 world data loader, checked against rows of the file cited by line number.

Line numbers are physical lines of ../shared/data/usgs_mcs2025/MCS2025_World_Data.csv
(line 1 is the header).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import DATA
from mineralwatch import schema
from mineralwatch.codes import minerals
from mineralwatch.sources._io import read_table
from mineralwatch.sources.usgs_mcs import mapping, read_usgs_mcs
from mineralwatch.store.ingest import ingest_file

pytestmark = pytest.mark.shared_data

MCS = DATA / "usgs_mcs2025" / "MCS2025_World_Data.csv"


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return read_usgs_mcs(MCS)


def one(df: pd.DataFrame, **where: object) -> pd.Series:
    """The single row of ``df`` matching ``where``."""
    mask = pd.Series(True, index=df.index)
    for k, v in where.items():
        mask &= df[k] == v
    hit = df[mask]
    assert len(hit) == 1, f"{len(hit)} rows for {where}"
    return hit.iloc[0]


@pytest.mark.parametrize(
    ("table", "where", "quantity", "line"),
    [
        # line 268: Cobalt, Congo (Kinshasa), mine, cobalt content: 175000 / 220000 t
        ("production", dict(mineral="cobalt", country="COD", year=2024), 220_000, 268),
        ("production", dict(mineral="cobalt", country="COD", year=2023), 175_000, 268),
        # line 885: Rare earths, China: 255000 / 270000 t REO
        ("production", dict(mineral="rare_earths", country="CHN", year=2024), 270_000, 885),
        # line 897: Rare earths, World total (rounded): 376000 / 390000 t
        ("production", dict(mineral="rare_earths", country="WLD", year=2024), 390_000, 897),
        ("production", dict(mineral="rare_earths", country="WLD", year=2023), 376_000, 897),
        # line 282: Copper, Chile, mine: 5300 thousand metric tons -> t
        ("production", dict(mineral="copper", stage="mine", country="CHL", year=2024),
         5_300_000, 282),
        # line 302: Copper, China, refinery: 12000 thousand metric tons
        ("production", dict(mineral="copper", stage="refinery", country="CHN", year=2024),
         12_000_000, 302),
        # line 371: Gallium, China: 750000 kilograms -> 750 t
        ("production", dict(mineral="gallium", country="CHN", year=2024), 750, 371),
        # lines 824 and 832: PGM split into palladium and platinum (kilograms)
        ("production", dict(mineral="palladium", country="RUS", year=2024), 75, 824),
        ("production", dict(mineral="platinum", country="ZAF", year=2024), 120, 832),
        # lines 503 and 521: Iron and Steel split into pig iron and raw steel (Mt)
        ("production", dict(mineral="pig_iron", country="CHN", year=2024), 840e6, 503),
        ("production", dict(mineral="steel", country="CHN", year=2024), 990e6, 521),
        # line 1124: ilmenite China 3300 -> thousand metric tons TiO2 (unit corrected)
        ("production", dict(mineral="ilmenite", country="CHN", year=2024), 3_300_000, 1124),
        # line 268: Cobalt DRC reserves 6,000,000 t
        ("reserves", dict(mineral="cobalt", country="COD"), 6_000_000, 268),
        # line 537: Iron ore Australia reserves 58000 million metric tons of crude ore
        ("reserves", dict(mineral="iron_ore", country="AUS"), 58_000e6, 537),
        # line 713: Molybdenum China reserves 5900 thousand metric tons
        ("reserves", dict(mineral="molybdenum", country="CHN"), 5_900_000, 713),
        # line 37: Aluminum China smelter capacity 2024 44700 thousand metric tons
        ("capacity", dict(mineral="aluminium", country="CHN", year=2024), 44_700_000, 37),
        # line 203: cement clinker capacity is published in PROD_*: China 1,900,000 kt
        ("capacity", dict(mineral="cement", country="CHN", year=2024), 1_900_000_000, 203),
    ],
)
def test_figures_match_the_file(frames, table, where, quantity, line):
    row = one(frames[table], **where)
    assert row["quantity"] == pytest.approx(quantity)
    assert row["_line"] == line
    assert row["unit"] == "t"


def test_rare_earths_2024_against_the_seed_case(frames):
    """Seed case rare-earths-2024-usgs (validation/seed_cases.yaml) states world production
    394,000 t and world reserves 90,884,500 t. The file's World total row (line 897) says
    390,000 (rounded) and ">90000000": the seed's figures are the sums of the country rows
    (393,950 t and 90,884,500 t), which we reproduce here."""
    p = frames["production"]
    ree = p[(p.mineral == "rare_earths") & (p.year == 2024)]
    countries = ree[ree.country != "WLD"]
    assert countries.quantity.sum() == pytest.approx(393_950)
    assert round(countries.quantity.sum(), -3) == 394_000
    china = one(ree, country="CHN").quantity
    assert china / countries.quantity.sum() == pytest.approx(0.6854, abs=1e-4)  # seed's share
    r = frames["reserves"]
    ree_r = r[r.mineral == "rare_earths"]
    assert ree_r[ree_r.country != "WLD"].quantity.sum() == pytest.approx(90_884_500)
    world = one(ree_r, country="WLD")
    assert world.quantity == 90_000_000
    assert "'>90000000': more than" in world.note


def test_withheld_values_are_null_with_a_note(frames):
    # line 628: Lithium, United States: blank cells, PROD_NOTES "W for 23-24"
    row = one(frames["production"], mineral="lithium", country="USA", year=2024)
    assert pd.isna(row.quantity)
    assert "withheld" in row.note
    # line 52: Antimony Guatemala reserves: blank, RESERVE_NOTES "NA"
    row = one(frames["reserves"], mineral="antimony", country="GTM")
    assert pd.isna(row.quantity) and "not available" in row.note


def test_germanium_is_loaded_although_every_cell_is_blank(frames):
    ge = frames["production"][frames["production"].mineral == "germanium"]
    assert len(ge) == 16  # 8 rows (lines 401-408) x 2 years
    assert set(ge.country) == {"USA", "BEL", "CAN", "CHN", "DEU", "RUS", "XOT", "WLD"}
    assert ge.quantity.isna().all()


def test_estimated_flags(frames):
    p = frames["production"]
    assert p[p.year == 2024].estimated.all()
    # line 885 (China REE 2023) carries no estimate mark; line 634 (China lithium) does
    assert not one(p, mineral="rare_earths", country="CHN", year=2023).estimated
    assert one(p, mineral="lithium", country="CHN", year=2023).estimated


def test_non_mass_units_are_kept(frames):
    p = frames["production"]
    # line 319: Botswana industrial diamond 8 million carats
    row = one(p, mineral="industrial_diamond", country="BWA", year=2024)
    assert (row.quantity, row.unit) == (8, "million carats")
    # lines 469-470: two United States helium rows, summed as the world total does
    row = one(p, mineral="helium", country="USA", year=2023)
    assert (row.quantity, row.unit) == (64 + 18, "million cubic meters")


def test_titanium_is_the_sum_of_ilmenite_and_rutile(frames):
    p = frames["production"]
    # lines 1121-1122: Australia ilmenite 400 + rutile 200 thousand t TiO2
    assert one(p, mineral="titanium", country="AUS", year=2024).quantity == 600_000
    # line 1142: the published world total of both
    assert one(p, mineral="titanium", country="WLD", year=2024).quantity == 9_400_000


def test_magnesium_reserves_column_is_not_loaded(frames):
    assert "magnesium" not in set(frames["reserves"].mineral)


def test_no_duplicate_keys_and_valid_tables(frames):
    for table, df in frames.items():
        key = list(schema.TABLES[table].key)
        assert not df.duplicated(key).any(), table
        assert (df.quantity.dropna() >= 0).all()
        assert set(df.stage) <= set(schema.STAGES)


def test_row_counts(frames):
    assert {t: len(df) for t, df in frames.items()} == {
        "production": 2374, "capacity": 199, "reserves": 736}


def test_every_commodity_resolves_and_is_mapped():
    raw = read_table(MCS)
    commodities = sorted(set(raw["COMMODITY"]))
    assert len(commodities) == 77
    assert all(minerals.lookup(c) for c in commodities)
    spec = mapping()
    from mineralwatch.codes._table import normalise_name

    assert all(normalise_name(c) in spec for c in commodities)


def test_every_commodity_has_rows(frames):
    loaded = set().union(*(set(df.mineral) for df in frames.values()))
    raw = read_table(MCS)
    for c in set(raw["COMMODITY"]):
        cid = minerals.lookup(c)
        members = set(minerals.table()[cid].members) | {cid}
        assert members & loaded, c


# -- ingest: idempotent, replacing -----------------------------------------------------


def test_same_file_twice_adds_nothing_and_a_new_version_replaces(wh, tmp_path: Path):
    copy = tmp_path / MCS.name
    shutil.copy(MCS, copy)
    first = ingest_file(wh, "usgs-mcs", copy)
    assert first.rows == {"production": 2374, "capacity": 199, "reserves": 736}
    counts = {t: wh.count(t) for t in ("production", "capacity", "reserves", "source")}
    before = wh.sources()

    # the same file again: skipped, nothing added
    second = ingest_file(wh, "usgs-mcs", copy)
    assert second.skipped
    assert {t: wh.count(t) for t in counts} == counts
    pd.testing.assert_frame_equal(wh.sources(), before)

    # a modified copy (same name, other content) replaces that source's rows
    text = copy.read_text(encoding="utf-8-sig")
    old = "MCS2025,Cobalt,Congo (Kinshasa),\"Mine production, cobalt content, estimated\"," \
          "metric tons,175000,220000"
    assert old in text
    copy.write_text(text.replace(old, old.replace("220000", "230000")), encoding="utf-8-sig")
    third = ingest_file(wh, "usgs-mcs", copy)
    assert third.replaced and not third.skipped
    assert {t: wh.count(t) for t in counts} == counts
    after = wh.sources()
    assert after.checksum.iloc[0] != before.checksum.iloc[0]
    cod = wh.load("production", mineral="cobalt", country="COD", year=2024)
    assert cod.quantity.tolist() == [230_000]
