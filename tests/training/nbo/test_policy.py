"""Off-policy estimators against simulated truth, the deployment guard, and the Hillstrom command."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from omnicast.cli import app
from training.nbo.policy import Experiment, dr, evaluate_policies, ipw, run_split, snipw

from .conftest import fixture_path


def _simulate(n: int, rng: np.random.Generator, effect: float) -> tuple[Experiment, np.ndarray]:
    """Three arms, uniform assignment; arm 1 helps units with x0 > 0 by `effect`, arm 2 the others."""
    x = rng.normal(size=(n, 3))
    arm = rng.integers(0, 3, n)
    mean = np.column_stack([np.full(n, 1.0), 1.0 + effect * (x[:, 0] > 0), 1.0 + effect * (x[:, 0] <= 0)])
    y = rng.poisson(mean[np.arange(n), arm]).astype(float)
    return Experiment(x, arm, y, ("a", "b", "c"), np.full(3, 1 / 3), ("x0", "x1", "x2"), "y"), mean


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.0, 1.0))
def test_estimators_are_unbiased_for_a_fixed_policy(seed: int, effect: float) -> None:
    rng = np.random.default_rng(seed)
    estimates = {"ipw": [], "snipw": [], "dr": []}
    truth = []
    for _ in range(40):
        exp, mean = _simulate(3000, rng, effect)
        choice = np.where(exp.x[:, 1] > 0, 1, 2)  # some fixed targeted policy
        truth.append(mean[np.arange(exp.n), choice].mean())
        mu = np.full((exp.n, 3), exp.y.mean())  # a deliberately wrong outcome model: DR must stay unbiased
        estimates["ipw"].append(ipw(choice, exp.arm, exp.y, exp.propensity))
        estimates["snipw"].append(snipw(choice, exp.arm, exp.y, exp.propensity))
        estimates["dr"].append(dr(choice, exp.arm, exp.y, exp.propensity, mu))
    for name, values in estimates.items():
        err = np.mean(values) - np.mean(truth)
        assert abs(err) < 4 * np.std(values) / np.sqrt(len(values)) + 1e-3, name


def test_guard_deploys_targeting_only_when_it_clearly_pays() -> None:
    rng = np.random.default_rng(3)
    strong, _ = _simulate(20_000, rng, effect=1.0)
    assert run_split(strong, seed=1, n_boot=100).guard.targeted
    none, _ = _simulate(20_000, rng, effect=0.0)  # no arm helps anyone: targeting is noise
    decisions = [run_split(none, seed=s, n_boot=100).guard for s in range(4)]
    assert sum(g.targeted for g in decisions) <= 1
    assert all("deploy 'all" in g.reason for g in decisions if not g.targeted)


def test_hillstrom_policy_command_recommends_a_uniform_send_when_targeting_does_not_win(tmp_path) -> None:
    frame = pd.read_csv(fixture_path("hillstrom.csv"))
    data = tmp_path / "hill.csv"
    frame.sample(24_000, random_state=1).to_csv(data, index=False)
    res = CliRunner().invoke(app, ["--home", str(tmp_path / "h"), "nbo", "policy", "--data", str(data),
                                   "--outcome", "spend", "--splits", "2", "--boot", "40"])
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "deployed (guard)" in out and "all Mens E-Mail" in out and "recommendation:" in out
    report = evaluate_policies(__import__("training.nbo.policy", fromlist=["from_frame"]).from_frame(
        frame.sample(24_000, random_state=1)[["recency", "history", "mens", "womens", "newbie", "segment", "visit"]],
        "segment", "visit"), splits=2, n_boot=40)
    deployed = report.summary.set_index("policy").loc["deployed (guard)", "dr_mean"]
    mens = report.summary.set_index("policy").loc["all Mens E-Mail", "dr_mean"]
    assert deployed >= mens - 0.01  # never worse than all-Mens beyond noise


def test_policy_command_names_bad_input(tmp_path) -> None:
    data = tmp_path / "x.csv"
    pd.DataFrame({"segment": ["a", "a"], "spend": [1.0, 2.0], "f": [1, 2]}).to_csv(data, index=False)
    runner = CliRunner()
    res = runner.invoke(app, ["--home", str(tmp_path / "h"), "nbo", "policy", "--data", str(data)])
    assert res.exit_code == 2 and "one arm" in res.output
    res = runner.invoke(app, ["--home", str(tmp_path / "h"), "nbo", "policy", "--data", str(data), "--outcome", "nope"])
    assert res.exit_code == 2 and "no column 'nope'" in res.output
