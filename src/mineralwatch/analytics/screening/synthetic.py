"""Synthetic monthly trade with planted transshipment, for tests, benchmarks and docs.

:func:`restriction_case` writes a restriction (restrictor R bans exports of some HS codes to
target T at a date) into monthly bilateral trade in the canonical ``trade`` schema, each
flow declared by both partners (``export`` and ``import`` side, quantities in kg as
Comtrade's ``netWgt``), with seasonality and log-normal noise:

* **transit** countries: after the date, R -> K and K -> T both jump by a share of the
  banned R -> T volume (K -> T a month later); R under-declares its exports to K (a mirror
  gap) and K re-exports at about R's unit value; K produces (almost) nothing;
* **genuine producers**: K -> T jumps, R -> K does not; K's production rises enough to
  cover the extra exports (the antimony case's "producer that raises output");
* **decoys**: R -> K rises (K's own demand) but K -> T does not;
* everyone else: seasonality and noise only.

:func:`to_comtrade_bulk` renders canonical rows in the UN Comtrade bulk layout
(``refYear, refMonth, reporterISO, partnerISO, flowCode, cmdCode, primaryValue, netWgt``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

_POOL = ("THA", "MEX", "VNM", "MYS", "IND", "TUR", "KOR", "JPN", "DEU", "NLD", "BEL", "FRA",
         "ITA", "ESP", "GBR", "CAN", "BRA", "ZAF", "AUS", "IDN", "PHL", "SGP", "ARE", "SAU",
         "POL", "CZE", "AUT", "SWE", "FIN", "CHE", "BOL", "PER", "CHL", "ARG", "COL", "EGY",
         "MAR", "KAZ", "RUS", "UKR", "PAK", "BGD", "LKA", "NZL", "ISR", "TWN", "HKG", "OMN")


@dataclass(frozen=True)
class PlantedCase:
    """A generated restriction with its ground truth."""

    trade: pd.DataFrame
    production: pd.DataFrame
    restrictor: str
    target: str
    hs: tuple[str, ...]
    since: str
    transit: tuple[str, ...]
    producers: tuple[str, ...]
    decoys: tuple[str, ...]
    others: tuple[str, ...] = field(default=())

    @property
    def production_t(self) -> dict[str, float]:
        """Latest production by country (t)."""
        p = self.production.sort_values("year").groupby("country")["quantity"].last()
        return {str(k): float(v) for k, v in p.items()}


def _months(start: str, end: str) -> list[str]:
    return [p.strftime("%Y-%m") for p in pd.period_range(start, end, freq="M")]


@dataclass
class _Planting:
    """Mutable state of a case being generated: one random stream, flows and prices."""

    rng: np.random.Generator
    months: list[str]
    post: np.ndarray
    since_i: int
    season: np.ndarray
    noise: float
    uv_base: float = 0.0
    rt_level: float = 0.0
    flows: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    uv: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    under: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    prod_rows: list[dict[str, object]] = field(default_factory=list)

    def series(self, level: float) -> np.ndarray:
        nm = len(self.months)
        return level * self.season * self.rng.lognormal(-self.noise**2 / 2, self.noise, nm)


def _divert(st: _Planting, k: str, restrictor: str, target: str, transit: bool,
            diverted: tuple[float, float]) -> float:
    """Plant a transit country's (or a producer's) share of the banned volume; the extra
    tonnes a year it takes over."""
    nm, rng = len(st.months), st.rng
    share = rng.uniform(*diverted)
    extra_m = share * st.rt_level * st.season
    lag = int(rng.integers(0, 2))
    start_i = min(st.since_i + lag, nm)
    bump = np.zeros(nm)
    bump[start_i:] = extra_m[start_i:]
    bump_next = np.zeros(nm)
    bump_next[min(start_i + 1, nm):] = extra_m[min(start_i + 1, nm):]
    st.flows[(k, target)] = st.flows[(k, target)] + bump_next
    if transit:
        st.flows[(restrictor, k)] = st.flows[(restrictor, k)] + bump
        st.under[(restrictor, k)] = np.where(st.post, rng.uniform(0.3, 0.6), 1.0)
        st.uv[(k, target)] = np.where(st.post, st.uv_base * rng.uniform(1.02, 1.2), st.uv_base)
    return 12 * share * st.rt_level


def _plant_country(st: _Planting, k: str, role: str, restrictor: str, target: str,
                   diverted: tuple[float, float]) -> None:
    """Production and diverted flows of third country ``k`` (role transit, producer, decoy
    or other)."""
    rng = st.rng
    base_prod = 0.0
    if role == "producer":
        base_prod = float(12 * np.mean(st.flows[(k, target)][:st.since_i])) * 1.5
    elif role != "transit" and rng.random() < 0.3:
        base_prod = float(rng.uniform(50, 2000))
    extra = (_divert(st, k, restrictor, target, role == "transit", diverted)
             if role in ("transit", "producer") else 0.0)
    if role == "decoy":
        st.flows[(restrictor, k)][st.since_i:] *= rng.uniform(3, 6)
    years = sorted({int(m[:4]) for m in st.months})
    post_years = {int(m[:4]) for m, p in zip(st.months, st.post, strict=True) if p}
    for y in years:
        q = base_prod + (1.3 * extra if (role == "producer" and y in post_years) else 0.0)
        if role == "transit":
            q = 0.02 * q if q else 0.0
        if q > 0:
            st.prod_rows.append({"mineral": "antimony", "stage": "mine", "country": k,
                                 "year": y, "quantity": round(q, 3), "unit": "t",
                                 "basis": "content", "estimated": False, "note": None})


def _trade_frame(st: _Planting, hs: tuple[str, ...], restrictor: str, target: str,
                 missing_target_months: tuple[str, ...]) -> pd.DataFrame:
    """Both sides' declarations of every planted flow, split evenly over ``hs``."""
    nm, rows = len(st.months), []
    for (a, b), vol in st.flows.items():
        price = (st.uv.get((a, b), np.full(nm, st.uv_base))
                 * np.where(st.post & (b == target), 1.3, 1.0))
        dec = st.under.get((a, b), np.ones(nm))
        for side in ("export", "import"):
            mirror = st.rng.lognormal(0, 0.03, nm) * (dec if side == "export" else 1.0)
            for i, m in enumerate(st.months):
                if b == target and m in missing_target_months:
                    continue
                if side == "export" and a == restrictor and b == target and st.post[i]:
                    continue  # the ban: nothing declared R -> T... except the import side
                qty_t = float(vol[i] * mirror[i]) / len(hs)
                for h in hs:
                    rows.append((m, h, "HS2022", a, b, side, round(qty_t * price[i], 2),
                                 round(qty_t * 1000, 3), "kg"))
    return pd.DataFrame(rows, columns=["period", "hs6", "hs_revision", "exporter", "importer",
                                       "reporter_side", "value_usd", "quantity",
                                       "quantity_unit"])


