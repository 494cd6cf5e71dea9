"""What a new user meets first: help texts, bad ``--db`` URLs, mistyped paths (issue 15)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tieline
from tieline.cli import app
from tieline.errors import ConfigError, NotFound

ROOT = Path(tieline.__file__).resolve().parents[1]
runner = CliRunner()


def tieline_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real entry point (``main``, which turns errors into exit codes) in a fresh process."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-c", "from tieline.cli import main; main()", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def help_text(*args: str) -> str:
    result = runner.invoke(app, [*args, "--help"])
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())  # help wraps at the terminal width


def test_help_shows_defaults_and_bracketed_text() -> None:
    accounts = help_text("accounts")
    assert "Period of the KPIs shown [default: last month]." in accounts
    assert "(YYYY-MM-DD, end of day UTC) [now]." in accounts
    assert "[default: table]" in accounts
    digest = help_text("digest")
    assert "[default: the last complete week]" in digest
    assert "[default: the [api] base_url]" in digest
    assert "[default: 25]" in digest and "[default: localhost]" in digest
    assert "Source name [default: export file name, or 'slack']." in help_text("ingest", "slack")
    assert "[default: the [api] workers, 1]" in help_text("serve")
    assert "[default: 0]" in help_text("ingest", "email")  # --jobs


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("foo://bar", "unknown kind of database 'foo' in foo://bar"),
        ("sqlite://tmp/x.db", "bad SQLite URL sqlite://tmp/x.db: a file is sqlite:///"),
        ("not a url", "not a database URL: 'not a url'"),
        # Port 1 refuses at once; the password never reaches the terminal.
        (
            "postgresql://u:hunter2@127.0.0.1:1/x",
            "cannot connect to the database postgresql://u:***@127.0.0.1:1/x: ",
        ),
    ],
)
def test_bad_database_url_is_one_clear_error(
    url: str, says: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a relative SQLite path would land here
    for command in (["accounts"], ["ingest", "email", str(ROOT / "tests/data/email/thread.mbox")]):
        result = runner.invoke(app, ["--db", url, *command])
        assert isinstance(result.exception, ConfigError), result.output
        assert says in result.exception.message and "\n" not in result.exception.message
        assert "hunter2" not in result.exception.message
    assert list(tmp_path.iterdir()) == []  # no "tmp" folder, no database file


def test_bad_database_url_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    result = tieline_cli("--db", "postgresql://u:hunter2@127.0.0.1:1/x", "stats", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: cannot connect to the database postgresql://u:***@")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_missing_ingest_path_is_one_line_and_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "new" / "tieline.db"
    result = tieline_cli("--db", f"sqlite:///{db}", "ingest", "email", "missing.mbox", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "error: no such file or folder: missing.mbox\n"
    assert not db.parent.exists()


def test_read_command_on_a_mistyped_path_creates_nothing(tmp_path: Path) -> None:
    result = tieline_cli("--db", "sqlite:///typo/tieline.db", "people", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        f"error: no database at {tmp_path / 'typo' / 'tieline.db'} "
        "(run `tieline ingest ...` or `tieline demo` first)\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "command",
    [
        ["stats"],
        ["accounts"],
        ["people"],
        ["kpis"],
        ["digest"],
        ["keys", "list"],
        ["people", "merge", "1", "2"],
        ["webhooks", "deliver"],
    ],
)
def test_read_commands_never_create_a_database(command: list[str], tmp_path: Path) -> None:
    db = tmp_path / "typo" / "tieline.db"
    result = runner.invoke(app, ["--db", f"sqlite:///{db}", *command])
    assert isinstance(result.exception, NotFound), result.output
    assert result.exception.message.startswith(f"no database at {db} ")
    assert not db.parent.exists()


def test_write_commands_create_the_database(tmp_path: Path) -> None:
    db = tmp_path / "new" / "tieline.db"
    created = runner.invoke(app, ["--db", f"sqlite:///{db}", "keys", "create", "--name", "ci"])
    assert created.exit_code == 0, created.output
    assert db.is_file()
    listed = runner.invoke(app, ["--db", f"sqlite:///{db}", "keys", "list"])  # now it reads
    assert listed.exit_code == 0 and "ci" in listed.stdout
