"""The forecaster on simulated panels with known structure."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from training.demand import metrics as M
from training.demand.forecaster import DemandForecaster, NotFittedError
from training.demand.panel import PanelError
from training.demand.simulate import SIM_SPEC as SPEC
from training.demand.simulate import simulate_panel

H = 14


def _split(panel: pd.DataFrame, horizon: int = H) -> tuple[pd.DataFrame, pd.DataFrame]:
    cutoff = panel.date.max() - pd.Timedelta(days=horizon)
    return panel[panel.date <= cutoff], panel[panel.date > cutoff]


@pytest.fixture(scope="module")
def fitted(sim_panel: pd.DataFrame) -> tuple[DemandForecaster, pd.DataFrame, pd.DataFrame]:
    train, test = _split(sim_panel)
    model = DemandForecaster(SPEC, horizon=H, n_estimators=120, quantile_estimators=60).fit(train)
    future = test.drop(columns=["units"]).assign(units=np.nan)
    fc = model.predict(pd.concat([train, future]))
    return model, fc.merge(test, on=["store", "sku", "date"]), train


def test_forecasts_every_series_for_the_horizon(fitted, sim_panel) -> None:
    _, ev, _ = fitted
    assert len(ev) == sim_panel.sku.nunique() * H
    assert sorted(ev.h.unique()) == list(range(1, H + 1))


def test_beats_seasonal_naive_on_a_known_pattern(fitted) -> None:
    _, ev, train = fitted
    last_week = train[train.date > train.date.max() - pd.Timedelta(days=7)]
    naive = ev[["sku", "date"]].assign(dow=ev.date.dt.dayofweek).merge(
        last_week.assign(dow=last_week.date.dt.dayofweek)[["sku", "dow", "units"]].rename(columns={"units": "naive"}),
        on=["sku", "dow"],
    )
    assert len(naive) == len(ev)
    model_wape = M.wape(ev.units, ev["mean"])
    assert model_wape < 0.85 * M.wape(naive.merge(ev, on=["sku", "date"]).units, naive["naive"])
    # within reach of the achievable floor: the error of the true mean itself
    assert model_wape < 1.15 * M.wape(ev.units, ev.truth)


def test_quantiles_are_ordered_and_nonnegative(fitted) -> None:
    _, ev, _ = fitted
    q = ev[["q0.1", "q0.5", "q0.9"]].to_numpy()
    assert (q >= 0).all()
    assert (np.diff(q, axis=1) >= 0).all()
    assert 0.6 < M.coverage(ev.units, ev["q0.1"], ev["q0.9"]) <= 1.0


def test_predict_without_panel_uses_the_fit_history(fitted) -> None:
    model, ev, train = fitted
    fc = model.predict()
    assert fc.date.min() == train.date.max() + pd.Timedelta(days=1)
    assert len(fc) == len(ev)


def test_censored_days_are_not_read_as_low_demand() -> None:
    panel = simulate_panel(n_series=30, days=300, seed=3, stockouts=True)
    train, test = _split(panel)
    ratios = {}
    for censor in (None, "stockout"):
        spec = replace(SPEC, censor_col=censor)
        fc = DemandForecaster(spec, horizon=H, n_estimators=80, quantiles=()).fit(train).predict(train)
        ev = fc.merge(test, on=["store", "sku", "date"])
        ratios[censor] = ev["mean"].sum() / ev["truth"].sum()
    # ignoring stock-outs learns depressed sales as demand; handling them gets closer to 1
    assert ratios[None] < ratios["stockout"]
    assert abs(1 - ratios["stockout"]) < abs(1 - ratios[None])


def test_user_errors() -> None:
    with pytest.raises(NotFittedError):
        DemandForecaster(SPEC).predict(pd.DataFrame())
    with pytest.raises(Exception, match="objective"):
        DemandForecaster(SPEC, objective="huber").fit(simulate_panel(2, 60))
    with pytest.raises(PanelError, match="price"):
        DemandForecaster(SPEC).fit(simulate_panel(2, 60).drop(columns=["price"]))


@pytest.mark.parametrize(("freq", "step"), [("W", pd.DateOffset(weeks=1)), ("M", pd.DateOffset(months=1))])
def test_weekly_and_monthly_forecast_dates(freq: str, step: pd.DateOffset) -> None:
    from training.demand.panel import PanelSpec

    rng = np.random.default_rng(0)
    start = pd.Timestamp("2021-01-04") if freq == "W" else pd.Timestamp("2021-01-01")
    dates = pd.date_range(start, periods=40, freq="W-MON" if freq == "W" else "MS")
    panel = pd.DataFrame(
        {"sku": np.repeat(["a", "b", "c"], 40), "t": np.tile(dates, 3), "y": rng.poisson(5, 120).astype(float)}
    )
    spec = PanelSpec(("sku",), "t", "y", freq)
    fc = DemandForecaster(spec, horizon=3, n_estimators=10, quantile_estimators=5).fit(panel).predict()
    for _, g in fc.groupby("sku"):
        assert list(g.t) == [dates[-1] + step * k for k in (1, 2, 3)]