def restriction_case(seed: int, *, n_third: int = 20, n_transit: int = 2, n_producers: int = 1,
                     n_decoys: int = 1, start: str = "2019-01", end: str = "2025-06",
                     since: str = "2024-12", hs: tuple[str, ...] = ("282580",),
                     restrictor: str = "CHN", target: str = "USA", noise: float = 0.25,
                     seasonality: float = 0.3, diverted: tuple[float, float] = (0.2, 0.5),
                     missing_target_months: tuple[str, ...] = ()) -> PlantedCase:
    """A random restriction case with planted transit countries, producers and decoys.

    Parameters
    ----------
    seed
        random seed (the same seed gives the same case).
    n_third, n_transit, n_producers, n_decoys
        third countries in all, and how many play each role (0 transit: nothing to find).
    start, end, since
        months of the data and of the restriction.
    hs
        HS codes the restriction covers (flows are split evenly over them).
    noise, seasonality
        log-normal sigma of monthly noise and amplitude of the seasonal cycle.
    diverted
        range of the share of the banned R -> T volume each transit country / producer
        takes over.
    missing_target_months
        months with no flow into the target at all (neither side declared anything).
    """
    rng = np.random.default_rng(seed)
    months = _months(start, end)
    post = np.array([m >= since for m in months])
    pool = [c for c in _POOL if c not in (restrictor, target)]
    third = list(rng.choice(pool, size=min(n_third, len(pool)), replace=False))
    cut = np.cumsum([n_transit, n_producers, n_decoys])
    transit, producers, decoys, others = (third[:cut[0]], third[cut[0]:cut[1]],
                                          third[cut[1]:cut[2]], third[cut[2]:])
    cal = np.array([int(m[5:7]) for m in months])
    phase = rng.uniform(0, 12)
    st = _Planting(rng=rng, months=months, post=post,
                   since_i=int(np.argmax(post)) if post.any() else len(months),
                   season=1 + seasonality * np.sin(2 * np.pi * (cal + phase) / 12),
                   noise=noise)
    st.uv_base = rng.uniform(8_000, 14_000)  # USD/t
    st.rt_level = rng.uniform(800, 1500)     # t/month R -> T before the ban
    rt = st.series(st.rt_level)
    rt[post] *= 0.02
    st.flows[(restrictor, target)] = rt
    for k in third:
        st.flows[(restrictor, k)] = st.series(rng.lognormal(np.log(60), 1.0))
        st.flows[(k, target)] = st.series(rng.lognormal(np.log(40), 1.0))
    roles = {**{k: "transit" for k in transit}, **{k: "producer" for k in producers},
             **{k: "decoy" for k in decoys}}
    for k in third:
        _plant_country(st, k, roles.get(k, "other"), restrictor, target, diverted)
    trade = _trade_frame(st, hs, restrictor, target, missing_target_months)
    production = pd.DataFrame(st.prod_rows, columns=["mineral", "stage", "country", "year",
                                                     "quantity", "unit", "basis", "estimated",
                                                     "note"])
    return PlantedCase(trade, production, restrictor, target, tuple(hs), since,
                       tuple(transit), tuple(producers), tuple(decoys), tuple(others))


