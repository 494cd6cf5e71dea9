"""Outbound HTTP to addresses customers give us (webhooks): no requests to our own network.

A webhook URL is a request the server makes on a caller's behalf; without a guard, an
API key could point one at ``http://169.254.169.254/`` (cloud metadata), the database
host or anything else only the server can reach (SSRF). Two checks:

- :func:`check_url` when a subscription is created: http(s) only, and no host that
  is plainly internal (an IP literal outside the public internet, ``localhost``).
- :func:`guarded_client` when delivering: every connection resolves the host name
  itself and connects only to addresses on the public internet, to the very address
  it checked (so a name that resolves to a public address at one moment and a private
  one the next, DNS rebinding, gets nowhere). Redirects are not followed.

``[webhooks] allow_private_networks = true`` lifts both, for receivers on the same
network (and tests).
"""

from __future__ import annotations

import ipaddress
import socket
import typing
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

import httpcore
import httpx

from tieline.errors import TielineError

__all__ = ["BlockedAddress", "InvalidWebhookUrl", "check_url", "guarded_client", "is_public"]

Resolver = Callable[[str, int], list[str]]
_IP = ipaddress.IPv4Address | ipaddress.IPv6Address


class InvalidWebhookUrl(TielineError):
    status_code = 422


class BlockedAddress(httpcore.ConnectError):
    """Raised instead of connecting to a non-public address (httpx: ``ConnectError``)."""


def is_public(address: str) -> bool:
    """Whether an IP address is on the public internet (not private, loopback, link-local,
    shared, reserved, multicast or unspecified); IPv4-mapped IPv6 is judged as IPv4."""
    ip: _IP = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(ip.is_global) and not ip.is_multicast


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def check_url(url: str, *, allow_private: bool = False) -> str:
    """``url`` if it may be a webhook target, else :class:`InvalidWebhookUrl`."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:  # "http://[", "http://host:port"
        raise InvalidWebhookUrl(f"not a valid URL: {url[:200]}") from None
    if parts.scheme not in ("http", "https") or not hostname:
        raise InvalidWebhookUrl("a webhook URL is http:// or https:// with a host")
    if allow_private:
        return url
    host = hostname.rstrip(".").lower()
    literal = _literal(host)
    internal = (literal is not None and not is_public(literal)) or (
        host == "localhost" or host.endswith((".localhost", ".local", ".internal"))
    )
    if internal:
        raise InvalidWebhookUrl(
            f"webhook host {host} is on a private or local network; receivers must be on "
            "the public internet (or set [webhooks] allow_private_networks)"
        )
    return url


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _GuardedBackend(httpcore.NetworkBackend):
    """TCP connections only to public addresses, to the address just checked."""

    def __init__(self, *, allow_private: bool, resolve: Resolver) -> None:
        self._inner = httpcore.SyncBackend()
        self._allow_private = allow_private
        self._resolve = resolve

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = [_literal(host) or ""] if _literal(host) else self._resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        if not self._allow_private:
            blocked = [a for a in addresses if not is_public(a)]
            if blocked:
                raise BlockedAddress(
                    f"{host} resolves to {blocked[0]}, which is not on the public internet: "
                    "webhooks may not call private networks ([webhooks] allow_private_networks)"
                )
        error: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in addresses:
            try:
                return self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address,
                    socket_options=socket_options,
                )  # fmt: skip
            except httpcore.ConnectError as exc:
                error = exc
        raise error

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise BlockedAddress("webhooks do not connect to unix sockets")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self, *, allow_private: bool, resolve: Resolver) -> None:
        super().__init__(trust_env=False)  # no proxy from the environment: we connect
        pool = self._pool
        self._pool = httpcore.ConnectionPool(
            ssl_context=pool._ssl_context,
            max_connections=pool._max_connections,
            max_keepalive_connections=pool._max_keepalive_connections,
            keepalive_expiry=pool._keepalive_expiry,
            network_backend=_GuardedBackend(allow_private=allow_private, resolve=resolve),
        )
        pool.close()


def guarded_client(
    *, timeout: float, allow_private: bool = False, resolve: Resolver = _resolve
) -> httpx.Client:
    """An httpx client that only reaches public addresses and follows no redirects."""
    return httpx.Client(
        transport=_GuardedTransport(allow_private=allow_private, resolve=resolve),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    )
