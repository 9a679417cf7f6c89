"""Scenario files: read YAML, validate it, and explain every failure readably.

:func:`read_scenario` parses and validates a local file; :func:`load_scenario` also
resolves ``event:`` references against the warehouse's ``policy_event`` table. Pydantic's
errors are rewritten as one :class:`~mineralwatch.errors.ConfigError` whose failures name
the file, the line, the field path (``policies[1].share``), the value and what is allowed.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from mineralwatch.analytics.balance.distributions import DISTRIBUTIONS
from mineralwatch.analytics.balance.scenario import Scenario, allowed_fields
from mineralwatch.codes._table import parse_yaml, yaml_node_lines
from mineralwatch.errors import ConfigError, Failure

if TYPE_CHECKING:
    from mineralwatch.store import Warehouse

_TAGS = ("number", "distribution")
_MAX_VALUE = 80


def field_path(loc: tuple[Any, ...]) -> str:
    """``('policies', 1, 'share')`` -> ``'policies[1].share'`` (union tags dropped)."""
    out = ""
    for part in _clean_loc(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """``loc`` without pydantic's union tags (``number``, ``distribution`` and its kind)."""
    out: list[Any] = []
    skip_next = False
    for part in loc:
        if skip_next:
            skip_next = False
            if part in DISTRIBUTIONS:
                continue
        if part in _TAGS:
            skip_next = part == "distribution"
            continue
        out.append(part)
    return tuple(out)


def yaml_lines(text: str) -> dict[tuple[str, ...], int]:
    """Line number (1-based) of every node of a YAML document, keyed by its path (list
    indices as text, matching pydantic's locations once stringified)."""
    return {tuple(str(p) for p in path): line
            for path, line in yaml_node_lines(text).items()}


def _line(lines: Mapping[tuple[str, ...], int], loc: tuple[Any, ...]) -> int | None:
    path = tuple(str(p) for p in loc)
    for n in range(len(path), -1, -1):
        if path[:n] in lines:
            return lines[path[:n]]
    return None


def _short(v: Any) -> Any:
    text = repr(v)
    return v if len(text) <= _MAX_VALUE else text[:_MAX_VALUE] + "..."


def failures_from(exc: ValidationError, *, file: str | None,
                  lines: Mapping[tuple[str, ...], int] | None = None) -> list[Failure]:
    """One :class:`Failure` per pydantic error, with field path, line and what is allowed."""
    out = []
    for err in exc.errors():
        loc = _clean_loc(tuple(err["loc"]))
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            allowed = allowed_fields(loc[:-1])
            msg = "unknown field" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
        elif err["type"] == "missing":
            msg = "required field is missing"
        out.append(Failure(msg, file=file, line=_line(lines or {}, loc),
                           column=field_path(loc) or None,
                           value=None if err["type"] == "missing" else _short(err["input"])))
    return out


def scenario_from_dict(data: Any, *, file: str | None = None,
                       lines: Mapping[tuple[str, ...], int] | None = None) -> Scenario:
    """Validate a parsed scenario mapping.

    Raises
    ------
    ConfigError
        listing every invalid field with its path, line, value and what is allowed.
    """
    if not isinstance(data, dict):
        raise ConfigError("A scenario must be a YAML mapping (name:, mineral:, years:, ...).",
                          [Failure("not a mapping", file=file, value=_short(data))], file=file)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        fails = failures_from(exc, file=file, lines=lines)
        raise ConfigError(
            f"{len(fails)} problem(s) in scenario" + (f" {file}" if file else ""), fails,
            file=file, hint="See docs/balance.md for the scenario schema.") from None
    out = scenario.with_file(file)
    out._lines = dict(lines or {})
    return out


def read_scenario(path: str | Path) -> Scenario:
    """Parse and validate a scenario YAML file (``event:`` references left unresolved)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"No scenario file at {p}.", [Failure("file not found", file=str(p))],
                          file=str(p), hint="Shipped examples: `mineralwatch scenario list`.")
    text = p.read_text(encoding="utf-8")
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(f"Scenario {p} is not valid YAML.",
                          [Failure(str(getattr(exc, "problem", exc)), file=str(p),
                                   line=None if mark is None else mark.line + 1)],
                          file=str(p)) from None
    return scenario_from_dict(data, file=str(p), lines=yaml_lines(text))


def load_scenario(path: str | Path | Scenario, wh: Warehouse | None = None, *,
                  years: tuple[int, int] | None = None) -> Scenario:
    """Read a scenario file (or take a :class:`Scenario`) and resolve its event references.

    Parameters
    ----------
    path
        a YAML file, the name of a shipped example (``cobalt_seed``), or a scenario.
    wh
        warehouse whose ``policy_event`` table resolves ``event:`` ids; needed only
        when the scenario references events.
    years
        ``(first, last)`` replacing the file's years *before* events are resolved, so that
        open-ended events and their suspensions cover the years asked for.
    """
    from mineralwatch.analytics.balance.events import resolve_events

    if isinstance(path, Scenario):
        scenario = path
    else:
        p = Path(path)
        if not p.exists() and str(path) in example_names():
            p = example_path(str(path))
        scenario = read_scenario(p)
    if years is not None:
        scenario = scenario.with_years(years)
    return resolve_events(scenario, wh)


def example_names() -> list[str]:
    """Names of the scenario files shipped in ``mineralwatch/data/scenarios``."""
    root = resources.files("mineralwatch") / "data" / "scenarios"
    return sorted(Path(str(f)).stem for f in root.iterdir() if str(f).endswith(".yaml"))


def example_path(name: str) -> Path:
    """Path of a shipped scenario file by name (``cobalt_seed``)."""
    return Path(str(resources.files("mineralwatch") / "data" / "scenarios" / f"{name}.yaml"))


@functools.cache
def _catalogue() -> tuple[tuple[tuple[str, str], ...], ...]:
    out = []
    for name in example_names():
        s = read_scenario(example_path(name))  # a broken shipped file is an error, not skipped
        out.append((("file", f"{name}.yaml"), ("name", s.name), ("mineral", s.mineral),
                    ("years", f"{s.years[0]}-{s.years[1]}")))
    return tuple(tuple(e) for e in out)


def catalogue() -> list[dict[str, str]]:
    """The shipped scenarios: file, name, mineral and years of each (read once per process).

    Raises
    ------
    ConfigError
        when a shipped file is not a valid scenario (it is never silently left out).
    """
    return [dict(e) for e in _catalogue()]


def shipped_path(name: str) -> Path:
    """Path of a shipped scenario given as ``cobalt_seed`` or ``cobalt_seed.yaml``.

    Raises
    ------
    NotFoundError
        naming the shipped scenarios when ``name`` is none of them.
    """
    from mineralwatch.errors import NotFoundError

    stem = name.removesuffix(".yaml")
    if stem not in example_names():
        raise NotFoundError(f"No shipped scenario {name!r}.",
                            hint=f"Known: {', '.join(example_names())}.")
    return example_path(stem)


__all__ = [
    "catalogue",
    "example_names",
    "example_path",
    "failures_from",
    "field_path",
    "load_scenario",
    "read_scenario",
    "scenario_from_dict",
    "shipped_path",
    "yaml_lines",
]
