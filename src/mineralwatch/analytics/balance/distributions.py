"""Uncertain inputs: the four distributions a scenario may use for any number.

A scenario number is either a plain float or one of these typed definitions::

    {dist: normal, mean: 96600, sd: 5000}
    {dist: lognormal, median: 250000, sigma: 0.1}      # sigma of log(x)
    {dist: triangular, low: 0.9, mode: 1.0, high: 1.05}
    {dist: uniform, low: 0.05, high: 0.09}

The deterministic ("point") run uses each distribution's mean; a Monte Carlo run draws
from it with a seeded :class:`numpy.random.Generator`. Impossible parameters (a negative
standard deviation, ``low > high``, a mode outside ``[low, high]``) fail validation with
the field named.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def mean(self) -> float:  # pragma: no cover - overridden
        """Expected value (the value of the deterministic run)."""
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:  # pragma: no cover
        """``n`` draws as a float array."""
        raise NotImplementedError


class Normal(_Dist):
    """Normal distribution; ``sd = 0`` is allowed (a fixed value)."""

    dist: Literal["normal"]
    mean_: float = Field(alias="mean")
    sd: float = Field(ge=0, description="standard deviation, >= 0")

    def mean(self) -> float:
        return self.mean_

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.normal(self.mean_, self.sd, n)


class LogNormal(_Dist):
    """Log-normal distribution given by its median and the standard deviation of log(x)."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0, description="median, > 0")
    sigma: float = Field(ge=0, description="standard deviation of log(x), >= 0")

    def mean(self) -> float:
        return self.median * math.exp(self.sigma**2 / 2)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.sigma == 0:
            return np.full(n, self.median)
        return rng.lognormal(math.log(self.median), self.sigma, n)


class Triangular(_Dist):
    """Triangular distribution on ``[low, high]`` with its peak at ``mode``."""

    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"needs low <= mode <= high, got low={self.low}, "
                             f"mode={self.mode}, high={self.high}")
        return self

    def mean(self) -> float:
        if self.low == self.high:
            return self.mode
        return (self.low + self.mode + self.high) / 3

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.low == self.high:
            return np.full(n, self.low)
        return rng.triangular(self.low, self.mode, self.high, n)


class Uniform(_Dist):
    """Uniform distribution on ``[low, high]``."""

    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.low > self.high:
            raise ValueError(f"needs low <= high, got low={self.low}, high={self.high}")
        return self

    def mean(self) -> float:
        return (self.low + self.high) / 2

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)


Distribution = Annotated[Normal | LogNormal | Triangular | Uniform, Field(discriminator="dist")]
#: A scenario number: a plain value or a distribution.
Number = float | Distribution

DISTRIBUTIONS = ("normal", "lognormal", "triangular", "uniform")


class Sampler:
    """Turns scenario numbers into arrays of draws, in a fixed order (reproducible).

    Parameters
    ----------
    draws
        number of Monte Carlo draws, or ``0`` for the deterministic run (each
        distribution replaced by its mean).
    seed
        seed of the :class:`numpy.random.Generator`.

    A plain number becomes an array of shape ``(1,)`` (it broadcasts against the draws);
    a distribution an array of shape ``(draws,)``, or ``(1,)`` holding its mean in the
    deterministic run.
    """

    def __init__(self, draws: int = 0, seed: int | None = 0) -> None:
        if draws < 0:
            raise ValueError("draws must be >= 0")
        self.draws = draws
        self.rng = np.random.default_rng(seed)

    @property
    def n(self) -> int:
        """Leading size of sampled arrays (1 in the deterministic run)."""
        return max(self.draws, 1)

    def __call__(self, value: Number | None, default: float = 0.0) -> np.ndarray:
        if value is None:
            return np.array([default], dtype=float)
        if isinstance(value, int | float):
            return np.array([float(value)])
        if self.draws == 0:
            return np.array([value.mean()])
        return np.asarray(value.sample(self.rng, self.draws), dtype=float)


def is_uncertain(value: object) -> bool:
    """True when ``value`` is a distribution rather than a plain number."""
    return isinstance(value, _Dist)


__all__ = ["DISTRIBUTIONS", "Distribution", "LogNormal", "Normal", "Number", "Sampler",
           "Triangular", "Uniform", "is_uncertain"]
