"""Shock propagation: conservation, monotonicity, a slow reference implementation, warehouse
inputs and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mineralwatch.analytics.network import (
    Shock,
    TradeSystem,
    check_conservation,
    monte_carlo,
    propagate,
    shock,
)
from mineralwatch.analytics.network.propagation import conservation_residuals
from mineralwatch.errors import ConsistencyError, InputError, NotFoundError, UnknownCodeError
from mineralwatch.store import SourceInfo

MODELS = ("proportional", "threshold")


# -- a slow, obviously-correct reference -------------------------------------------------------
def reference(countries, flows, production, consumption, stocks, shock_spec, model,
              threshold=0.1, tol=1e-9, max_rounds=1000):
    """Round-by-round, country-by-country, edge-by-edge propagation with plain dicts."""
    f = {(a, b): v for (a, b), v in flows.items() if v > 0 and a != b}
    loss = dict.fromkeys(countries, 0.0)
    x, q = shock_spec.country, shock_spec.cut
    if shock_spec.kind == "production":
        loss[x] += q * production[x]
    else:
        targets = shock_spec.targets or countries
        for (a, b), v in list(f.items()):
            if a == x and b in targets:
                loss[b] += q * v
                f[(a, b)] = v - q * v
    exports = {c: sum(v for (a, _), v in f.items() if a == c) for c in countries}
    shock_total = sum(loss.values())
    passed = dict.fromkeys(countries, 0.0)

    def split(c):
        drawn = min(loss[c], stocks[c])
        rest = loss[c] - drawn
        e, cons = exports[c], consumption[c]
        if model == "proportional":
            beta = e / (e + cons) if e + cons > 0 else 0.0
            cut = max(min(max(beta * rest, rest - cons), e), 0.0)
        else:
            cut = min(rest, e) if rest > threshold * cons + 1e-12 else 0.0
        return drawn, cut

    rounds = 0
    for k in range(1, max_rounds + 1):
        step = {c: split(c)[1] - passed[c] for c in countries}
        if sum(step.values()) <= tol * max(shock_total, 1e-300):
            break
        rounds = k
        incoming = dict.fromkeys(countries, 0.0)
        for (a, b), v in f.items():
            if exports[a] > 0:
                incoming[b] += step[a] * v / exports[a]
        for c in countries:
            passed[c] += step[c]
            loss[c] += incoming[c]
    out = {}
    for c in countries:
        drawn, _ = split(c)
        out[c] = {"loss": loss[c], "drawn": drawn, "cut": passed[c],
                  "cons": loss[c] - drawn - passed[c]}
    return out, rounds, shock_total


def random_system(seed: int, n: int = 8, density: float = 0.4) -> TradeSystem:
    rng = np.random.default_rng(seed)
    mat = sp.random(n, n, density=density, random_state=seed, format="csr") * 1000
    prod = rng.uniform(0, 3000, n) * (rng.random(n) < 0.6)
    return TradeSystem.build([f"C{i:02d}" for i in range(n)], mat, prod,
                             stock_days=float(rng.uniform(0, 90)))


def as_dicts(s: TradeSystem):
    coo = s.flows.tocoo()
    flows = {(s.countries[i], s.countries[j]): float(v)
             for i, j, v in zip(coo.row, coo.col, coo.data, strict=True)}
    vec = lambda a: {c: float(v) for c, v in zip(s.countries, a, strict=True)}  # noqa: E731
    return flows, vec(s.production), vec(s.consumption), vec(s.stocks)


# -- tests --------------------------------------------------------------------------------------
@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("seed", range(6))
def test_agrees_with_reference(seed: int, model: str) -> None:
    s = random_system(seed)
    exporter = s.countries[int(np.argmax(s.exports))]
    targets = None if seed % 2 else (s.countries[1], s.countries[3], s.countries[5])
    kind = "production" if seed == 4 else "export"
    spec = Shock(exporter, 0.3 + 0.1 * seed, targets if kind == "export" else None, kind=kind)
    got = propagate(s, spec, model=model)
    ref, rounds, total = reference(list(s.countries), *as_dicts(s), spec, model)
    assert got.shock_t[0] == pytest.approx(total)
    assert int(got.rounds[0]) == rounds
    for i, c in enumerate(s.countries):
        assert got.loss[i, 0] == pytest.approx(ref[c]["loss"], rel=1e-9, abs=1e-9)
        assert got.drawn[i, 0] == pytest.approx(ref[c]["drawn"], rel=1e-9, abs=1e-9)
        assert got.export_cut[i, 0] == pytest.approx(ref[c]["cut"], rel=1e-9, abs=1e-9)
        assert got.consumption_loss[i, 0] == pytest.approx(ref[c]["cons"], rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("model", MODELS)
def test_conservation_every_country_and_world(model: str) -> None:
    s = random_system(11, n=30, density=0.2)
    r = propagate(s, Shock(s.countries[0], 0.8), model=model,
                  cuts=np.linspace(0, 1, 7), stock_scale=np.linspace(0, 2, 7))
    assert check_conservation(r, strict=True, countries=s.countries)
    glob, per = conservation_residuals(r)
    assert np.allclose(glob, 0, atol=1e-6) and np.allclose(per, 0, atol=1e-6)
    assert (r.drawn <= s.stocks[:, None] * np.linspace(0, 2, 7)[None, :] + 1e-9).all()


def test_check_conservation_strict_raises_on_a_broken_balance() -> None:
    s = random_system(2)
    r = propagate(s, Shock(s.countries[0], 0.5))
    broken = type(r)(**{**r.__dict__, "drawn": r.drawn * 0.5})
    assert not check_conservation(broken)
    with pytest.raises(ConsistencyError, match="conserve"):
        check_conservation(broken, strict=True)


@pytest.mark.parametrize("model", MODELS)
def test_zero_shock_changes_nothing(model: str) -> None:
    s = random_system(3)
    r = propagate(s, Shock(s.countries[0], 0.0), model=model)
    for arr in (r.loss, r.drawn, r.export_cut, r.consumption_loss):
        assert not arr.any()
    assert int(r.rounds[0]) == 0 and (r.first_round == -1).all()


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 9), q1=st.floats(0, 1), q2=st.floats(0, 1),
       model=st.sampled_from(MODELS))
def test_a_larger_shock_never_helps_anyone(seed: int, n: int, q1: float, q2: float,
                                           model: str) -> None:
    lo, hi = sorted((q1, q2))
    s = random_system(seed, n=n, density=0.5)
    exporter = s.countries[seed % n]
    r = propagate(s, Shock(exporter, 0.0), model=model, cuts=np.array([lo, hi]))
    tol = 1e-6 * max(1.0, float(r.shock_t.max()))
    assert (r.loss[:, 1] >= r.loss[:, 0] - tol).all()
    assert (r.drawn[:, 1] >= r.drawn[:, 0] - tol).all()
    if model == "proportional":  # a failing country in the threshold model may shed loss
        assert (r.consumption_loss[:, 1] >= r.consumption_loss[:, 0] - tol).all()
    assert check_conservation(r, strict=True)


def test_threshold_cascade_spreads_only_past_the_threshold() -> None:
    # A -> B -> C chain: B fails (no stocks, loss > 10 % of use) and cuts its exports to C.
    s = TradeSystem.build(["A", "B", "C"], np.array([[0, 100, 0], [0, 0, 50], [0, 0, 0.0]]),
                          np.array([200.0, 0, 0]), stocks=np.zeros(3))
    r = propagate(s, Shock("A", 0.5), model="threshold")
    assert r.loss[1, 0] == pytest.approx(50) and r.export_cut[1, 0] == pytest.approx(50)
    assert r.loss[2, 0] == pytest.approx(50) and r.first_round[2, 0] == 1
    small = propagate(s, Shock("A", 0.02), model="threshold")  # 2 t < 10 % of B's 50 t use
    assert small.loss[2, 0] == 0 and small.consumption_loss[1, 0] == pytest.approx(2)


def test_monte_carlo_matches_single_runs() -> None:
    s = random_system(5, n=12)
    spec = Shock(s.countries[int(np.argmax(s.exports))], 0.5)
    mc = monte_carlo(s, spec, n=50, seed=1, batch=16)
    assert mc["conserved"] and mc["loss_t"].shape == (12, 50)
    for k in (0, 17, 49):
        one = propagate(s, Shock(spec.country, float(mc["cuts"][k])),
                        stock_scale=np.array([mc["stock_scale"][k]]))
        assert np.allclose(one.loss[:, 0], mc["loss_t"][:, k], atol=1e-6)


def test_bad_inputs() -> None:
    with pytest.raises(InputError, match="between 0 and 1"):
        Shock("A", 1.5)
    with pytest.raises(InputError, match="Invalid trade system"):
        TradeSystem.build(["A", "B"], np.array([[0, -1.0], [0, 0]]), np.zeros(2))
    s = random_system(1)
    with pytest.raises(NotFoundError, match="'ZZZ' is not in"):
        propagate(s, Shock("ZZZ", 0.5))
    with pytest.raises(InputError, match="Unknown shock model"):
        propagate(s, Shock(s.countries[0], 0.5), model="magic")  # type: ignore[arg-type]


# -- from the warehouse ---------------------------------------------------------------------
def trade_rows(unit_for: dict[tuple[str, str], str] | None = None, hs6: str = "282580"):
    """Antimony-oxide flows in t (or another unit per flow), canonical trade schema."""
    flows = {("CHN", "USA"): 1000.0, ("CHN", "THA"): 300.0, ("CHN", "DEU"): 400.0,
             ("THA", "USA"): 200.0, ("DEU", "FRA"): 100.0, ("BOL", "USA"): 150.0}
    rows = []
    for (a, b), t in flows.items():
        unit = (unit_for or {}).get((a, b), "t")
        qty = t * 1000 if unit == "kg" else t
        rows.append({"period": "2023", "hs6": hs6, "hs_revision": "HS2022", "exporter": a,
                     "importer": b, "reporter_side": "import", "value_usd": t * 9000.0,
                     "quantity": qty, "quantity_unit": unit})
    return pd.DataFrame(rows)


def production_rows():
    return pd.DataFrame([
        {"mineral": "antimony", "stage": "mine", "country": c, "year": 2023, "quantity": q,
         "unit": "t", "basis": "content", "estimated": False, "note": None}
        for c, q in {"CHN": 2000.0, "BOL": 300.0}.items()])


def ingest(wh, trade: pd.DataFrame, name: str = "t1") -> None:
    wh.ingest({"trade": trade, "production": production_rows()},
              SourceInfo(name, "test", name, checksum=name, loader_version="1"))


@pytest.mark.parametrize("model", MODELS)
def test_shock_from_the_warehouse(wh, model: str) -> None:
    ingest(wh, trade_rows())
    out = shock(wh, "antimony", "China", 0.5, targets=["USA"], model=model, strict=True)
    assert out["mineral"] == "antimony" and out["year"] == 2023 and out["conserved"]
    assert out["shock"]["total_t"] == pytest.approx(500 * 0.835)
    usa = next(r for r in out["countries"] if r["country"] == "USA")
    assert usa["loss_t"] == pytest.approx(500 * 0.835)
    assert usa["stock_drawn_t"] > 0 and usa["loss_pct"] > 0
    assert set(out["countries"][0]) >= {"country", "loss_t", "loss_pct", "stock_drawn_t"}
    assert any("261710" in n for n in out["notes"])  # ores without content factor named


def test_mixed_units_are_converted(wh, tmp_path) -> None:
    import mineralwatch as mw

    ingest(wh, trade_rows())
    base = shock(wh, "antimony", "CHN", 0.4)
    wh2 = mw.open(tmp_path / "kg.duckdb")
    ingest(wh2, trade_rows({("CHN", "USA"): "kg", ("THA", "USA"): "kg"}))
    mixed = shock(wh2, "antimony", "CHN", 0.4)
    assert [r["loss_t"] for r in mixed["countries"]] == pytest.approx(
        [r["loss_t"] for r in base["countries"]])
    wh2.close()


def test_bad_warehouse_input(wh, tmp_path) -> None:
    import mineralwatch as mw

    with pytest.raises(NotFoundError, match="no trade flows for antimony"):
        shock(wh, "antimony", "CHN", 0.5)
    ingest(wh, trade_rows(hs6="810520"))  # cobalt only: still no antimony flows
    with pytest.raises(NotFoundError, match="282580"):
        shock(wh, "antimony", "CHN", 0.5)
    bad = mw.open(tmp_path / "bad.duckdb")
    ingest(bad, trade_rows({("CHN", "USA"): "u", ("THA", "USA"): "barrels"}))
    with pytest.raises(UnknownCodeError, match="'barrels'") as exc:
        shock(bad, "antimony", "CHN", 0.5)
    assert "'u'" in str(exc.value)
    ingest(wh, trade_rows(), name="t2")
    with pytest.raises(NotFoundError, match="'PER' is not in"):
        shock(wh, "antimony", "PER", 0.5)
    bad.close()