def to_comtrade_bulk(trade: pd.DataFrame) -> pd.DataFrame:
    """Canonical monthly trade rows in the UN Comtrade bulk CSV layout (netWgt in kg)."""
    exp_side = trade["reporter_side"] == "export"
    kg = trade["quantity"].astype(float) * trade["quantity_unit"].map(
        {"kg": 1.0, "t": 1000.0}).astype(float)
    return pd.DataFrame({
        "typeCode": "C", "freqCode": "M",
        "refPeriodId": trade["period"].str.replace("-", "") + "01",
        "refYear": trade["period"].str[:4].astype(int),
        "refMonth": trade["period"].str[5:7].astype(int),
        "period": trade["period"].str.replace("-", ""),
        "reporterISO": np.where(exp_side, trade["exporter"], trade["importer"]),
        "flowCode": np.where(exp_side, "X", "M"),
        "partnerISO": np.where(exp_side, trade["importer"], trade["exporter"]),
        "classificationCode": "H6",
        "cmdCode": trade["hs6"],
        "qtyUnitAbbr": "kg",
        "qty": kg,
        "netWgt": kg,
        "primaryValue": trade["value_usd"].astype(float),
    })


def precision_recall(flagged: set[str], planted: set[str]) -> tuple[float, float]:
    """Precision and recall of a flagged set against the planted transit countries.

    An empty flagged set has precision 1 (no false alarm); an empty planted set recall 1.
    """
    tp = len(flagged & planted)
    precision = tp / len(flagged) if flagged else 1.0
    recall = tp / len(planted) if planted else 1.0
    return precision, recall


__all__ = ["PlantedCase", "precision_recall", "restriction_case", "to_comtrade_bulk"]
