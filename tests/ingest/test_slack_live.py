"""Live Slack pull against a local HTTP server serving Web API fixtures."""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tieline.domain import AutomatedKind, IdentityKind, Message, RecipientKind, Record, Skipped
from tieline.errors import IngestError
from tieline.ingest.slack import read_slack_export
from tieline.ingest.slack_live import SlackPull, make_client, read_slack_api

DATA = Path(__file__).resolve().parents[1] / "data" / "slack_api"
TOKEN = "xoxb-test"


class FakeSlack(ThreadingHTTPServer):
    """Answers ``/api/<method>`` from fixtures; records every request's method and params."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.rate_limited = 0  # 429s sent
        self.lock = threading.Lock()

    def answer(self, method: str, params: dict[str, str], auth: str) -> tuple[int, Any]:
        with self.lock:
            self.calls.append((method, params))
            if auth != f"Bearer {TOKEN}":
                return 200, {"ok": False, "error": "invalid_auth"}
            if method == "conversations.history" and not self.rate_limited:
                self.rate_limited += 1
                return 429, {"ok": False, "error": "ratelimited"}
        channel = params.get("channel", "")
        if method == "users.list":
            name = "users.list.2" if params.get("cursor") == "dXNlcjpVMw==" else "users.list.1"
        elif method == "conversations.list":
            name = "conversations.list"
        elif method == "conversations.members":
            name = f"conversations.members.{channel}"
        elif method == "conversations.history":
            page = "newer" if params.get("oldest") else "2" if params.get("cursor") else "1"
            name = f"conversations.history.{channel}.{page}"
            if channel == "D1" and page == "1":
                name = "conversations.history.D1"
        elif method == "conversations.replies":
            name = f"conversations.replies.{channel}.{params.get('ts')}"
        else:
            return 200, {"ok": False, "error": "unknown_method"}
        return 200, json.loads((DATA / f"{name}.json").read_text())


class _Handler(BaseHTTPRequestHandler):
    server: FakeSlack

    def _serve(self) -> None:
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            params.update(parse_qsl(self.rfile.read(length).decode()))
        method = url.path.removeprefix("/api/")
        status, body = self.server.answer(method, params, self.headers.get("Authorization", ""))
        data = json.dumps(body).encode()
        self.send_response(status)
        if status == 429:
            self.send_header("Retry-After", "1")
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass


@pytest.fixture
def server() -> Iterator[FakeSlack]:
    srv = FakeSlack()
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retry-After sleeps, recorded instead of slept (slack_sdk adds up to 1 s of jitter)."""
    slept: list[float] = []
    monkeypatch.setattr("slack_sdk.http_retry.builtin_handlers.time.sleep", slept.append)
    return slept


def _url(server: FakeSlack) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/api/"


def _messages(records: list[Record]) -> dict[str, Message]:
    return {r.external_id: r for r in records if isinstance(r, Message)}


