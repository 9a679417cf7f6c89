"""Build the starter dataset shipped inside the package (``mineralwatch/data/starter``).

Usage::

    python scripts/build_starter.py [--shared ../shared]

Each entry below names a registered loader KIND and a raw public file under
``../shared/data``. The loader parses it into canonical frames (our schema), optional
filters keep the starter compact, and the frames are written as Parquet together with
``manifest.json``: for each starter source its id, the raw file's name, SHA-256 and
publisher/licence, and the loader version. ``mineralwatch init`` ingests these files; the
raw files themselves are never copied into the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mineralwatch.sources import get_loader  # noqa: E402
from mineralwatch.store import file_checksum  # noqa: E402

OUT = ROOT / "src/mineralwatch/data/starter"

Filter = Callable[[str, pd.DataFrame], pd.DataFrame]


def _recent_governance(table: str, df: pd.DataFrame) -> pd.DataFrame:
    """Keep WGI 2012 onwards: enough for the EU 2023 method and trends, and compact."""
    return df[df["year"] >= 2012] if table == "governance" else df


@dataclass(frozen=True)
class Entry:
    """One starter source: a loader kind applied to one raw file."""

    id: str
    kind: str
    path: str  # relative to shared/data
    description: str
    filter: Filter | None = None
    options: dict[str, object] = field(default_factory=dict)


ENTRIES = [
    Entry("usgs-mcs-2025", "usgs-mcs", "usgs_mcs2025/MCS2025_World_Data.csv",
          "World mine and refinery production, capacity and reserves, 2023-2024 (USGS MCS 2025)"),
    Entry("eu-crm-2023-shares", "eu-crm-shares", "eu_crm2023",
          "Global and EU supply shares by stage with the trade parameter t (EU CRM 2023)"),
    Entry("eu-crm-2023-end-use", "eu-crm-end-use", "eu_crm2023/fact_MaterialUseShares.csv",
          "End-use shares and sector value added (EU CRM 2023)"),
    Entry("wgi-2023", "wgi", "governance/wgidataset.csv",
          "World Bank Worldwide Governance Indicators, 2012-2023", _recent_governance),
    Entry("us-import-shares", "us-import-shares", "misc/import_shares_cache.json",
          "US import shares by source country, 2020-2023 (US Census via USGS)"),
    Entry("usgs-salient-2025", "usgs-salient", "usgs_mcs2025/Salient_Commodity.zip",
          "US salient statistics and net import reliance 2020-2024 (USGS MCS 2025)"),
    Entry("usgs-end-use-2025", "usgs-end-use", "usgs_mcs2025/Industry_Trends.zip",
          "Primary applications of US critical minerals as end-use splits (USGS MCS 2025 T4)"),
    Entry("iea-end-use-2024", "iea-end-use", "iea/iea_critical_minerals_explorer.json",
          "Demand by sector 2024 as end-use splits (IEA Critical Minerals Data Explorer)"),
]


def build(shared: Path) -> dict[str, object]:
    data = shared / "data"
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.parquet"):
        old.unlink()
    manifest: dict[str, object] = {"sources": []}
    for e in ENTRIES:
        try:
            loader = get_loader(e.kind)
        except Exception as exc:  # a loader not written yet: say so, keep going
            print(f"skip {e.id}: {exc}".splitlines()[0])
            continue
        raw = data / e.path
        frames = loader.read(raw, **e.options)
        files = {}
        for table, df in frames.items():
            if e.filter is not None:
                df = e.filter(table, df)
            df = df.drop(columns=[c for c in ("_line", "source_id") if c in df.columns])
            name = f"{e.id}.{table}.parquet"
            df.to_parquet(OUT / name, index=False, compression="zstd")
            files[table] = name
            print(f"{e.id}: {table} {len(df):,} rows")
        checksum = (file_checksum(raw) if raw.is_file() else
                    "+".join(file_checksum(p)[:16] for p in sorted(raw.iterdir()) if p.is_file()))
        manifest["sources"].append({  # type: ignore[union-attr]
            "id": f"starter:{e.id}", "kind": e.kind, "description": e.description,
            "raw_file": f"shared/data/{e.path}", "raw_checksum": checksum,
            "publisher": loader.publisher, "licence": loader.licence, "url": loader.url,
            "loader_version": loader.version, "files": files,
        })
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    return manifest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = ap.parse_args()
    m = build(args.shared)
    print(f"wrote {len(m['sources'])} starter sources to {OUT}")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
