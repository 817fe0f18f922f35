"""Settings: precedence, derived paths, and clear errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnicast.settings import SettingsError, load_settings


def test_env_prefix_sets_home_and_paths_derive_from_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNICAST_HOME", str(tmp_path / "h"))
    s = load_settings()
    assert s.home == tmp_path / "h"
    assert s.paths.raw == tmp_path / "h" / "raw"
    assert s.paths.validated == tmp_path / "h" / "offline" / "validated"
    assert s.tracking_uri == f"sqlite:///{(tmp_path / 'h' / 'mlruns' / 'mlflow.db').resolve()}"


@pytest.mark.parametrize("suffix,text", [(".yaml", "seed: 7\nonline_store: redis\n"), (".toml", 'seed = 7\nonline_store = "redis"\n')])
def test_config_file_is_read_and_env_wins_over_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, text: str
) -> None:
    config = tmp_path / f"omnicast{suffix}"
    config.write_text(text)
    monkeypatch.setenv("OMNICAST_CONFIG", str(config))
    s = load_settings()
    assert (s.seed, s.online_store) == (7, "redis")
    monkeypatch.setenv("OMNICAST_SEED", "9")
    assert load_settings().seed == 9
    assert load_settings(seed=11).seed == 11


def test_bad_value_names_the_env_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNICAST_ONLINE_STORE", "cassandra")
    with pytest.raises(SettingsError, match=r"OMNICAST_ONLINE_STORE .*'cassandra'"):
        load_settings()


def test_unknown_key_in_config_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("sead: 3\n")
    monkeypatch.setenv("OMNICAST_CONFIG", str(config))
    with pytest.raises(SettingsError, match="sead"):
        load_settings()


def test_missing_or_unsupported_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNICAST_CONFIG", str(tmp_path / "nope.yaml"))
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings()
    ini = tmp_path / "c.ini"
    ini.write_text("x")
    monkeypatch.setenv("OMNICAST_CONFIG", str(ini))
    with pytest.raises(SettingsError, match="must be a .yaml"):
        load_settings()


def test_home_that_is_a_file_is_rejected(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("")
    with pytest.raises(SettingsError, match="not a directory"):
        load_settings(home=f)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("c.yaml", b"home: [unclosed\n", "is not valid YAML"),
        ("c.toml", b"x = \n", "is not valid TOML"),
        ("c.yml", bytes(range(128, 256)), "is not valid YML"),
    ],
)
def test_unparseable_config_file_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, content: bytes, message: str
) -> None:
    config = tmp_path / name
    config.write_bytes(content)
    monkeypatch.setenv("OMNICAST_CONFIG", str(config))
    with pytest.raises(SettingsError, match=message) as err:
        load_settings()
    assert str(config) in str(err.value)


def test_config_directory_is_named_as_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNICAST_CONFIG", str(tmp_path))
    with pytest.raises(SettingsError, match="is a directory"):
        load_settings()


def test_unsupported_mlflow_uri_scheme_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNICAST_MLFLOW_TRACKING_URI", "bogus://x")
    with pytest.raises(SettingsError, match="OMNICAST_MLFLOW_TRACKING_URI.*bogus"):
        load_settings()
    monkeypatch.setenv("OMNICAST_MLFLOW_TRACKING_URI", "postgresql+psycopg2://u@h/db")
    assert load_settings().tracking_uri == "postgresql+psycopg2://u@h/db"


def test_a_misspelt_variable_is_warned_about_not_silently_ignored(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from omnicast.settings import unknown_env_names

    monkeypatch.setenv("OMNICAST_THRADS", "4")
    assert "OMNICAST_THRADS" in unknown_env_names()
    assert "OMNICAST_HOME" not in unknown_env_names() and "OMNICAST_CONFIG" not in unknown_env_names()
    with caplog.at_level("WARNING"):
        settings = load_settings()
    assert settings.threads == 1
    assert "OMNICAST_THRADS is not an Omnicast setting" in caplog.text
