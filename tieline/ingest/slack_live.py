"""Slack connector, live: an incremental pull through the Slack Web API.

:class:`SlackPull` reads what an export would hold, straight from a workspace:
``users.list``, ``conversations.list`` (``types=``), and for each conversation
``conversations.history`` (plus ``conversations.replies`` for every thread
parent, ``reply_count > 0``, and ``conversations.members`` for DMs and group
DMs), following ``response_metadata.next_cursor`` on every call. Messages go
through the export reader's own helpers (:mod:`tieline.ingest.slack`), so a
message read live equals the same message read from an export (same
``external_id`` ``slack:<channel name>:<ts>``, authors, recipients, threads,
attributes); only ``locator`` differs: ``slack-api:<channel id>``.

Incremental state is a plain ``dict[str, str]``: channel id -> the latest
``ts`` seen in it, thread replies included. Pass the previous run's
:attr:`SlackPull.cursors` as ``since`` and ``conversations.history`` is asked
only for messages after it (``oldest=``). A channel's mark moves only once the
channel has been read whole, so an interrupted run is safe to repeat. Known
limit: a new reply to a thread whose parent is older than the mark is not seen
(Slack's history lists parents only).

Rate limits: :func:`make_client` attaches slack_sdk's
``RateLimitErrorRetryHandler``, which sleeps ``Retry-After`` seconds on HTTP
429 and retries. The token stays inside the ``WebClient``: it is never logged
(slack_sdk redacts the ``Authorization`` header) nor put in messages or reprs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.web import SlackResponse

from tieline.domain import Address, Record, Skipped
from tieline.errors import IngestError

# Private helpers of the export reader, imported on purpose: sharing them is what makes a
# message read live identical to the same message read from an export.
from tieline.ingest.slack import (
    _TS,
    SLACK_SUBTYPES_SKIPPED,
    _Conversation,
    _Directory,
    _list,
    _message,
    _str,
)

__all__ = ["DEFAULT_CHANNEL_TYPES", "SlackPull", "make_client", "read_slack_api"]

DEFAULT_CHANNEL_TYPES = "public_channel,private_channel,mpim,im"
_PAGE = 200


def make_client(token: str, *, base_url: str | None = None, max_retries: int = 3) -> WebClient:
    """A ``WebClient`` that retries HTTP 429 after ``Retry-After`` (and connection errors)."""
    return WebClient(
        token=token,
        base_url=base_url or WebClient.BASE_URL,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=max_retries),
            RateLimitErrorRetryHandler(max_retry_count=max_retries),
        ],
    )


def _api_error(exc: SlackApiError) -> str:
    """What went wrong, from Slack's answer only (never the request, which holds the token)."""
    response = exc.response
    error = response.get("error") if isinstance(response.data, dict) else None
    return f"HTTP {response.status_code}: {error or 'unexpected response'}"


def _kind(entry: dict[str, Any]) -> str:
    if entry.get("is_im"):
        return "dm"
    if entry.get("is_mpim"):
        return "mpim"
    return "private" if entry.get("is_private") or entry.get("is_group") else "public"


