"""Demand benchmark: Omnicast vs seasonal naive, statsforecast AutoETS and mlforecast LightGBM.

One run, the same rolling-origin folds and the same evaluation (training.demand
.backtest) for every method, on:
- the synthetic retailer (daily location x SKU panel; scored against sales and
  against the generator's true expected demand), and
- a real public panel: weekly units per product from UCI Online Retail
  (benchmarks/demand_data.py).
Then the training time of the forecaster on about a million rows, 1 vs 2 threads.

    uv run python benchmarks/demand.py [--size demo] [--folds 3] [--skip-scale] [--out results.json]

Peers get what a data scientist would give them by default: the target history
(no prices or stock-outs), point forecasts clipped at zero, and their own
80% intervals (statsforecast `level=[80]`, mlforecast conformal
`PredictionIntervals`) as the 0.1/0.9 quantiles with the point forecast as the
median.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from demand_data import load_weekly_panel  # noqa: E402

from training.demand.backtest import run_backtest  # noqa: E402
from training.demand.forecaster import DemandForecaster  # noqa: E402
from training.demand.panel import PanelSpec  # noqa: E402
from training.demand.simulate import SIM_SPEC, simulate_panel  # noqa: E402

FitPredict = Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]
PANDAS_FREQ = {"D": "D", "W": "W-MON", "M": "MS"}
QUANTILES = (0.1, 0.5, 0.9)
SEP = "\x1f"  # joins id columns into Nixtla's single unique_id


# ----------------------------------------------------------------- peers
def _to_nixtla(train: pd.DataFrame, spec: PanelSpec) -> pd.DataFrame:
    uid = train[list(spec.id_cols)].astype(str).agg(SEP.join, axis=1) if len(spec.id_cols) > 1 else train[spec.id_cols[0]].astype(str)
    return pd.DataFrame({"unique_id": uid.to_numpy(), "ds": pd.to_datetime(train[spec.time_col]).dt.tz_localize(None).to_numpy(), "y": train[spec.target_col].astype(float).to_numpy()})


def _from_nixtla(fc: pd.DataFrame, spec: PanelSpec, mean: str, lo: str | None, hi: str | None) -> pd.DataFrame:
    fc = fc.reset_index() if "unique_id" not in fc.columns else fc
    parts = fc["unique_id"].astype(str).str.split(SEP, n=len(spec.id_cols) - 1, expand=True)
    out = pd.DataFrame({c: parts[i].to_numpy() for i, c in enumerate(spec.id_cols)})
    out[spec.time_col] = pd.to_datetime(fc["ds"]).to_numpy()
    out["h"] = fc.groupby("unique_id").cumcount().to_numpy() + 1
    out["mean"] = np.maximum(fc[mean].to_numpy(float), 0.0)
    out["q0.5"] = out["mean"]
    out["q0.1"] = np.maximum(fc[lo].to_numpy(float), 0.0) if lo else out["mean"]
    out["q0.9"] = np.maximum(fc[hi].to_numpy(float), 0.0) if hi else out["mean"]
    return out


def _align_ids(fc: pd.DataFrame, future: pd.DataFrame, spec: PanelSpec) -> pd.DataFrame:
    """Ids back to the panel's dtypes so the evaluation join matches."""
    for c in spec.id_cols:
        fc[c] = fc[c].astype(future[c].dtype) if future[c].dtype != object else fc[c].astype(str)
    tz = getattr(future[spec.time_col].dt, "tz", None)
    if tz is not None:
        fc[spec.time_col] = fc[spec.time_col].dt.tz_localize(tz)
    return fc


def statsforecast_peer(spec: PanelSpec, horizon: int, model_name: str) -> FitPredict:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, Naive, SeasonalNaive, SeasonalWindowAverage, WindowAverage

    season = spec.season if spec.freq == "D" else 1
    make = {
        "SeasonalNaive": lambda: SeasonalNaive(season_length=season) if season > 1 else Naive(),
        "Naive": Naive,
        "SeasonalWindowAverage": lambda: SeasonalWindowAverage(season_length=season, window_size=4)
        if season > 1
        else WindowAverage(window_size=4),
        "AutoETS": lambda: AutoETS(season_length=season),
    }[model_name]

    def fit_predict(train: pd.DataFrame, future: pd.DataFrame) -> pd.DataFrame:
        df = _to_nixtla(train, spec)
        model = make()
        # series too short for a model fall back to the naive forecast, as statsforecast recommends
        sf = StatsForecast(models=[model], freq=PANDAS_FREQ[spec.freq], n_jobs=1, fallback_model=Naive())
        has_level = model_name not in ("SeasonalWindowAverage",)
        fc = sf.forecast(df=df, h=horizon, level=[80] if has_level else None)
        name = repr(model)
        lo, hi = (f"{name}-lo-80", f"{name}-hi-80") if has_level else (None, None)
        return _complete(_align_ids(_from_nixtla(fc, spec, name, lo, hi), future, spec), future, spec)

    return fit_predict


