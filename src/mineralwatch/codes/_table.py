"""Shared helpers for reading the reference tables shipped in ``codes/data``."""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import cache
from importlib import resources
from typing import Any

import yaml

#: libyaml's safe loader when available (10x faster than the pure-Python one).
SAFE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_WS = re.compile(r"\s+")
_THE = re.compile(r"\s*\(the\)$")


def normalise_name(name: str) -> str:
    """Normalise a name for lookup: NFKC, case-folded, whitespace collapsed, "(the)" dropped.

    NFKC turns full-width brackets (``刚果（金）``) and non-breaking spaces into their
    ASCII forms, so one alias row covers both spellings.
    """
    s = unicodedata.normalize("NFKC", str(name)).replace("\u2019", "'").replace("\u2018", "'")
    s = _WS.sub(" ", s).strip().casefold()
    s = _THE.sub("", s)
    return s.strip(" .,;")


def read_tsv(name: str) -> list[dict[str, str]]:
    """Read a TSV from ``codes/data``; lines starting with ``#`` are comments."""
    text = resources.files("mineralwatch.codes").joinpath("data").joinpath(name).read_text("utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    return [
        {k: (v or "").strip() for k, v in row.items()}
        for row in csv.DictReader(lines, delimiter="\t")
    ]


@cache
def read_yaml(name: str) -> Any:
    """Read a YAML file from ``codes/data``."""
    text = resources.files("mineralwatch.codes").joinpath("data").joinpath(name).read_text("utf-8")
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 (a safe loader)
