"""Slack connector: a workspace export (ZIP file or unpacked folder) as Messages.

An export holds ``users.json``, the conversation lists ``channels.json`` (public),
``groups.json`` (private), ``dms.json`` and ``mpims.json``, and one folder per
conversation of ``YYYY-MM-DD.json`` day files, each a JSON array of message
objects. ZIP members are read one at a time, never extracted, and streamed:
a day file is parsed message by message (:mod:`tieline.ingest.jsonstream`), and
a member that would expand past :class:`ExportLimits` (its size, the export's
total, or its compression ratio) is rejected before it is expanded, as one
Skipped ("file too large", "compression ratio too high"); the other files are
read. In a folder export, links that lead out of the folder are not followed.

A conversation is read whole before its messages are yielded in ``ts`` order
(its Skipped records first): a ``message_changed`` entry replaces the text of
the message it names, ``message_deleted`` or a ``tombstone`` drops it, and a
reply finds its parent's author whichever day file holds it. Housekeeping
(:data:`SLACK_SUBTYPES_SKIPPED`: joins, topics, pins ...) is dropped silently;
bots and integrations are kept, flagged ``AutomatedKind.BOT``.

``Message.attributes``: ``slack_channel``, ``slack_channel_type`` (``public``,
``private``, ``dm``, ``mpim``), ``reactions`` (``"thumbsup:3,eyes:1"``),
``edited`` and ``shared_channel`` (Slack Connect), each only when it applies.
Recipients (all ``TO``) are the users @-mentioned, a reply's thread parent
author and, in DMs and group DMs, the other members; never the author.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from tieline.domain import (
    Address,
    AutomatedKind,
    Channel,
    IdentityKind,
    Message,
    RecipientKind,
    Record,
    Skipped,
)
from tieline.errors import IngestError
from tieline.ingest.archive import BoundedFiles, ExportLimits, Refused
from tieline.ingest.files import within
from tieline.ingest.identity import plausible_email
from tieline.ingest.jsonstream import JsonError, NotAnArray
from tieline.ingest.replies import ChatLine, attribute_replies
from tieline.ingest.slack_markup import mentioned_user_ids, render_slack_text, rich_text

__all__ = [
    "SLACK_SUBTYPES_SKIPPED",
    "ExportLimits",
    "mentioned_user_ids",
    "read_slack_export",
    "render_slack_text",
]

SLACK_SUBTYPES_SKIPPED = frozenset(
    {
        "channel_join", "channel_leave", "channel_topic", "channel_purpose", "channel_name",
        "channel_archive", "channel_unarchive", "channel_posting_permissions",
        "channel_convert_to_private", "channel_convert_to_public", "channel_canvas_updated",
        "group_join", "group_leave", "group_topic", "group_purpose", "group_name",
        "group_archive", "group_unarchive", "pinned_item", "unpinned_item", "bot_add",
        "bot_remove", "bot_enable", "bot_disable", "app_conversation_join",
        "joiner_notification", "joiner_notification_for_inviter", "reminder_add",
        "message_replied", "ekm_access_denied", "sh_room_created",
    }
)  # fmt: skip

_LISTS = (
    ("channels.json", "public"),
    ("groups.json", "private"),
    ("dms.json", "dm"),
    ("mpims.json", "mpim"),
)
_EXPORT_FILES = frozenset({"users.json"} | {name for name, _ in _LISTS})
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
_TS = re.compile(r"^(\d{1,11})(?:\.(\d{1,9}))?$")
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, ValueError)
# The email reader's date guard: later than 2100 is a broken or hostile clock.
_LATEST_TS = int(datetime(2101, 1, 1, tzinfo=UTC).timestamp())
_END = object()
# Slack caps a message at 40,000 characters; text far past that is no chat message.
_MAX_TEXT = 1 << 20
_REPLY_TEXT = 40_000  # what reply attribution reads of a message: as much as Slack allows


# --------------------------------------------------------------------------- export files


def _str(obj: Any, key: str) -> str:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, str) else ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class _Export(BoundedFiles):
    """An export's files: ``files`` the top-level JSON files (and, in a ZIP, the day
    files), ``days`` each conversation folder's day files in date order."""

    def __init__(self, root: Path, zf: zipfile.ZipFile | None, limits: ExportLimits) -> None:
        super().__init__(root, zf, limits)
        self.files: dict[str, zipfile.ZipInfo | None] = {}
        self.days: dict[str, list[str]] = {}
        if zf is None:
            for entry in root.iterdir():
                if not within(root, entry):
                    continue
                if entry.is_dir():
                    self.days[entry.name] = sorted(
                        p.name for p in entry.iterdir() if _DAY.match(p.name)
                    )
                elif entry.name in _EXPORT_FILES:
                    self.files[entry.name] = None
            return
        infos = [i for i in zf.infolist() if not i.is_dir() and "__MACOSX" not in i.filename]
        prefix = _zip_prefix([i.filename for i in infos])
        for info in infos:
            folder, _, name = info.filename.removeprefix(prefix).rpartition("/")
            if not folder and name in _EXPORT_FILES:
                self.files[name] = info
            elif folder and "/" not in folder and _DAY.match(name):
                self.days.setdefault(folder, []).append(name)
                self.files[f"{folder}/{name}"] = info
        for days in self.days.values():
            days.sort()

    def items(self, name: str) -> Iterator[Any]:  # only names listed in files or days
        """The JSON array in file ``name``, element by element."""
        return self.elements(name, self.files.get(name))