def test_full_pull_then_incremental(
    server: FakeSlack, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    pull = SlackPull(make_client(TOKEN, base_url=_url(server)))
    records = list(pull.records())

    assert not [r for r in records if isinstance(r, Skipped)]
    messages = _messages(records)
    assert list(messages) == [
        "slack:general:1700000100.000100",
        "slack:general:1700000110.000110",
        "slack:general:1700000200.000300",
        "slack:general:1700000300.000400",
        "slack:general:1700000400.000500",
        "slack:D1:1700000050.000050",
    ]
    parent = messages["slack:general:1700000100.000100"]
    assert parent.body == "Kickoff @here, notes in #general"
    assert parent.author.email == "dana@example.com"
    assert parent.author.ids == ((IdentityKind.SLACK, "T1:U1"),)
    assert parent.provider_thread_id == "slack:general:1700000100.000100"
    assert parent.in_reply_to is None
    reply = messages["slack:general:1700000400.000500"]  # U3 from users.list page 2
    assert reply.author.name == "Lee Chen"
    assert reply.in_reply_to == "slack:general:1700000100.000100"
    assert reply.provider_thread_id == "slack:general:1700000100.000100"
    assert [a.ids[0][1] for _, a in reply.recipients] == ["T1:U2", "T1:U1"]
    thanks = messages["slack:general:1700000300.000400"]
    assert thanks.body == "thanks @Dana Whitfield!"
    assert thanks.recipients[0][0] is RecipientKind.TO
    assert thanks.attributes["reactions"] == "thumbsup:2"
    assert thanks.attributes["edited"] == "true"
    bot = messages["slack:general:1700000200.000300"]
    assert bot.automated_kind is AutomatedKind.BOT
    assert bot.author.ids == ((IdentityKind.SLACK, "T1:B1"),)
    dm = messages["slack:D1:1700000050.000050"]
    assert dm.subject == "DM: Dana Whitfield, Ravi Patel"
    assert [a.name for _, a in dm.recipients] == ["Ravi Patel"]
    assert dm.attributes["slack_channel_type"] == "dm"

    methods = [method for method, _ in server.calls]
    assert methods.count("users.list") == 2  # next_cursor followed
    assert [p.get("cursor") for m, p in server.calls if m == "users.list"] == [
        None,
        "dXNlcjpVMw==",
    ]
    c1_history = [
        p for m, p in server.calls if m == "conversations.history" and p["channel"] == "C1"
    ]
    assert len(c1_history) == 3  # 429, retried page 1, page 2
    assert c1_history[0] == c1_history[1] and c1_history[2]["cursor"] == "bmV4dF90czoxNzAw"
    assert server.rate_limited == 1 and len(sleeps) == 1 and 1 <= sleeps[0] < 2
    assert methods.count("conversations.replies") == 1
    assert ("conversations.list", {"types": "public_channel,private_channel,mpim,im"}) in [
        (m, {k: v for k, v in p.items() if k == "types"}) for m, p in server.calls
    ]
    assert pull.cursors == {"C1": "1700000400.000500", "D1": "1700000050.000050"}

    # Second run: only what is newer than the marks.
    server.calls.clear()
    records2, cursors = read_slack_api(
        make_client(TOKEN, base_url=_url(server)), since=pull.cursors
    )
    assert list(_messages(list(records2))) == ["slack:general:1700000500.000600"]
    assert {
        p["channel"]: p.get("oldest") for m, p in server.calls if m == "conversations.history"
    } == {
        "C1": "1700000400.000500",
        "D1": "1700000050.000050",
    }
    assert cursors == {"C1": "1700000500.000600", "D1": "1700000050.000050"}
    assert server.rate_limited == 1  # no new 429 on the second run

    assert caplog.records  # slack_sdk logged its requests at DEBUG ...
    assert not [r for r in caplog.records if TOKEN in r.getMessage()]  # ... never the token
    assert TOKEN not in repr(pull) and TOKEN not in str(pull)


def test_live_matches_export(server: FakeSlack, sleeps: list[float], tmp_path: Path) -> None:
    """The same messages, as an export folder, read into equal Messages (but the locator)."""
    live = _messages(list(SlackPull(make_client(TOKEN, base_url=_url(server))).records()))

    def load(name: str) -> Any:
        return json.loads((DATA / f"{name}.json").read_text())

    users = load("users.list.1")["members"] + load("users.list.2")["members"]
    channels = load("conversations.list")["channels"]
    general = (
        load("conversations.history.C1.1")["messages"]
        + load("conversations.history.C1.2")["messages"]
        + load("conversations.replies.C1.1700000100.000100")["messages"][1:]
    )
    files = {
        "users.json": users,
        "channels.json": [c for c in channels if not c.get("is_im")],
        "dms.json": [{"id": "D1", "created": 1699990000, "members": ["U1", "U2"]}],
        "general/2023-11-14.json": general,
        "D1/2023-11-14.json": load("conversations.history.D1")["messages"],
    }
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(json.dumps(content))
    exported = _messages(list(read_slack_export(tmp_path)))

    assert set(live) == set(exported)
    for key, message in live.items():
        assert dataclasses.replace(message, locator="") == dataclasses.replace(
            exported[key], locator=""
        )


def test_bad_token_never_shows(server: FakeSlack) -> None:
    secret = "xoxb-wrong-secret"
    pull = SlackPull(make_client(secret, base_url=_url(server)))
    with pytest.raises(IngestError) as info:
        list(pull.records())
    assert "invalid_auth" in str(info.value)
    assert secret not in str(info.value) and secret not in repr(info.value)
    assert secret not in repr(pull)


def test_cli_live_pull_is_incremental(
    server: FakeSlack, sleeps: list[float], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from typer.testing import CliRunner

    from tieline.cli import app

    monkeypatch.setenv("TIELINE_SLACK_TOKEN", TOKEN)
    monkeypatch.setenv("TIELINE_SLACK_API_URL", _url(server))
    runner = CliRunner()
    args = ["--db", db_url, "ingest", "slack", "--live", "--format", "json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["new_messages"] == 6
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    assert json.loads(second.stdout)["new_messages"] == 1  # only what is newer than the marks
    assert any("oldest" in params for _, params in server.calls)
    assert TOKEN not in first.output + second.output