def _complete(fc: pd.DataFrame, future: pd.DataFrame, spec: PanelSpec) -> pd.DataFrame:
    """Every test row gets a forecast: what a peer could not forecast (NaN, missing
    series) is forecast as 0, so that all methods are scored on the same rows."""
    keys = [*spec.id_cols, spec.time_col]
    out = future[keys].merge(fc, on=keys, how="left")
    cols = ["mean", "q0.1", "q0.5", "q0.9"]
    out[cols] = out[cols].fillna(0.0)
    out["h"] = out.groupby(list(spec.id_cols))[spec.time_col].rank(method="first").astype(int)
    return out


def mlforecast_peer(spec: PanelSpec, horizon: int) -> FitPredict:
    """mlforecast's LightGBM with library defaults: recursive, lags + rolling means, conformal 80%."""
    import lightgbm as lgb
    from mlforecast import MLForecast
    from mlforecast.lag_transforms import RollingMean
    from mlforecast.utils import PredictionIntervals

    if spec.freq == "D":
        lags, rolling, dates = [1, 7, 14, 28], {1: [RollingMean(7), RollingMean(28)], 7: [RollingMean(7)]}, ["dayofweek", "month"]
    else:
        lags, rolling, dates = [1, 2, 4, 8], {1: [RollingMean(4), RollingMean(8)]}, ["month"]

    def fit_predict(train: pd.DataFrame, future: pd.DataFrame) -> pd.DataFrame:
        df = _to_nixtla(train, spec)
        fcst = MLForecast(
            models={"lgbm": lgb.LGBMRegressor(verbosity=-1, n_jobs=1)},
            freq=PANDAS_FREQ[spec.freq],
            lags=lags,
            lag_transforms=rolling,
            date_features=dates,
        )
        # conformal intervals need 2 windows of history beyond the horizon in every series;
        # shorter series get the same model's point forecast (predict on new_df), no interval
        long_enough = df.groupby("unique_id")["y"].transform("size") > 2 * horizon + 1
        fcst.fit(df.loc[long_enough], prediction_intervals=PredictionIntervals(n_windows=2, h=horizon))
        parts = [_from_nixtla(fcst.predict(horizon, level=[80]), spec, "lgbm", "lgbm-lo-80", "lgbm-hi-80")]
        if (~long_enough).any():
            parts.append(_from_nixtla(fcst.predict(horizon, new_df=df.loc[~long_enough]), spec, "lgbm", None, None))
        return _complete(_align_ids(pd.concat(parts, ignore_index=True), future, spec), future, spec)

    return fit_predict


def omnicast(spec: PanelSpec, horizon: int, threads: int = 1, **params) -> FitPredict:
    def fit_predict(train: pd.DataFrame, future: pd.DataFrame) -> pd.DataFrame:
        model = DemandForecaster(spec, horizon=horizon, threads=threads, **params).fit(train)
        return model.predict(pd.concat([train, future], ignore_index=True))

    return fit_predict


# --------------------------------------------------------------- running
def compare(name: str, panel: pd.DataFrame, spec: PanelSpec, horizon: int, folds: int, truth_col: str | None,
            variants: dict[str, dict] | None = None) -> pd.DataFrame:
    methods: dict[str, FitPredict] = {"omnicast": omnicast(spec, horizon)}
    for label, params in (variants or {}).items():
        methods[f"omnicast ({label})"] = omnicast(spec, horizon, **params)
    for peer in ("SeasonalNaive", "Naive", "SeasonalWindowAverage", "AutoETS"):
        methods[f"statsforecast {peer}"] = statsforecast_peer(spec, horizon, peer)
    methods["mlforecast LightGBM (defaults)"] = mlforecast_peer(spec, horizon)
    rows = []
    for label, fit_predict in methods.items():
        started = time.perf_counter()
        try:
            result = run_backtest(fit_predict, panel, spec, horizon, folds, QUANTILES, truth_col)
        except Exception as exc:  # noqa: BLE001 - a failing peer is reported, not fatal
            print(f"[{name}] {label}: FAILED {type(exc).__name__}: {exc}", flush=True)
            rows.append({"dataset": name, "method": label, "error": f"{type(exc).__name__}: {exc}"[:200]})
            continue
        s = result.summary
        row = {
            "dataset": name,
            "method": label,
            "wape": s["wape"],
            "wape_median": s["wape_median"],
            "wql": s["wql"],
            "coverage_80": s.get("coverage_80"),
            "rmse": s["rmse"],
            "mase_mean": s["mase_mean"],
            "mase_median": s["mase_median"],
            "bias": s["bias"],
            "store_wape": _level(result, "location_id"),
            "total_wape": _level(result, "total"),
            "fit_predict_s": float(np.mean(result.fit_seconds)),
            "wall_s": time.perf_counter() - started,
            "rows": s["rows"],
        }
        if truth_col:
            row.update(truth_wape=s["truth_wape"], wape_vs_truth=s["wape_vs_truth"], truth_rmse=s["truth_rmse"])
        rows.append(row)
        print(f"[{name}] {label}: wape={row['wape']:.4f} wql={row['wql']:.4f} cov80={row['coverage_80']:.3f} "
              f"fit+predict={row['fit_predict_s']:.1f}s", flush=True)
    return pd.DataFrame(rows)