def _zip_prefix(names: list[str]) -> str:
    """The folder holding the export inside a ZIP ("" when it is at the top)."""
    found = [n for n in names if n.rpartition("/")[2] in _EXPORT_FILES]
    if not found or any("/" not in n for n in found):
        return ""
    return min(found, key=lambda n: n.count("/")).rpartition("/")[0] + "/"


# --------------------------------------------------------------------------- people


@dataclass(frozen=True, slots=True)
class _Conversation:
    folder: str  # also the name in external ids
    kind: str  # public, private, dm, mpim
    subject: str
    shared: bool
    members: tuple[str, ...]


class _Directory:
    """Users and channels by id, plus what messages tell of users missing from users.json."""

    def __init__(self, users: list[Any]) -> None:
        self.users: dict[str, dict[str, Any]] = {_str(u, "id"): u for u in users if _str(u, "id")}
        self.names = {uid: self._name(u, _dict(u.get("profile"))) for uid, u in self.users.items()}
        self.teams: dict[str, str] = {}
        self.channels: dict[str, str] = {}

    @staticmethod
    def _name(user: dict[str, Any], profile: dict[str, Any]) -> str:
        return (
            _str(profile, "real_name") or _str(user, "real_name")
            or _str(profile, "display_name") or _str(user, "name") or _str(user, "id")
        )  # fmt: skip

    def learn(self, item: dict[str, Any]) -> None:
        """Remember the name and team a message gives its author (``user_profile``...)."""
        uid = _str(item, "user")
        profile = _dict(item.get("user_profile"))
        if uid and uid not in self.users and (name := self._name(profile, profile)):
            self.names.setdefault(uid, name)
        team = _str(item, "user_team") or _str(item, "team") or _str(profile, "team")
        if uid and team:
            self.teams.setdefault(uid, team)

    def team(self, uid: str) -> str:
        return _str(self.users.get(uid), "team_id") or self.teams.get(uid) or "export"

    def address(self, uid: str) -> Address:
        ids = ((IdentityKind.SLACK, f"{self.team(uid)}:{uid}"),)
        if (user := self.users.get(uid)) is None:
            return Address("", self.names.get(uid) or uid, ids)
        profile = _dict(user.get("profile"))
        email = (_str(profile, "email") or _str(user, "email")).strip().lower()
        email = email if plausible_email(email) else ""
        return Address(email, self.names[uid], ids, _str(profile, "title"))

    def author(self, item: dict[str, Any]) -> tuple[Address, str | None]:
        """The author and, for bots and integrations, the bot's name."""
        uid, bot_id = _str(item, "user"), _str(item, "bot_id")
        user = _dict(self.users.get(uid))
        if not (
            item.get("subtype") == "bot_message" or bot_id or uid == "USLACKBOT"
            or user.get("is_bot") or user.get("is_app_user")
        ):  # fmt: skip
            return self.address(uid), None
        bot_profile = _dict(item.get("bot_profile"))
        name = (
            _str(item, "username") or _str(bot_profile, "name")
            or ("Slackbot" if uid == "USLACKBOT" else self.names.get(uid, ""))
            or bot_id or uid or "bot"
        )  # fmt: skip
        team = _str(bot_profile, "team_id") or (self.team(uid) if uid else _str(item, "team"))
        ids = ((IdentityKind.SLACK, f"{team or 'export'}:{bot_id or uid or name}"),)
        return Address("", name, ids), name


