"""Derive ``src/mineralwatch/codes/data/countries.tsv`` from the public country-codes table.

Usage::

    python scripts/build_codes.py [--shared ../shared]

Reads ``data/reference/country-codes.csv`` (datasets/country-codes, public domain) and
writes one row per ISO 3166 country with ISO3, ISO2, M49, English and Chinese names and
UN regions. Aliases (USGS, EU, BGS, Comtrade, Chinese spellings) live in the hand-kept
``country_aliases.tsv`` beside it.
"""

from __future__ import annotations

import argparse
import csv
import re
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/mineralwatch/codes/data/countries.tsv"


#: Display names where the standard ones are long or odd in charts (CLDR says "US").
DISPLAY = {
    "USA": "United States", "GBR": "United Kingdom", "COD": "DR Congo",
    "COG": "Congo (Brazzaville)", "RUS": "Russia", "KOR": "South Korea",
    "PRK": "North Korea", "IRN": "Iran", "LAO": "Laos", "VNM": "Vietnam",
    "BOL": "Bolivia", "VEN": "Venezuela", "TZA": "Tanzania", "SYR": "Syria",
}


def _clean(name: str) -> str:
    return re.sub(r"\s*\(the\)\s*$", "", name.strip())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"))
    args = ap.parse_args()
    src = Path(args.shared) / "data/reference/country-codes.csv"
    rows = list(csv.DictReader(src.open(encoding="utf-8")))
    out = []
    for r in rows:
        iso3 = r["ISO3166-1-Alpha-3"].strip()
        if not iso3:
            continue
        name = r["CLDR display name"].strip() or r["official_name_en"].strip()
        if " - " in name:  # CLDR's "Congo - Kinshasa": use the official short name instead
            name = r["official_name_en"].strip()
        if iso3 in DISPLAY:
            name = DISPLAY[iso3]
        names_en = {
            _clean(r["UNTERM English Short"]),
            r["official_name_en"].strip(),
            _clean(r["UNTERM English Formal"]),
            r["CLDR display name"].strip(),
            r["CLDR display name"].strip() if " - " not in r["CLDR display name"] else "",
        } - {"", name}
        zh = r["UNTERM Chinese Short"].strip() or r["official_name_cn"].strip()
        names_zh = {r["official_name_cn"].strip(), r["UNTERM Chinese Formal"].strip()} - {"", zh}
        out.append(
            [
                iso3,
                r["ISO3166-1-Alpha-2"].strip(),
                r["M49"].strip(),
                name,
                zh,
                r["Region Name"].strip(),
                r["Sub-region Name"].strip(),
                "|".join(sorted(names_en)),
                "|".join(sorted(names_zh)),
            ]
        )
    out.sort()
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        fh.write("# Derived from datasets/country-codes (public domain) "
                 "by scripts/build_codes.py.\n")
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(["iso3", "iso2", "m49", "name_en", "name_zh", "region", "subregion",
                    "other_en", "other_zh"])
        w.writerows(out)
    print(f"wrote {len(out)} countries to {OUT}")


if __name__ == "__main__":
    main()
