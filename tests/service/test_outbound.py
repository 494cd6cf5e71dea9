"""Webhook targets: no private addresses at subscription or at connection time (SSRF)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tieline.service.outbound import InvalidWebhookUrl, check_url, guarded_client, is_public


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254", "100.64.0.1",
     "0.0.0.0", "224.0.0.1", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::"],
)  # fmt: skip
def test_internal_addresses_are_not_public(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_internet_addresses_are_public(address: str) -> None:
    assert is_public(address)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080/hook", "http://169.254.169.254/latest/meta-data/",
     "https://[::1]/x", "http://localhost:9000/", "https://db.internal/x",
     "http://10.0.0.5/", "ftp://hooks.example.com/", "https:///nohost", "http://[",
     "http://hooks.example.com:port/"],
)  # fmt: skip
def test_plainly_internal_or_odd_urls_are_refused_when_subscribing(url: str) -> None:
    with pytest.raises(InvalidWebhookUrl):
        check_url(url)


def test_public_names_pass_and_the_setting_lets_private_ones_through() -> None:
    assert check_url("https://hooks.example.com/tieline") == "https://hooks.example.com/tieline"
    assert check_url("http://127.0.0.1:8080/hook", allow_private=True)
    with pytest.raises(InvalidWebhookUrl):
        check_url("ftp://127.0.0.1/", allow_private=True)


class _Hook(BaseHTTPRequestHandler):
    seen: list[dict[str, str]]

    def do_POST(self) -> None:
        self.seen.append(dict(self.headers))
        self.rfile.read(int(self.headers.get("content-length", 0)))
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:1/elsewhere")
        else:
            self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def receiver() -> Iterator[tuple[int, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), type("H", (_Hook,), {"seen": seen}))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield int(httpd.server_address[1]), seen
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def test_a_public_looking_name_that_resolves_inside_is_refused_at_connect_time(
    receiver: tuple[int, list[dict[str, str]]],
) -> None:
    port, seen = receiver
    resolve = lambda host, p: ["127.0.0.1"]  # noqa: E731 - hooks.example.com, rebound
    with guarded_client(timeout=5, resolve=resolve) as client, pytest.raises(
        httpx.ConnectError, match="not on the public internet"
    ):  # fmt: skip
        client.post(f"http://hooks.example.com:{port}/hook", content=b"{}")
    with guarded_client(timeout=5) as client, pytest.raises(httpx.ConnectError):
        client.post(f"http://127.0.0.1:{port}/hook", content=b"{}")  # an IP literal too
    assert seen == []


def test_it_connects_to_the_address_it_checked_and_follows_no_redirect(
    receiver: tuple[int, list[dict[str, str]]],
) -> None:
    port, seen = receiver
    asked: list[str] = []

    def resolve(host: str, p: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    with guarded_client(timeout=5, allow_private=True, resolve=resolve) as client:
        ok = client.post(f"http://hooks.test:{port}/hook", content=b"{}")
        moved = client.post(f"http://hooks.test:{port}/redirect", content=b"{}")
    assert ok.status_code == 204 and moved.status_code == 302
    assert asked[0] == "hooks.test" and len(seen) == 2  # the redirect was not followed
    assert seen[0]["Host"] == f"hooks.test:{port}"