# --------------------------------------------------------------------------- reading


def read_slack_export(path: Path, *, limits: ExportLimits | None = None) -> Iterator[Record]:
    """Messages of a Slack export (ZIP file or folder), conversation by conversation.

    Raises :class:`~tieline.errors.IngestError` at once when ``path`` is no
    readable export; a bad or oversized day file or message is yielded as ``Skipped``.
    """
    if path.is_dir():
        names = [p.name for p in path.iterdir()]
    elif path.is_file():
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
        except _READ_ERRORS as exc:
            raise IngestError(f"{path}: not a readable ZIP file ({exc})") from exc
    else:
        raise IngestError(f"{path}: no such file or folder")
    if not any(name.rpartition("/")[2] in _EXPORT_FILES for name in names):
        raise IngestError(f"{path}: not a Slack export (no users.json or channels.json)")
    return _read(path, limits or ExportLimits())


def _read(path: Path, limits: ExportLimits) -> Iterator[Record]:
    if path.is_dir():
        yield from _read_export(path, _Export(path, None, limits))
    else:
        with zipfile.ZipFile(path) as zf:
            yield from _read_export(path, _Export(path, zf, limits))


def _problem(exc: Exception) -> str:
    if isinstance(exc, Refused):
        return exc.detail
    return (
        f"invalid JSON: {exc}" if isinstance(exc, JsonError) else f"{type(exc).__name__}: {exc}"
    )[:200]


def _load(export: _Export, path: Path, name: str, skipped: list[Skipped]) -> list[Any]:
    """The objects of a top-level export file; what spoils it as one Skipped."""
    if name not in export.files:
        return []
    entries: list[Any] = []
    try:
        entries.extend(e for e in export.items(name) if isinstance(e, dict))
    except Refused as exc:
        skipped.append(Skipped(f"{path}:{name}", exc.reason, exc.detail))
        return []
    except _READ_ERRORS as exc:  # JsonError is a ValueError
        # users.json is read whole or not at all: half a directory misnames people.
        skipped.append(Skipped(f"{path}:{name}", "invalid Slack export file", _problem(exc)))
        return []
    return entries


def _read_export(path: Path, export: _Export) -> Iterator[Record]:
    skipped: list[Skipped] = []
    directory = _Directory(_load(export, path, "users.json", skipped))
    conversations: dict[str, _Conversation] = {}  # by folder
    for file, kind in _LISTS:
        for entry in _load(export, path, file, skipped):
            cid, name = _str(entry, "id"), _str(entry, "name")
            if cid and name and kind in {"public", "private"}:
                directory.channels[cid] = name
            candidates = (cid, name) if kind == "dm" else (name, cid)
            folder = next((c for c in candidates if c and c in export.days), "")
            if not folder or folder in conversations:
                continue
            members = tuple(m for m in _list(entry.get("members")) if isinstance(m, str))
            if kind == "dm":
                who = ", ".join(directory.names.get(m, m) for m in members)
                subject = f"DM: {who}" if who else "DM"
            else:
                subject = f"#{folder}" if kind in {"public", "private"} else folder
            shared = bool(entry.get("is_ext_shared") or entry.get("is_shared"))
            conversations[folder] = _Conversation(folder, kind, subject, shared, members)
    yield from skipped
    for conversation in conversations.values():
        yield from _read_conversation(path, export, conversation, directory)


