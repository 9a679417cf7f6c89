"""Export-shock propagation through a mineral's trade network: pure maths (numpy, scipy.sparse).

A :class:`TradeSystem` holds, for ``n`` countries, the bilateral flow matrix ``F`` (tonnes
of contained metal, row = exporter, column = importer), production ``P``, apparent
consumption ``C`` and stocks ``S``. A :class:`Shock` removes supply: exporter ``X`` cuts
its exports by a fraction ``q`` (to everyone or to named targets), or ``X`` loses a
fraction ``q`` of its production.

Both models share one fixed-point iteration over the cumulative supply loss ``R`` that
has reached each country::

    R(0)   = d0                          direct loss (cut flows, or lost production)
    R(k+1) = d0 + A' e(R(k))             A = diag(1/E) F: export shares of each exporter

where ``e(R)`` is the part of its loss a country passes on as export cuts (split over its
customers in proportion to its flows, the *proportional allocation* of Marchand et al.
2016). Every country absorbs its loss ``R`` in a fixed order: stocks first (``drawn =
min(R, S)``), then the remainder ``r = R - drawn`` is split between export cuts ``e`` and
consumption loss ``c = r - e`` by the model's rule:

``proportional`` — trade reallocation with reserve drawdown (Marchand, Carr, Dell'Angelo
    et al. 2016, *Reserves and trade jointly determine exposure to food supply shocks*,
    Environ. Res. Lett. 11 095009; Heslin, Puma, Marchand et al. 2020, *Simulating the
    cascading effects of an extreme agricultural production shock*, Front. Sustain. Food
    Syst. 4:26). The remainder is split in proportion to baseline exports and
    consumption, ``e = clip(beta r, r - C, E)`` with ``beta = E / (E + C)``.
``threshold`` — threshold cascade (Lee, Goh, Kahng & Kim 2011, *Impact of the topology
    of global macroeconomic network on the spreading of economic crises*, PLoS ONE 6(3)
    e18443). A country whose uncovered loss exceeds ``theta`` of its consumption *fails*
    and protects its own supply by cutting exports, ``e = min(r, E)``; a country below the
    threshold absorbs everything itself (``e = 0``).

Both rules make ``e`` non-decreasing in ``R``, so the iteration increases monotonically to
the least fixed point: a larger shock never lowers anyone's supply loss or stock draw.
Iteration stops when the loss passed on in a round is below ``tol`` times the shock;
the last, unpassed amount is booked as consumption loss so that the balances below hold
to rounding:

* every country: ``loss = stock drawn + consumption loss + exports cut``;
* the world: ``shock = sum(stock drawn) + sum(consumption loss)``.

:func:`check_conservation` checks both (``strict`` raises :class:`ConsistencyError`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import scipy.sparse as sp

from mineralwatch.errors import ConsistencyError, Failure, InputError, NotFoundError

log = logging.getLogger(__name__)

Model = Literal["proportional", "threshold"]
MODELS: tuple[str, ...] = ("proportional", "threshold")

#: Default stocks when none are given: this many days of consumption.
DEFAULT_STOCK_DAYS = 30.0
#: Default failure threshold of the threshold cascade: uncovered loss / consumption.
DEFAULT_THRESHOLD = 0.10
#: Convergence: stop when the loss passed on in one round is below ``tol`` x shock.
DEFAULT_TOL = 1e-9
DEFAULT_MAX_ROUNDS = 1000


# -- inputs -------------------------------------------------------------------------------
def apparent_consumption(production: np.ndarray, flows: sp.spmatrix) -> np.ndarray:
    """Apparent consumption ``P + imports - exports``, clipped at zero.

    Stock changes are unknown in trade data, so a negative value (a country re-exporting
    more than it produced and imported, e.g. from stocks) is set to zero.
    """
    f = sp.csr_matrix(flows)
    imports = np.asarray(f.sum(axis=0)).ravel()
    exports = np.asarray(f.sum(axis=1)).ravel()
    return np.clip(np.asarray(production, float) + imports - exports, 0.0, None)


def default_stocks(consumption: np.ndarray, days: float = DEFAULT_STOCK_DAYS) -> np.ndarray:
    """Stocks of ``days`` days of consumption (``C * days / 365``)."""
    return np.asarray(consumption, float) * (days / 365.0)


@dataclass(frozen=True)
class TradeSystem:
    """A mineral's trade network for one year, in tonnes of contained metal.

    Attributes
    ----------
    countries
        ISO3 codes, the order of every vector and of both matrix axes.
    flows
        ``n x n`` sparse matrix, ``flows[i, j]`` = tonnes exported by ``i`` to ``j``.
    production, consumption, stocks
        length-``n`` vectors in tonnes.
    mineral, year
        labels.
    notes
        how the inputs were built (excluded HS codes, defaults used, ...).
    """

    countries: tuple[str, ...]
    flows: sp.csr_matrix
    production: np.ndarray
    consumption: np.ndarray
    stocks: np.ndarray
    mineral: str = ""
    year: int | None = None
    notes: tuple[str, ...] = field(default=())

    @classmethod
    def build(cls, countries: Sequence[str], flows: sp.spmatrix | np.ndarray,
              production: np.ndarray | None = None, *,
              consumption: np.ndarray | None = None, stocks: np.ndarray | None = None,
              stock_days: float = DEFAULT_STOCK_DAYS, mineral: str = "",
              year: int | None = None, notes: Sequence[str] = ()) -> TradeSystem:
        """A system with apparent consumption and default stocks filled in where not given.

        Raises
        ------
        InputError
            when shapes disagree or values are negative or not finite.
        """
        n = len(countries)
        f = sp.csr_matrix(flows, dtype=float)
        f.setdiag(0.0)
        f.eliminate_zeros()
        p = np.zeros(n) if production is None else np.asarray(production, float)
        c = apparent_consumption(p, f) if consumption is None else np.asarray(consumption, float)
        s = default_stocks(c, stock_days) if stocks is None else np.asarray(stocks, float)
        failures = []
        if f.shape != (n, n):
            failures.append(Failure(f"flow matrix is {f.shape}, expected {(n, n)}",
                                    column="flows"))
        for name, v in (("production", p), ("consumption", c), ("stocks", s)):
            if v.shape != (n,):
                failures.append(Failure(f"length {v.shape}, expected ({n},)", column=name))
            elif not np.all(np.isfinite(v)) or np.any(v < 0):
                bad = [str(countries[int(i)])
                       for i in np.flatnonzero(~np.isfinite(v) | (v < 0))]
                failures.append(Failure("negative or not finite", column=name, value=bad[:10]))
        if f.nnz and (not np.all(np.isfinite(f.data)) or np.any(f.data < 0)):
            failures.append(Failure("negative or not finite flows", column="flows"))
        if len(set(countries)) != n:
            failures.append(Failure("duplicate country codes", column="countries"))
        if failures:
            raise InputError("Invalid trade system.", failures,
                             hint="Give one value per country, in tonnes, >= 0.")
        return cls(tuple(countries), f, p, c, s, mineral, year, tuple(notes))

    @property
    def n(self) -> int:
        """Number of countries."""
        return len(self.countries)

    @cached_property
    def exports(self) -> np.ndarray:
        """Total exports per country (t)."""
        return np.asarray(self.flows.sum(axis=1)).ravel()

    @cached_property
    def shares_t(self) -> sp.csr_matrix:
        """Transpose of the export-share matrix ``A = diag(1/E) F`` (CSR)."""
        e = self.exports
        inv = np.where(e > 0, 1.0 / np.where(e > 0, e, 1.0), 0.0)
        a = self.flows.copy()
        a.data = a.data * np.repeat(inv, np.diff(a.indptr))
        return sp.csr_matrix(a.T)

    @property
    def imports(self) -> np.ndarray:
        """Total imports per country (t)."""
        return np.asarray(self.flows.sum(axis=0)).ravel()

    def index(self, iso3: str) -> int:
        """Position of a country; :class:`NotFoundError` when it is not in the system."""
        try:
            return self.countries.index(iso3)
        except ValueError:
            raise NotFoundError(
                f"{iso3!r} is not in the {self.mineral or 'trade'} system"
                + (f" for {self.year}" if self.year else "") + ".",
                hint=f"It has no trade or production rows. Countries: "
                f"{', '.join(self.countries[:30])}{' ...' if self.n > 30 else ''}") from None


@dataclass(frozen=True)
class Shock:
    """A supply shock.

    Attributes
    ----------
    country
        ISO3 of the exporter that cuts (``kind="export"``) or loses production.
    cut
        fraction 0-1 of the flows (or production) removed.
    targets
        importers whose flows are cut; ``None`` means all (export shocks only).
    kind
        ``"export"`` or ``"production"``.
    """

    country: str
    cut: float
    targets: tuple[str, ...] | None = None
    kind: Literal["export", "production"] = "export"

    def __post_init__(self) -> None:
        if not 0.0 <= float(self.cut) <= 1.0:
            raise InputError("A shock's cut must be a fraction between 0 and 1.",
                             [Failure("out of range", column="cut", value=self.cut)],
                             hint="Write 30% as 0.3.")
        if self.kind not in ("export", "production"):
            raise InputError("Unknown shock kind.", [Failure("unknown", value=self.kind)],
                             hint="Use 'export' or 'production'.")


# -- absorption rules (pure, vectorised over columns = scenarios) ----------------------------
def absorb_proportional(loss: np.ndarray, stocks: np.ndarray, exports: np.ndarray,
                        consumption: np.ndarray, **_: float
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stocks first, then export cuts and consumption loss in proportion to ``E`` and ``C``.

    Returns ``(drawn, export_cut, consumption_loss)``, each shaped like ``loss``.
    """
    drawn = np.minimum(loss, stocks)
    rest = loss - drawn
    total = exports + consumption
    with np.errstate(invalid="ignore", divide="ignore"):
        beta = np.where(total > 0, exports / np.where(total > 0, total, 1.0), 0.0)
    cut = np.minimum(np.maximum(beta * rest, rest - consumption), exports)
    cut = np.maximum(cut, 0.0)
    return drawn, cut, rest - cut


