"""Shared helpers for reading the reference tables shipped in ``codes/data``."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from importlib import resources
from typing import Any

import yaml

from mineralwatch.errors import Failure, UnknownCodeError

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


def resolve_many(
    names: Iterable[object],
    lookup: Callable[[object], str | None],
    *,
    what: str,
    hint: str,
    file: str | None = None,
    lines: Sequence[int | None] | None = None,
    column: str | None = None,
) -> list[str]:
    """Resolve many names with ``lookup``; one :class:`UnknownCodeError` lists every miss.

    Parameters
    ----------
    names
        The names to resolve (each distinct name is looked up once).
    lookup
        Name -> code, or ``None`` when unknown.
    what
        What a name stands for (``"country"``, ``"mineral"``), used in the messages.
    hint
        How to fix an unknown name.
    file, lines, column
        Where the names come from (``lines[i]`` is the line of ``names[i]``).

    Returns
    -------
    list of str
        The codes, in the order of ``names``.

    Raises
    ------
    UnknownCodeError
        naming every unknown value with its file, line and column.
    """
    names = list(names)
    seen: dict[object, str | None] = {}
    out: list[str] = []
    failures: list[Failure] = []
    for i, n in enumerate(names):
        try:
            hit = seen[n] if n in seen else seen.setdefault(n, lookup(n))
        except TypeError:  # an unhashable value: look it up every time
            hit = lookup(n)
        if hit is None:
            failures.append(Failure(f"unknown {what}", file=file,
                                    line=lines[i] if lines is not None else None,
                                    column=column, value=n))
            out.append("")
        else:
            out.append(hit)
    if failures:
        distinct = sorted({str(f.value) for f in failures})
        raise UnknownCodeError(
            f"{len(distinct)} unknown {what} name(s)" + (f" in {file}" if file else "")
            + f": {', '.join(repr(d) for d in distinct[:10])}",
            failures, file=file, hint=hint)
    return out


def parse_yaml(text: str) -> Any:
    """Parse YAML text with the safe loader (libyaml's when available).

    Raises :class:`yaml.YAMLError` (with ``problem_mark``) on malformed text.
    """
    return yaml.load(text, Loader=SAFE_LOADER)  # a safe loader


def yaml_node_lines(text: str) -> dict[tuple[str | int, ...], int]:
    """The 1-based line of every node of a YAML document, keyed by its path.

    A path is a tuple of mapping keys (``str``) and list indices (``int``); a mapping
    key's path maps to the key's line. Malformed YAML gives an empty dict (the parser
    reports the error).
    """
    out: dict[tuple[str | int, ...], int] = {}
    try:
        root = yaml.compose(text, Loader=SAFE_LOADER)
    except yaml.YAMLError:
        return out

    def walk(node: yaml.Node | None, path: tuple[str | int, ...]) -> None:
        if node is None:
            return
        out.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = (*path, str(k.value))
                out[key] = k.start_mark.line + 1
                walk(v, key)
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                walk(v, (*path, i))

    walk(root, ())
    return out


@cache
def read_yaml(name: str) -> Any:
    """Read a YAML file from ``codes/data``."""
    text = resources.files("mineralwatch.codes").joinpath("data").joinpath(name).read_text("utf-8")
    return parse_yaml(text)