def _level(result, level: str) -> float | None:
    hit = result.by_level.loc[result.by_level["level"] == level, "wape"]
    return float(hit.iloc[0]) if len(hit) else None


def synthetic_retailer(size: str, home: Path) -> tuple[pd.DataFrame, PanelSpec, str]:
    from omnicast.settings import load_settings
    from training.demand.pipeline import retail_inputs

    settings = load_settings(home=home)
    if not settings.paths.validated_table("transactions").exists():
        for cmd in (["data", "generate", "--size", size], ["data", "ingest"]):
            subprocess.run([sys.executable, "-m", "omnicast.cli", "--home", str(home), *cmd], check=True,
                           stdout=subprocess.DEVNULL, cwd=ROOT)
    inputs = retail_inputs(settings)
    return inputs.panel, inputs.spec, inputs.truth_col or ""


def scale_run(threads: tuple[int, ...] = (1, 2)) -> list[dict]:
    """Training time on ~1M rows (simulated daily panel), per thread count."""
    panel = simulate_panel(n_series=2500, days=450, seed=7)
    out = []
    for n in threads:
        model = DemandForecaster(SIM_SPEC, horizon=28, threads=n)
        started = time.perf_counter()
        model.fit(panel)
        out.append({"rows": len(panel), "train_rows": model.n_train_rows_, "threads": n, "fit_s": time.perf_counter() - started})
        print(f"[scale] {len(panel):,} rows, {n} thread(s): {out[-1]['fit_s']:.1f}s", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="demo", help="synthetic retailer preset")
    ap.add_argument("--home", type=Path, default=None, help="data home of the synthetic retailer (default: a tmp dir)")
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--only", choices=["retail", "online-retail"], default=None)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "demand.json")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()}", flush=True)
    tables = []
    if args.only in (None, "online-retail"):
        weekly = load_weekly_panel()
        spec = PanelSpec(id_cols=("sku",), time_col="week", target_col="units", freq="W")
        tables.append(compare("online-retail weekly", weekly, spec, 4, args.folds, None,
                              {"l2": {"objective": "l2"}, "lagH": {"strategy": "lagH"}}))
    if args.only in (None, "retail"):
        home = args.home or Path(tempfile.mkdtemp(prefix="omnicast-bench-"))
        panel, spec, truth_col = synthetic_retailer(args.size, home)
        tables.append(compare(f"synthetic retailer ({args.size})", panel, spec, 28, args.folds, truth_col or None))
    results = {"accuracy": pd.concat(tables, ignore_index=True).to_dict(orient="records")}
    if not args.skip_scale:
        results["scale"] = scale_run()
    results["load_after"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, default=float))
    print(markdown(results))
    print(f"-> {args.out}")



def markdown(results: dict) -> str:
    """The accuracy and timing tables for docs/BENCHMARKS.md."""
    acc = pd.DataFrame(results["accuracy"])
    lines = []
    for dataset, g in acc.groupby("dataset", sort=False):
        truth = "truth_wape" in g and g["truth_wape"].notna().any()
        head = "| method | WAPE (mean) | WAPE (median) | WQL | coverage 80% | RMSE | MASE mean / median | bias | fit+predict s/fold |"
        lines += [f"**{dataset}**", "", head, "|---" * (head.count("|") - 1) + "|"]
        for r in g.itertuples(index=False):
            if isinstance(getattr(r, "error", None), str):
                lines.append(f"| {r.method} | failed: {r.error} | | | | | | | |")
                continue
            lines.append(
                f"| {r.method} | {r.wape:.4f} | {r.wape_median:.4f} | {r.wql:.4f} | {r.coverage_80:.3f} | {r.rmse:.3f} "
                f"| {r.mase_mean:.3f} / {r.mase_median:.3f} | {r.bias:+.3f} | {r.fit_predict_s:.1f} |"
            )
        if truth:
            t = g.iloc[0]
            lines += ["", f"True expected demand as the forecast (the floor): WAPE {t.truth_wape:.4f}, RMSE {t.truth_rmse:.3f}."]
        lines.append("")
    if "scale" in results:
        lines += ["| rows | training rows | threads | fit s |", "|---|---|---|---|"]
        lines += [f"| {s['rows']:,} | {s['train_rows']:,} | {s['threads']} | {s['fit_s']:.1f} |" for s in results["scale"]]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