def _read_conversation(
    path: Path, export: _Export, conv: _Conversation, directory: _Directory
) -> Iterator[Record]:
    found: dict[str, tuple[dict[str, Any], str]] = {}  # ts -> (message, locator)
    changes: dict[str, tuple[Decimal, dict[str, Any], str]] = {}  # ts -> (when, new, locator)
    deleted: set[str] = set()
    for day in export.days.get(conv.folder, []):
        locator = f"{path}:{conv.folder}/{day}"
        items = export.items(f"{conv.folder}/{day}")
        while True:
            try:
                item = next(items, _END)
            except Refused as exc:
                yield Skipped(locator, exc.reason, exc.detail)
                break
            except NotAnArray:
                yield Skipped(locator, "invalid Slack day file", "not a JSON array")
                break
            except _READ_ERRORS as exc:  # the messages before the fault are kept
                yield Skipped(locator, "invalid Slack day file", _problem(exc))
                break
            if item is _END:
                break
            subtype = _str(item, "subtype")
            ts = item.get("ts") if isinstance(item, dict) else None
            if not isinstance(item, dict):
                yield Skipped(locator, "not a message object", repr(item)[:80])
            elif subtype in SLACK_SUBTYPES_SKIPPED:
                continue
            elif subtype == "message_deleted":
                deleted.add(_str(item, "deleted_ts") or _str(item.get("previous_message"), "ts"))
            elif subtype == "message_changed":
                new = _dict(item.get("message"))
                new_ts = _str(new, "ts")
                if not _TS.match(new_ts):
                    yield Skipped(locator, "message_changed without message ts", new_ts[:40])
                elif _str(new, "subtype") == "tombstone":
                    deleted.add(new_ts)
                else:
                    when = Decimal(ts) if isinstance(ts, str) and _TS.match(ts) else Decimal(0)
                    if new_ts not in changes or when >= changes[new_ts][0]:
                        changes[new_ts] = (when, new, locator)
                    directory.learn(new)
            elif subtype == "tombstone" and isinstance(ts, str):
                deleted.add(ts)
            elif item.get("hidden"):
                continue
            elif ts is None or ts == "":
                yield Skipped(locator, "message without ts", _str(item, "text")[:80])
            elif not isinstance(ts, str) or not _TS.match(ts):
                yield Skipped(locator, "invalid ts", repr(ts)[:40])
            elif int(ts.partition(".")[0]) >= _LATEST_TS:
                year = 1970 + int(ts.partition(".")[0]) // 31_556_952
                yield Skipped(locator, "invalid ts", f"{ts!r} is in the year {year}, after 2100")
            else:
                found[ts] = (item, locator)
                directory.learn(item)
    for ts, (_, new, locator) in changes.items():
        old, old_locator = found.get(ts, ({}, locator))
        edited = old.get("edited") or new.get("edited") or _str(new, "text") != _str(old, "text")
        found[ts] = ({**old, **new, "edited": edited}, old_locator)
    for ts in deleted:
        found.pop(ts, None)
    roots = {_str(item, "thread_ts") for item, _ in found.values()}
    authors: dict[str, Address] = {}  # ts -> author, for replies' recipients
    records: list[Record] = []
    for ts in sorted(found, key=Decimal):
        item, locator = found[ts]
        try:
            records.append(_message(item, ts, locator, conv, directory, authors, ts in roots))
        except Exception as exc:  # noqa: BLE001 - one bad message must not stop an export
            records.append(Skipped(locator, "unparseable message", f"{type(exc).__name__}: {exc}"))
    yield from attribute_unthreaded(records)


def attribute_unthreaded(records: list[Record]) -> list[Record]:
    """Link top-level messages of one conversation to the message they most likely answer.

    People often reply in the channel instead of in a thread; those messages get
    an ``in_reply_to`` from :func:`tieline.ingest.replies.attribute_replies`
    (mentions, recency, conversation partners, word overlap) and the attribute
    ``reply_attributed = "heuristic"`` so nobody mistakes it for a Slack thread.
    """
    top = [
        r for r in records
        if isinstance(r, Message) and r.provider_thread_id is None and not r.automated
    ]  # fmt: skip
    if len(top) < 2:
        return records
    lines = [
        ChatLine(
            key=m.external_id,
            at=m.sent_at,
            author=m.author.ids[0][1] if m.author.ids else m.author.email,
            text=m.body[:_REPLY_TEXT],
            mentions=tuple(a.ids[0][1] for _, a in m.recipients if a.ids),
        )
        for m in top
    ]
    parents = attribute_replies(lines)
    linked: dict[str, Message] = {}
    for m in top:
        parent = parents.get(m.external_id)
        if parent is not None and parent != m.external_id:
            linked[m.external_id] = replace(
                m, in_reply_to=parent, attributes={**m.attributes, "reply_attributed": "heuristic"}
            )
    if not linked:
        return records
    return [linked.get(r.external_id, r) if isinstance(r, Message) else r for r in records]