class SlackPull:
    """One pull of a workspace; iterate :meth:`records`, then read :attr:`cursors`.

    ``since`` is the previous run's :attr:`cursors` (channel id -> latest ``ts``);
    ``cursors`` starts as a copy of it and is updated as each channel is finished.
    """

    def __init__(
        self,
        client: WebClient,
        *,
        since: dict[str, str] | None = None,
        channel_types: str = DEFAULT_CHANNEL_TYPES,
    ) -> None:
        self._client = client
        self.since: dict[str, str] = dict(since or {})
        self.cursors: dict[str, str] = dict(self.since)
        self.channel_types = channel_types

    def __repr__(self) -> str:  # never the client: it holds the token
        return f"SlackPull(channel_types={self.channel_types!r}, cursors={self.cursors!r})"

    def _pages(self, call: Callable[..., SlackResponse], key: str, **params: Any) -> Iterator[Any]:
        """The ``key`` entries of every page, following ``next_cursor`` (slack_sdk does)."""
        for page in call(**params):
            yield from _list(page.get(key))

    def _objects(
        self, call: Callable[..., SlackResponse], key: str, **params: Any
    ) -> Iterator[dict[str, Any]]:
        return (entry for entry in self._pages(call, key, **params) if isinstance(entry, dict))

    def records(self) -> Iterator[Record]:
        """Messages and Skipped records, conversation by conversation, each in ``ts`` order.

        Raises :class:`~tieline.errors.IngestError` when users or conversations cannot
        be listed (bad token, missing scope); a conversation that cannot be read is
        yielded as ``Skipped`` and the pull goes on.
        """
        client = self._client
        try:
            users = list(self._objects(client.users_list, "members", limit=_PAGE))
            listed = list(
                self._objects(
                    client.conversations_list,
                    "channels",
                    types=self.channel_types,
                    limit=_PAGE,
                )
            )
        except SlackApiError as exc:
            detail = _api_error(exc)
            raise IngestError(f"Slack API: cannot list users or conversations ({detail})") from exc
        directory = _Directory(users)
        for entry in listed:
            if _kind(entry) in {"public", "private"} and _str(entry, "id") and _str(entry, "name"):
                directory.channels[_str(entry, "id")] = _str(entry, "name")
        for entry in listed:
            if cid := _str(entry, "id"):
                try:
                    yield from self._conversation(cid, entry, directory)
                except SlackApiError as exc:
                    yield Skipped(f"slack-api:{cid}", "Slack API error", _api_error(exc))

    def _conversation(
        self, cid: str, entry: dict[str, Any], directory: _Directory
    ) -> Iterator[Record]:
        client, kind, locator = self._client, _kind(entry), f"slack-api:{cid}"
        folder = cid if kind == "dm" else _str(entry, "name") or cid
        members: tuple[str, ...] = ()
        if kind in {"dm", "mpim"}:
            found_members = self._pages(client.conversations_members, "members", channel=cid)
            members = tuple(m for m in found_members if isinstance(m, str))
        if kind == "dm":
            who = ", ".join(directory.names.get(m, m) for m in members)
            subject = f"DM: {who}" if who else "DM"
        else:
            subject = f"#{folder}" if kind in {"public", "private"} else folder
        shared = bool(entry.get("is_ext_shared") or entry.get("is_shared"))
        conv = _Conversation(folder, kind, subject, shared, members)

        found: dict[str, dict[str, Any]] = {}
        skipped: list[Skipped] = []
        latest = self.since.get(cid)
        params: dict[str, Any] = {"channel": cid, "limit": _PAGE}
        if latest:
            params["oldest"] = latest
        parents: list[str] = []
        items = self._objects(client.conversations_history, "messages", **params)
        for item in items:
            latest = self._collect(item, found, skipped, locator, directory, latest)
            reply_count = item.get("reply_count")
            if isinstance(reply_count, int) and reply_count > 0 and _str(item, "ts"):
                parents.append(_str(item, "thread_ts") or _str(item, "ts"))
        for parent in dict.fromkeys(parents):
            replies = self._objects(
                client.conversations_replies, "messages", channel=cid, ts=parent, limit=_PAGE
            )
            for item in replies:
                latest = self._collect(item, found, skipped, locator, directory, latest)

        yield from skipped
        roots = {_str(item, "thread_ts") for item in found.values()}
        authors: dict[str, Address] = {}  # ts -> author, for replies' recipients
        for ts in sorted(found, key=Decimal):
            try:
                yield _message(found[ts], ts, locator, conv, directory, authors, ts in roots)
            except Exception as exc:  # noqa: BLE001 - one bad message must not stop a pull
                yield Skipped(locator, "unparseable message", f"{type(exc).__name__}: {exc}")
        if latest:
            self.cursors[cid] = latest

    @staticmethod
    def _collect(
        item: dict[str, Any],
        found: dict[str, dict[str, Any]],
        skipped: list[Skipped],
        locator: str,
        directory: _Directory,
        latest: str | None,
    ) -> str | None:
        """File one API message under its ts; returns the new high-water mark."""
        ts = item.get("ts")
        if not isinstance(ts, str) or not _TS.match(ts):
            skipped.append(Skipped(locator, "invalid ts", repr(ts)[:40]))
            return latest
        if latest is None or Decimal(ts) > Decimal(latest):
            latest = ts
        subtype = _str(item, "subtype")
        if subtype in SLACK_SUBTYPES_SKIPPED or subtype == "tombstone" or item.get("hidden"):
            return latest
        found[ts] = item
        directory.learn(item)
        return latest


def read_slack_api(
    client: WebClient,
    *,
    since: dict[str, str] | None = None,
    channel_types: str = DEFAULT_CHANNEL_TYPES,
) -> tuple[Iterator[Record], dict[str, str]]:
    """``(records, cursors)`` of a :class:`SlackPull`; ``cursors`` is complete once
    ``records`` is exhausted (it is the pull's own dict, filled in as channels finish)."""
    pull = SlackPull(client, since=since, channel_types=channel_types)
    return pull.records(), pull.cursors