def absorb_threshold(loss: np.ndarray, stocks: np.ndarray, exports: np.ndarray,
                     consumption: np.ndarray, *, threshold: float = DEFAULT_THRESHOLD,
                     **_: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stocks first; a country whose remaining loss exceeds ``threshold * C`` cuts exports.

    Returns ``(drawn, export_cut, consumption_loss)``, each shaped like ``loss``.
    """
    drawn = np.minimum(loss, stocks)
    rest = loss - drawn
    failed = rest > threshold * consumption + 1e-12
    cut = np.where(failed, np.minimum(rest, exports), 0.0)
    return drawn, cut, rest - cut


_ABSORB = {"proportional": absorb_proportional, "threshold": absorb_threshold}


# -- the iteration --------------------------------------------------------------------------
@dataclass(frozen=True)
class Propagation:
    """Result of a propagation; arrays are ``n x m`` (countries x scenarios).

    Attributes
    ----------
    shock_t
        total direct loss per scenario (length ``m``).
    loss, drawn, export_cut, consumption_loss
        cumulative supply loss reaching each country and how it was absorbed (t).
    first_round
        round in which each country was first hit (-1: never).
    rounds
        rounds to convergence per scenario.
    converged
        whether each scenario met the tolerance before ``max_rounds``.
    """

    shock_t: np.ndarray
    loss: np.ndarray
    drawn: np.ndarray
    export_cut: np.ndarray
    consumption_loss: np.ndarray
    first_round: np.ndarray
    rounds: np.ndarray
    converged: np.ndarray


def _shock_inputs(system: TradeSystem, shock: Shock, cuts: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, sp.csr_matrix, np.ndarray | None, int]:
    """Direct loss ``d0``, post-shock export capacity, transposed share matrix, and the
    column-specific share profile of the cutting exporter (export shocks)."""
    x = system.index(shock.country)
    n, m = system.n, len(cuts)
    e0 = np.repeat(system.exports[:, None], m, axis=1)
    d0 = np.zeros((n, m))
    shares_t = system.shares_t
    profile = None
    if shock.kind == "production":
        d0[x] = cuts * system.production[x]
    else:
        row = system.flows.getrow(x).toarray().ravel()
        mask = np.ones(n)
        if shock.targets is not None:
            mask = np.zeros(n)
            for t in shock.targets:
                mask[system.index(t)] = 1.0
        d0 = row[:, None] * mask[:, None] * cuts[None, :]  # n x m
        remaining = row[:, None] - d0
        e0[x] = remaining.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            profile = np.where(e0[x] > 0, remaining / np.where(e0[x] > 0, e0[x], 1.0), 0.0)
        shares_t = shares_t.copy()
        shares_t.data[shares_t.indices == x] = 0.0  # the exporter passes on via ``profile``
    return d0, e0, shares_t, profile, x


def _cut_rule(model: str, stocks: np.ndarray, exports: np.ndarray, consumption: np.ndarray,
              threshold: float) -> Callable[[np.ndarray], np.ndarray]:
    """The export-cut part of a model's rule with its constants precomputed (hot loop)."""
    if model == "proportional":
        total = exports + consumption
        beta = np.where(total > 0, exports / np.where(total > 0, total, 1.0), 0.0)

        def cut(loss: np.ndarray) -> np.ndarray:
            rest = np.maximum(loss - stocks, 0.0)
            return np.clip(np.maximum(beta * rest, rest - consumption), 0.0, exports)
    else:
        limit = threshold * consumption + 1e-12

        def cut(loss: np.ndarray) -> np.ndarray:
            rest = np.maximum(loss - stocks, 0.0)
            return np.where(rest > limit, np.minimum(rest, exports), 0.0)
    return cut


def propagate(system: TradeSystem, shock: Shock, *, model: Model = "proportional",
              cuts: np.ndarray | None = None, stock_scale: np.ndarray | None = None,
              threshold: float = DEFAULT_THRESHOLD, tol: float = DEFAULT_TOL,
              max_rounds: int = DEFAULT_MAX_ROUNDS) -> Propagation:
    """Propagate a shock (or ``m`` variants of it) through ``system`` to convergence.

    Parameters
    ----------
    system
        the trade network.
    shock
        who cuts, to whom, and the cut; ``cuts`` overrides ``shock.cut`` with one value per
        scenario (Monte Carlo over shock size).
    model
        ``"proportional"`` or ``"threshold"`` (see the module docstring).
    cuts, stock_scale
        optional length-``m`` arrays: cut fraction and stock multiplier of each scenario.
    threshold
        failure threshold of the threshold model (uncovered loss / consumption).
    tol, max_rounds
        convergence tolerance (relative to the shock) and round limit.

    Returns
    -------
    Propagation
        ``n x m`` arrays; one column when neither ``cuts`` nor ``stock_scale`` is given.
    """
    if model not in _ABSORB:
        raise InputError("Unknown shock model.", [Failure("unknown model", value=model)],
                         hint=f"Use one of: {', '.join(MODELS)}.")
    m = max(len(cuts) if cuts is not None else 1,
            len(stock_scale) if stock_scale is not None else 1)
    q = np.broadcast_to(np.asarray(cuts if cuts is not None else [shock.cut], float), (m,))
    scale = np.broadcast_to(np.asarray(stock_scale if stock_scale is not None else [1.0],
                                       float), (m,))
    if np.any((q < 0) | (q > 1)) or np.any(scale < 0):
        raise InputError("Cuts must lie in [0, 1] and stock multipliers be >= 0.",
                         [Failure("out of range", column="cuts/stock_scale")])
    absorb = _ABSORB[model]
    d0, e0, shares_t, profile, x = _shock_inputs(system, shock, q)
    stocks = system.stocks[:, None] * scale[None, :]
    cons = system.consumption[:, None]
    cut_of = _cut_rule(model, stocks, e0, cons, threshold)
    shock_t = d0.sum(axis=0)
    scale_tol = tol * np.maximum(shock_t, 1e-300)

    loss = d0.copy()
    passed = np.zeros_like(d0)
    first = np.where(d0 > 0, 0, -1)
    rounds = np.zeros(m, dtype=int)
    active = np.ones(m, dtype=bool)
    for k in range(1, max_rounds + 1):
        step = cut_of(loss) - passed
        done = step.sum(axis=0) <= scale_tol
        rounds = np.where(active & ~done, k, rounds)
        active &= ~done
        if not active.any():
            break
        step[:, ~active] = 0.0
        incoming = np.asarray(shares_t @ step)
        if profile is not None:
            incoming += profile * step[x][None, :]
        passed = passed + step
        loss = loss + incoming
        first[(first < 0) & (incoming > 0)] = k
    drawn, _, _ = absorb(loss, stocks, e0, cons, threshold=threshold)
    cons_loss = loss - drawn - passed  # unpassed last step is consumption loss
    return Propagation(shock_t=shock_t, loss=loss, drawn=drawn, export_cut=passed,
                       consumption_loss=cons_loss, first_round=first, rounds=rounds,
                       converged=~active)


# -- diagnostics ----------------------------------------------------------------------------
def conservation_residuals(p: Propagation) -> tuple[np.ndarray, np.ndarray]:
    """``(global, per_country)`` residuals of the two balances, in tonnes.

    ``global[s] = shock - sum(drawn) - sum(consumption loss)`` and
    ``per_country[i, s] = loss - drawn - consumption loss - export cut``.
    """
    glob = p.shock_t - p.drawn.sum(axis=0) - p.consumption_loss.sum(axis=0)
    per = p.loss - p.drawn - p.consumption_loss - p.export_cut
    return glob, per


def check_conservation(p: Propagation, *, rtol: float = 1e-7, strict: bool = False,
                       countries: Sequence[str] | None = None) -> bool:
    """Check that the shock is fully accounted for, globally and in every country.

    Also checks that nothing absorbed is negative and every scenario converged.

    Parameters
    ----------
    p
        a propagation result.
    rtol
        tolerance relative to the largest shock.
    strict
        raise :class:`ConsistencyError` instead of logging a warning.
    countries
        names for the messages.

    Returns
    -------
    bool
        ``True`` when every balance holds.
    """
    glob, per = conservation_residuals(p)
    atol = rtol * max(float(np.max(p.shock_t, initial=0.0)), 1.0)
    names = list(countries) if countries is not None else [str(i) for i in range(len(per))]
    failures: list[Failure] = []
    for s in np.flatnonzero(np.abs(glob) > atol):
        failures.append(Failure("shock != stock drawn + consumption loss",
                                column=f"scenario {s}", value=float(glob[s])))
    bad_i, bad_s = np.nonzero(np.abs(per) > atol)
    for i, s in zip(bad_i[:20], bad_s[:20], strict=True):
        failures.append(Failure("country does not balance", column=names[i],
                                value=float(per[i, s])))
    for arr, what in ((p.drawn, "stock drawn"), (p.consumption_loss, "consumption loss"),
                      (p.export_cut, "export cut")):
        neg = np.argwhere(arr < -atol)
        for i, s in neg[:10]:
            failures.append(Failure(f"negative {what}", column=names[i], value=float(arr[i, s])))
    for s in np.flatnonzero(~p.converged):
        failures.append(Failure("did not converge", column=f"scenario {s}"))
    if not failures:
        return True
    msg = f"Shock propagation does not conserve mass ({len(failures)} problem(s))."
    if strict:
        raise ConsistencyError("\n  ".join([msg, *map(str, failures[:20])]),
                               hint="Raise max_rounds or report the input as a bug.")
    log.warning("%s %s", msg, "; ".join(map(str, failures[:5])))
    return False


__all__ = [
    "DEFAULT_MAX_ROUNDS",
    "DEFAULT_STOCK_DAYS",
    "DEFAULT_THRESHOLD",
    "DEFAULT_TOL",
    "MODELS",
    "Model",
    "Propagation",
    "Shock",
    "TradeSystem",
    "absorb_proportional",
    "absorb_threshold",
    "apparent_consumption",
    "check_conservation",
    "conservation_residuals",
    "default_stocks",
    "propagate",
]