def _sent_at(ts: str) -> datetime:
    match = _TS.match(ts)
    assert match is not None  # checked when the message was collected
    micro = int((match.group(2) or "").ljust(6, "0")[:6])
    return datetime.fromtimestamp(int(match.group(1)), UTC).replace(microsecond=micro)


def _attachment_text(item: dict[str, Any]) -> str:
    titles = [_str(f, "title") or _str(f, "name") for f in _list(item.get("files"))]
    titles += [_str(a, "title") or _str(a, "fallback") for a in _list(item.get("attachments"))]
    return "\n".join(t.strip() for t in titles if t.strip())


def _reactions(item: dict[str, Any]) -> str:
    out = []
    for reaction in _list(item.get("reactions")):
        count = _dict(reaction).get("count")
        if not isinstance(count, int):
            count = len(_list(_dict(reaction).get("users")))
        if name := _str(reaction, "name"):
            out.append(f"{name}:{count}")
    return ",".join(out)


def _message(
    item: dict[str, Any],
    ts: str,
    locator: str,
    conv: _Conversation,
    directory: _Directory,
    authors: dict[str, Address],
    root: bool,
) -> Record:
    external_id = f"slack:{conv.folder}:{ts}"
    if not (_str(item, "user") or _str(item, "bot_id") or item.get("subtype") == "bot_message"):
        return Skipped(locator, "message without user", _str(item, "text")[:80], external_id)
    author, bot = directory.author(item)
    authors[ts] = author
    given = item.get("text")
    # Exports write text as a string; other tools give a list or only rich-text blocks.
    text = given if isinstance(given, str) else rich_text(given)
    if not text.strip():
        text = rich_text(item.get("blocks"))
    if len(text) > _MAX_TEXT:
        detail = f"{len(text):,} characters of text (Slack allows 40,000)"
        return Skipped(locator, "message too large", detail, external_id)
    body = render_slack_text(text, directory.names, directory.channels).strip()
    body = body or _attachment_text(item)
    if not body:
        detail = "no text, blocks, files or attachments"
        if given is not None and not isinstance(given, str):
            detail = f"text is a JSON {type(given).__name__} with no text in it; no blocks or files"
        return Skipped(locator, "empty message", detail, external_id)
    thread_ts = _str(item, "thread_ts")
    reply = bool(thread_ts) and thread_ts != ts
    audience = [directory.address(uid) for uid in mentioned_user_ids(text)]
    if reply and (parent := authors.get(thread_ts)) is not None:
        audience.append(parent)
    elif reply and (parent_uid := _str(item, "parent_user_id")):
        audience.append(directory.address(parent_uid))
    if conv.kind in {"dm", "mpim"}:
        audience += [directory.address(uid) for uid in conv.members]
    recipients: list[tuple[RecipientKind, Address]] = []
    seen = {author.ids[0][1].rpartition(":")[2]}  # user ids, whatever team they were given
    for address in audience:
        if (key := address.ids[0][1].rpartition(":")[2]) not in seen:
            seen.add(key)
            recipients.append((RecipientKind.TO, address))
    attributes = {"slack_channel": conv.folder, "slack_channel_type": conv.kind}
    if reactions := _reactions(item):
        attributes["reactions"] = reactions
    if item.get("edited"):
        attributes["edited"] = "true"
    if conv.shared:
        attributes["shared_channel"] = "true"
    digest = hashlib.sha256("\x1f".join((author.ids[0][1], ts, text)).encode()).hexdigest()
    return Message(
        external_id=external_id,
        channel=Channel.SLACK,
        sent_at=_sent_at(ts),
        author=author,
        subject=conv.subject,
        body=body,
        recipients=tuple(recipients),
        in_reply_to=f"slack:{conv.folder}:{thread_ts}" if reply else None,
        provider_thread_id=f"slack:{conv.folder}:{thread_ts or ts}" if reply or root else None,
        automated_kind=AutomatedKind.BOT if bot is not None else None,
        automated_reason=f"slack bot {bot}" if bot is not None else None,
        content_hash=digest,
        locator=locator,
        size_bytes=len(text.encode("utf-8")),
        attributes=attributes,
    )
