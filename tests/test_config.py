from __future__ import annotations

from pathlib import Path

import pytest

from tieline.config import find_config_file, load_settings
from tieline.errors import ConfigError


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    s = load_settings()
    assert s.database_url == "sqlite:///tieline.db" and s.workspace == "default"
    assert s.internal_domains == [] and "gmail.com" in s.all_freemail_domains
    assert find_config_file() is None


def test_precedence_file_env_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tieline.toml").write_text(
        'internal_domains = ["Northwind.io"]\nworkspace = "from-file"\ntimezone = "Europe/Berlin"\n'
        'freemail_domains = ["posteo.de"]\n'
        "[ingest]\nbatch_size = 50\n"
        '[[people]]\nname = "Ravi Kumar"\nemails = ["Ravi@Globex.com", "ravi@gmail.com"]\n'
        '[[accounts]]\nname = "Acme"\ndomains = ["acme.com"]\n'
    )
    s = load_settings()
    assert s.internal_domains == ["northwind.io"] and s.workspace == "from-file"
    assert s.people[0].emails == ["ravi@globex.com", "ravi@gmail.com"]
    assert s.ingest.batch_size == 50 and "posteo.de" in s.all_freemail_domains
    assert str(s.tz) == "Europe/Berlin"
    monkeypatch.setenv("TIELINE_WORKSPACE", "from-env")
    assert load_settings().workspace == "from-env"
    assert load_settings(workspace="from-flag").workspace == "from-flag"


def test_config_env_var_and_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('timezone = "Mars/Olympus"\nunknown_key = 1\n')
    monkeypatch.setenv("TIELINE_CONFIG", str(bad))
    with pytest.raises(ConfigError, match="unknown time zone") as exc:
        load_settings()
    assert "unknown_key" in exc.value.message
    bad.write_text("not = [toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings()
    with pytest.raises(ConfigError, match="not found"):
        load_settings(config_file=tmp_path / "missing.toml")
