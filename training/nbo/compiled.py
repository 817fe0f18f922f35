"""Compiled ranker inference with lleaves, built when a model is promoted, never per request.

`compile_ranker` writes the booster's model text, compiles it to a shared
object with lleaves (LLVM) in the data home, and keeps it only if its
predictions on the model's validation rows equal LightGBM's (max absolute
difference <= 1e-9) and it is faster on 200-row batches, single-threaded.
`load_compiled` loads that object (milliseconds: no recompilation) when the
cached model text matches the booster, else returns None and LightGBM is used.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from training.nbo.ranker import Ranker

log = logging.getLogger(__name__)
TOLERANCE = 1e-9
Predict = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class CompileReport:
    used: bool
    max_abs_diff: float
    lightgbm_us_200: float  # median microseconds per 200-row batch
    compiled_us_200: float
    compile_seconds: float
    path: str
    reason: str


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _median_us(predict: Predict, rows: np.ndarray, repeats: int = 200) -> float:
    predict(rows)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        predict(rows)
        times.append(time.perf_counter() - t)
    return float(np.median(times) * 1e6)


def compile_ranker(ranker: Ranker, out_dir: Path, rows: np.ndarray | None) -> CompileReport:
    import lleaves

    assert ranker.booster_ is not None
    out_dir.mkdir(parents=True, exist_ok=True)
    text = ranker.booster_.model_to_string()
    (out_dir / "model.txt").write_text(text)
    started = time.perf_counter()
    model = lleaves.Model(model_file=str(out_dir / "model.txt"))
    model.compile(cache=str(out_dir / "ranker.so"))
    seconds = time.perf_counter() - started
    check = np.ascontiguousarray(rows if rows is not None and len(rows) else np.zeros((200, ranker.booster_.num_feature())),
                                 dtype=np.float64)
    ref = ranker.score(check)
    got = model.predict(check, n_jobs=1)
    diff = float(np.max(np.abs(ref - got))) if ref.size else 0.0
    batch = check[:200]
    lgb_us = _median_us(ranker.score, batch)
    ll_us = _median_us(lambda x: model.predict(x, n_jobs=1), batch)
    used = diff <= TOLERANCE and ll_us < lgb_us
    reason = ("identical and faster" if used else
              f"not identical (max diff {diff:.2e})" if diff > TOLERANCE else "not faster")
    report = CompileReport(used, diff, lgb_us, ll_us, seconds, str(out_dir / "ranker.so"), reason)
    (out_dir / "compiled.json").write_text(json.dumps({**asdict(report), "model_sha256": _digest(text)}, indent=2))
    log.info("lleaves ranker: %s (LightGBM %.0f us, compiled %.0f us per 200 rows)", reason, lgb_us, ll_us)
    return report


def compile_boosters(boosters: list[Any], out_dir: Path, rows: np.ndarray) -> CompileReport:
    """Compile every booster of an uplift model (one row per request: cheap to check)."""
    import lleaves

    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    diffs, plain, fast = [], 0.0, 0.0
    rows = np.ascontiguousarray(rows, dtype=np.float64)
    for i, booster in enumerate(boosters):
        (out_dir / f"booster{i}.txt").write_text(booster.model_to_string())
        model = lleaves.Model(model_file=str(out_dir / f"booster{i}.txt"))
        model.compile(cache=str(out_dir / f"booster{i}.so"))
        diffs.append(float(np.max(np.abs(booster.predict(rows, num_threads=1) - model.predict(rows, n_jobs=1)))))
        one = rows[:1]
        plain += _median_us(_booster_predict(booster), one)
        fast += _median_us(_lleaves_predict(model), one)
    diff = max(diffs) if diffs else 0.0
    used = bool(boosters) and diff <= TOLERANCE and fast < plain
    reason = "identical and faster" if used else (f"not identical (max diff {diff:.2e})" if diff > TOLERANCE
                                                 else "not faster")
    report = CompileReport(used, diff, plain, fast, time.perf_counter() - started, str(out_dir), reason)
    digest = _digest("".join(b.model_to_string() for b in boosters))
    (out_dir / "compiled.json").write_text(json.dumps({**asdict(report), "model_sha256": digest}, indent=2))
    return report


def _booster_predict(booster: Any) -> Predict:
    def predict(x: np.ndarray) -> np.ndarray:
        return np.asarray(booster.predict(x, num_threads=1))

    return predict


def _lleaves_predict(model: Any) -> Predict:
    def predict(x: np.ndarray) -> np.ndarray:
        return np.asarray(model.predict(np.ascontiguousarray(x, dtype=np.float64), n_jobs=1))

    return predict


def load_compiled_boosters(out_dir: Path, boosters: list[Any]) -> list[Predict] | None:
    meta_path = out_dir / "compiled.json"
    if not boosters or not meta_path.exists():
        return None
    meta = json.loads(meta_path.read_text())
    if not meta.get("used") or meta.get("model_sha256") != _digest("".join(b.model_to_string() for b in boosters)):
        return None
    import lleaves

    out: list[Predict] = []
    for i in range(len(boosters)):
        model = lleaves.Model(model_file=str(out_dir / f"booster{i}.txt"))
        model.compile(cache=str(out_dir / f"booster{i}.so"))
        out.append(_lleaves_predict(model))
    return out


def load_compiled(out_dir: Path, ranker: Ranker) -> Predict | None:
    """The compiled predictor for this ranker, if promotion built and accepted one."""
    meta_path = out_dir / "compiled.json"
    if ranker.booster_ is None or not meta_path.exists():
        return None
    meta = json.loads(meta_path.read_text())
    if not meta.get("used") or meta.get("model_sha256") != _digest(ranker.booster_.model_to_string()):
        return None
    import lleaves

    model = lleaves.Model(model_file=str(out_dir / "model.txt"))
    model.compile(cache=str(out_dir / "ranker.so"))  # loads the cached object
    return lambda x: model.predict(np.ascontiguousarray(x, dtype=np.float64), n_jobs=1)
