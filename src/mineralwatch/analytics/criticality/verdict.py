"""Tri-state classification: critical, not critical, or undetermined with its reason.

Every output (JSON, CSV, CLI tables, report, web pages, alerts, Python API) takes the
classification from :func:`verdict` and its wording from :func:`label`, so that an
unknown score reads unknown everywhere:

* ``critical`` is ``True``, ``False`` or ``None`` (JSON ``null``) — never ``False`` for a
  material whose classification could not be decided;
* ``undetermined_reason`` says which score is missing (``"EI unknown"``, ``"SR unknown"``,
  ``"SR and EI unknown"``, ``"risk unknown"``);
* ``critical_on_sr_alone`` is ``True`` where the supply risk reaches its threshold but the
  economic importance is unknown: the material would be critical if its EI reached 2.8.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

CRITICAL = "critical"
NOT_CRITICAL = "not critical"
UNDETERMINED = "undetermined"

#: The record fields a verdict adds, in output order.
FIELDS: tuple[str, ...] = ("critical", "classification", "undetermined_reason",
                           "critical_on_sr_alone", "label")


@dataclass(frozen=True)
class Verdict:
    """The classification of one material and the words every output uses for it."""

    classification: str
    reason: str | None = None
    critical_on_sr_alone: bool = False

    @property
    def critical(self) -> bool | None:
        """``True``/``False``, or ``None`` where undetermined."""
        if self.classification == UNDETERMINED:
            return None
        return self.classification == CRITICAL

    @property
    def label(self) -> str:
        """``"critical"``, ``"not critical"`` or ``"undetermined — <reason>"``."""
        if self.classification != UNDETERMINED:
            return self.classification
        text = f"{UNDETERMINED} — {self.reason}" if self.reason else UNDETERMINED
        return text + ("; critical on supply risk alone" if self.critical_on_sr_alone else "")

    def fields(self) -> dict[str, Any]:
        """The :data:`FIELDS` of a record."""
        return {"critical": self.critical, "classification": self.classification,
                "undetermined_reason": self.reason,
                "critical_on_sr_alone": self.critical_on_sr_alone, "label": self.label}


def _nan(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def verdict(sr: float | None, ei: float | None, *, sr_threshold: float,
            ei_threshold: float) -> Verdict:
    """EU-style verdict from SR and EI (already rounded if the method rounds).

    A material below one threshold is not critical whatever the other score, so a missing
    EI does not prevent classifying a material whose SR is below its threshold (and the
    reverse). Otherwise a missing score leaves it undetermined, with the reason.
    """
    sr_na, ei_na = _nan(sr), _nan(ei)
    if (not sr_na and sr < sr_threshold) or (not ei_na and ei < ei_threshold):  # type: ignore[operator]
        return Verdict(NOT_CRITICAL)
    if sr_na and ei_na:
        return Verdict(UNDETERMINED, "SR and EI unknown")
    if sr_na:
        return Verdict(UNDETERMINED, "SR unknown")
    if ei_na:
        return Verdict(UNDETERMINED, "EI unknown", critical_on_sr_alone=True)
    return Verdict(CRITICAL)


def score_verdict(score: float | None, threshold: float, *, reason: str = "risk unknown"
                  ) -> Verdict:
    """One-score verdict (USGS method: critical where the risk reaches ``threshold``)."""
    if _nan(score):
        return Verdict(UNDETERMINED, reason)
    return Verdict(CRITICAL if score >= threshold else NOT_CRITICAL)  # type: ignore[operator]


def label(record: dict[str, Any]) -> str:
    """The label of an output record (its ``label`` field, else rebuilt from its fields)."""
    text = record.get("label")
    if isinstance(text, str) and text:
        return text
    cls = record.get("classification") or UNDETERMINED
    return Verdict(str(cls), record.get("undetermined_reason"),
                   bool(record.get("critical_on_sr_alone"))).label


__all__ = ["CRITICAL", "FIELDS", "NOT_CRITICAL", "UNDETERMINED", "Verdict", "label",
           "score_verdict", "verdict"]
