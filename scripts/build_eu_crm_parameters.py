"""Build ``src/mineralwatch/data/eu_crm2023_parameters.csv`` from the study's parameters.

Usage::

    python scripts/build_eu_crm_parameters.py [--shared ../shared]

Reads ``validation/eu_crm2023_parameters.csv`` (a third-party transcription of the EU
CRM 2023 study's per-material parameters), converts it into our schema with
:func:`mineralwatch.analytics.criticality.parameters.from_study_table` (fractions, our
stage names, a source id) and prints every garbled row it detected. Garbled values are
written as blanks with ``status = garbled`` and the ``issue``; they are never repaired by
hand.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mineralwatch.analytics.criticality.parameters import check_parameters, from_study_table
from mineralwatch.sources._io import read_table

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src/mineralwatch/data/eu_crm2023_parameters.csv"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    args = ap.parse_args()
    src = Path(args.shared) / "validation" / "eu_crm2023_parameters.csv"
    raw = read_table(src).drop(columns="_line")
    params = from_study_table(raw)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    params.to_csv(OUT, index=False, float_format="%.4g")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(params)} materials")
    for f in check_parameters(params):
        print(f"  {f}")


if __name__ == "__main__":
    main()
