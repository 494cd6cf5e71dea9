from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from tieline.cli import app
from tieline.errors import NotFound
from tieline.store.api_keys import resolve_key
from tieline.store.db import make_engine, make_session_factory
from tieline.store.models import ApiKey

runner = CliRunner()


def test_keys_create_list_revoke(db_url: str, tmp_path: Path) -> None:
    base = ["--db", db_url, "--workspace", "acme-cs"]
    created = runner.invoke(app, [*base, "keys", "create", "--name", "gainsight"])
    assert created.exit_code == 0, created.output
    key = created.stdout.strip()
    assert key.startswith("tl_") and len(key) > 40
    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        [row] = session.scalars(select(ApiKey)).all()
        assert key not in (row.key_hash, row.prefix) and row.prefix == key[:10]
        info = resolve_key(session, key)
        assert info is not None and info.name == "gainsight"
        assert resolve_key(session, key + "x") is None
    listed = runner.invoke(app, [*base, "keys", "list"])
    assert "gainsight" in listed.stdout and key not in listed.stdout
    revoked = runner.invoke(app, [*base, "keys", "revoke", str(row.id)])
    assert revoked.exit_code == 0, revoked.output
    with make_session_factory(engine)() as session:
        assert resolve_key(session, key) is None
    other = runner.invoke(app, ["--db", db_url, "--workspace", "other", "keys", "revoke", "1"])
    assert isinstance(other.exception, NotFound)  # no such workspace, so no such key
    engine.dispose()
