"""``tieline digest`` on the small scored mailbox (FakeModel), SQLite and PostgreSQL."""

from __future__ import annotations

import email
import email.policy
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import DATA
from tieline import service
from tieline.cli import app
from tieline.config import load_settings
from tieline.nlp.sentences import SentenceSplitter
from tieline.nlp.sentiment import FakeModel
from tieline.store.db import make_engine, make_session_factory, migrate

runner = CliRunner()


@pytest.fixture
def base(db_url: str, tmp_path: Path) -> list[str]:
    config = tmp_path / "tieline.toml"
    config.write_text('internal_domains = ["northwind.io"]\n')
    settings = load_settings(config_file=config, database_url=db_url, workspace="cs")
    engine = make_engine(db_url)
    migrate(engine)
    with make_session_factory(engine)() as session:
        service.ingest_email(
            session=session, settings=settings, paths=[DATA / "email" / "signals.mbox"]
        )
        models = service.Models(sentiment=FakeModel(), split=SentenceSplitter())
        service.score(session=session, settings=settings, models=models)
        session.commit()
    engine.dispose()
    return ["--db", db_url, "--workspace", "cs", "--config", str(config)]


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_digest_formats(base: list[str]) -> None:
    d = json.loads(run(*base, "digest", "--week", "2026-W46", "--format", "json"))
    assert (d["workspace"], d["week"], d["end"]) == ("cs", "2026-W46", "2026-11-15")
    (acme,) = d["accounts"]
    assert acme["name"] == "Acme Logistics"
    assert acme["owner"] == {"email": "sam@northwind.io", "name": "Sam Ortiz",
                             "source": "messages"}  # fmt: skip
    churn = [i for i in acme["items"] if i["kind"] == "churn_risk"]
    assert churn and "evaluating other vendors" in churn[0]["quote"]
    assert all(i["link"] == f"http://127.0.0.1:8000/accounts/{acme['id']}" for i in acme["items"])

    md = run(*base, "digest", "--week", "2026-W46", "--base-url", "https://t.example")
    assert md.startswith("# Weekly digest 2026-W46 — cs")
    assert f"https://t.example/accounts/{acme['id']}" in md
    html = run(*base, "digest", "--week", "2026-W46", "--format", "html")
    assert html.startswith("<!DOCTYPE html>") and "<table" in html
    text = run(*base, "digest", "--week", "2026-W46", "--format", "text")
    assert "evaluating other vendors" in text and "<table" not in text
    owned = json.loads(run(*base, "digest", "--week", "2026-W46", "--format", "json",
                           "--owner", "sam@northwind.io"))  # fmt: skip
    assert [a["name"] for a in owned["accounts"]] == ["Acme Logistics"]


def test_digest_errors(base: list[str]) -> None:
    result = runner.invoke(app, [*base, "digest", "--week", "2026-46"])
    assert result.exit_code != 0 and "ISO week" in str(result.exception)
    result = runner.invoke(app, [*base, "digest", "--week", "2026-W46", "--owner", "x@y.z"])
    assert result.exit_code != 0 and "owned by x@y.z" in str(result.exception)


def test_digest_send(base: list[str]) -> None:
    from aiosmtpd.controller import Controller

    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(envelope)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        run(*base, "digest", "--week", "2026-W46", "--send-to", "sam@northwind.io",
            "--send-to", "lead@northwind.io", "--smtp-host", "127.0.0.1",
            "--smtp-port", str(port), "--from", "digest@northwind.io")  # fmt: skip
    finally:
        controller.stop()
    (envelope,) = received
    assert envelope.mail_from == "digest@northwind.io"
    assert envelope.rcpt_tos == ["sam@northwind.io", "lead@northwind.io"]
    msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
    types = [p.get_content_type() for p in msg.iter_parts()]
    assert msg.get_content_type() == "multipart/alternative"
    assert types == ["text/plain", "text/html"]
