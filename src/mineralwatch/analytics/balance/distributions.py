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

Correlated inputs (a one-factor Gaussian copula). Any distribution may name a common
factor and its loading ``rho`` (``0 <= rho <= 1``, default 0.5)::

    {dist: normal, mean: 96600, sd: 5000, factor: drc, rho: 0.8}

Each factor is one standard normal vector ``Z_f`` per Monte Carlo run (drawn on first
use and shared by every input naming it). An input on factor ``f`` takes the latent
normal ``z = sqrt(rho) * Z_f + sqrt(1 - rho) * eps`` (``eps`` its own standard normal
draws) and the value ``ppf(Phi(z))``: its marginal distribution is unchanged, and the
latent normals of two inputs on the same factor have correlation ``sqrt(rho1 * rho2)``
(``rho`` when the loadings are equal); inputs on different factors, or without one, are
independent. Inputs without a factor are drawn exactly as before (same random stream).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy.special import ndtr, ndtri

#: Bounds of ``Phi(z)`` passed to :meth:`_Dist.ppf` (finite values for normal tails).
_U_MIN, _U_MAX = float(np.finfo(float).tiny), float(np.nextafter(1.0, 0.0))


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    factor: str | None = Field(default=None, min_length=1,
                               description="name of a common factor: inputs naming the "
                               "same factor are correlated")
    rho: float = Field(default=0.5, ge=0, le=1,
                       description="loading on the factor (0..1); the latent normals of "
                       "two inputs on one factor have correlation sqrt(rho1 * rho2)")

    @model_validator(mode="after")
    def _rho_needs_factor(self) -> _Dist:
        if "rho" in self.model_fields_set and self.factor is None:
            raise ValueError(f"rho ({self.rho}) applies to a common factor only: give "
                             "factor (a name shared by the inputs that move together) "
                             "or drop rho")
        return self

    def mean(self) -> float:  # pragma: no cover - overridden
        """Expected value (the value of the deterministic run)."""
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:  # pragma: no cover
        """``n`` draws as a float array."""
        raise NotImplementedError

    def ppf(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover - overridden
        """Inverse CDF (quantile function) at probabilities ``u`` in ``[0, 1]``."""
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

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        if self.sd == 0:
            return np.full(u.shape, self.mean_)
        return self.mean_ + self.sd * ndtri(u)


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

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        if self.sigma == 0:
            return np.full(u.shape, self.median)
        return self.median * np.exp(self.sigma * ndtri(u))


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

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        lo, mo, hi = self.low, self.mode, self.high
        if lo == hi:
            return np.full(u.shape, lo)
        width = hi - lo
        left = lo + np.sqrt(u * width * (mo - lo))
        right = hi - np.sqrt((1.0 - u) * width * (hi - mo))
        return np.where(u < (mo - lo) / width, left, right)


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

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        return self.low + u * (self.high - self.low)


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

    A distribution with a ``factor`` is drawn through a one-factor Gaussian copula: the
    factor's standard normal draws are made once per sampler (from its generator, when
    the factor is first used) and shared by every input naming it; see the module
    docstring. Distributions without a factor are drawn with their own ``sample``.
    """

    def __init__(self, draws: int = 0, seed: int | None = 0) -> None:
        if draws < 0:
            raise ValueError("draws must be >= 0")
        self.draws = draws
        self.rng = np.random.default_rng(seed)
        self._factors: dict[str, np.ndarray] = {}

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
        if value.factor is not None:
            return self.correlated(value)
        return np.asarray(value.sample(self.rng, self.draws), dtype=float)

    def factor(self, name: str) -> np.ndarray:
        """The standard normal draws of common factor ``name`` (made on first use)."""
        z = self._factors.get(name)
        if z is None:
            z = self._factors[name] = self.rng.standard_normal(self.draws)
        return z

    def latent(self, value: _Dist) -> np.ndarray:
        """Standard normal draws ``sqrt(rho) * Z_f + sqrt(1 - rho) * eps`` of an input on
        a factor (``eps`` fresh draws for this input)."""
        if value.factor is None:
            raise ValueError("latent draws need a distribution with a factor")
        z_f = self.factor(value.factor)
        eps = self.rng.standard_normal(self.draws)
        return math.sqrt(value.rho) * z_f + math.sqrt(1.0 - value.rho) * eps

    def correlated(self, value: _Dist) -> np.ndarray:
        """Draws of a distribution on a factor: ``value.ppf(Phi(latent))``."""
        u = np.clip(ndtr(self.latent(value)), _U_MIN, _U_MAX)
        return np.asarray(value.ppf(u), dtype=float)


def is_uncertain(value: object) -> bool:
    """True when ``value`` is a distribution rather than a plain number."""
    return isinstance(value, _Dist)


__all__ = ["DISTRIBUTIONS", "Distribution", "LogNormal", "Normal", "Number", "Sampler",
           "Triangular", "Uniform", "is_uncertain"]
