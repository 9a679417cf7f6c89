"""One options object for every criticality default (thresholds, WGI vintage, fallbacks)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class CriticalityOptions(BaseModel):
    """Settings of the EU and USGS assessments.

    Every default is documented in ``docs/criticality.md``; pass a modified copy
    (``CriticalityOptions(sr_threshold=1.2)``) to change one.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    sr_threshold: float = Field(
        default=1.0, ge=0, description="critical when SR >= this (EU: 1.0)")
    ei_threshold: float = Field(
        default=2.8, ge=0, description="critical when EI >= this (EU: 2.8)")
    round_before_threshold: bool = Field(
        default=True, description="compare SR and EI rounded to one decimal, as the study "
        "publishes and classifies them")
    wgi_year: int = Field(
        default=2021, description="WGI vintage: mean of the six indicators of this year "
        "(the latest available when the 2023 study was prepared; docs/criticality.md)")
    missing_wgi: Literal["mean", "worst", "error"] = Field(
        default="mean", description="score of a supplier without a WGI value: the mean "
        "score of all countries, the worst score (10), or an error")
    default_t: float = Field(
        default=1.0, gt=0, description="t for suppliers without one (user sourcing files)")
    share_tolerance: float = Field(
        default=0.05, ge=0, description="shares of one material and stage may sum to 1 +/- "
        "this before a note (below) or an error (above, user sourcing)")
    bottleneck: Literal["max", "study"] = Field(
        default="max", description="overall SR: the higher of the two stages (as the 2023 "
        "study) or the stage named in the parameter table")
    default_variant: Literal["GS+EU", "GSonly", "EUonly"] = Field(
        default="GS+EU", description="sourcing variant where the parameter table has none")
    ir_fallback: float = Field(
        default=1.0, ge=0, le=1, description="import reliance assumed for a non-EU importer "
        "without data (1: fully import-reliant, the cautious choice); stated in the output")
    unallocated_end_use: Literal["renormalise", "drop", "largest_sector"] = Field(
        default="renormalise", description="EI: end uses the study leaves unallocated "
        "('Other') are spread over the allocated ones pro rata (renormalise), left out "
        "(drop) or put in the largest sector (largest_sector, an upper bound); "
        "docs/criticality.md gives the fit of each on the published results")
    min_allocated_share: float = Field(
        default=0.5, ge=0, le=1, description="EI is not computed when less of a material's "
        "end uses than this are allocated to a sector (the study's 'Other' rows)")
    usgs_threshold: float = Field(
        default=0.40, ge=0, le=1, description="USGS method: critical where the supply-risk "
        "score (0-1) reaches this (Nassar & Fortier 2021: 0.40)")
    usgs_nir_year: int | None = Field(
        default=None, description="year of USGS net import reliance (default: the latest)")


DEFAULT_OPTIONS = CriticalityOptions()

__all__ = ["DEFAULT_OPTIONS", "CriticalityOptions"]
