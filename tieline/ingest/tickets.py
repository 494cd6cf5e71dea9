"""Ticket connectors: Zendesk JSON exports, and other systems' exports through a column mapping.

:func:`read_zendesk_export` turns every *public* Zendesk comment into a Message
``zendesk:<ticket>:<comment>``; internal notes (``public: false``) are dropped without a
Skipped, being agents' asides rather than conversation with the customer, and not errors.
:func:`read_ticket_csv` reads Jira, Freshdesk, Intercom ... exports (CSV, JSON array or JSON
lines) through a :class:`TicketMapping`, one Message ``<system>:<ticket>:<comment>`` a row.
Both thread a ticket's messages in time order, each replying to the one before, and clean
bodies with :func:`~tieline.ingest.cleaning.clean_body` (comments sent by email carry quotes
and signatures).

Memory: both readers hold the whole export before yielding (thread order needs all of a
ticket's comments): roughly 2-3 KB of Python objects per comment, ~250 MB for 100k comments.
Ticket exports are that small; split larger ones by date.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

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
from tieline.errors import ConfigError, IngestError
from tieline.ingest.cleaning import clean_body, html_to_text
from tieline.ingest.files import within
from tieline.ingest.identity import plausible_email
from tieline.ingest.ticket_files import load_records, load_rows, read_file

__all__ = ["TicketMapping", "read_ticket_csv", "read_zendesk_export"]

Row = dict[str, Any]
Automation = tuple[AutomatedKind, str] | None

_TRUTHY = frozenset({"true", "1", "yes", "y", "public"})
_TICKET_KINDS = frozenset({"ticket", "issue", "description", "question", "request"})
_AUTOMATED_ROLES = frozenset({"system", "api", "trigger", "automation"})
_LIST_KEYS = ("tickets", "issues", "rows", "data", "results")

# --------------------------------------------------------------------------- shared helpers


def _text(value: Any) -> str:
    """A cell or JSON value as text: lists joined with ", ", objects as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(t for t in (_text(v) for v in value) if t)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value).strip()


def _email(value: str) -> str:
    """An author's address, lower-cased, from ``a@b.io`` or ``Name <a@b.io>``; "" when
    the value is no plausible address (markup, spaces, no domain)."""
    email = value.strip().lower()
    if email and not plausible_email(email):
        email = parseaddr(value)[1].strip().lower()
    return email if email and plausible_email(email) else ""


def _obj(value: Any) -> Row:
    return value if isinstance(value, dict) else {}


def _parse_date(value: Any, fmt: str | None = None) -> datetime | None:
    """ISO 8601 (or strptime ``fmt``) or epoch seconds/ms, in UTC; naive times are UTC."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            parsed = datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
        elif not (raw := _text(value)):
            return None
        else:
            parsed = datetime.strptime(raw, fmt) if fmt else datetime.fromisoformat(raw)
    except (ValueError, OverflowError, OSError):
        return None
    if not 1971 <= parsed.year <= 2100:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _iso(value: Any) -> str:
    parsed = _parse_date(value)
    return parsed.isoformat() if parsed else _text(value)


def _public(value: Any) -> bool:
    """Public unless the value says otherwise: a missing key or an empty cell is public."""
    if value is None or value == "" or isinstance(value, bool):
        return value is not False
    return _text(value).lower() in _TRUTHY


@dataclass(frozen=True, slots=True)
class _Draft:
    """A message of a ticket before threading."""

    sent_at: datetime
    external_id: str
    author: Address
    text: str  # raw, before cleaning
    locator: str
    automation: Automation = None
    recipients: tuple[tuple[RecipientKind, Address], ...] = ()
    extra: Mapping[str, str] = field(default_factory=dict)  # per-message attributes


def _threaded(
    drafts: list[_Draft], thread: str, subject: str, attributes: Mapping[str, str]
) -> Iterator[Message]:
    """One ticket's messages in time order, each replying to the one before."""
    previous: str | None = None
    for d in sorted(drafts, key=lambda d: d.sent_at):  # stable: input order breaks ties
        extra = {**d.extra, **({} if previous else {"first_comment": "true"})}
        cleaned = clean_body(d.text)
        key = d.author.email or ",".join(v for _, v in d.author.ids) or d.author.name
        digest = "\x1f".join((key, d.sent_at.isoformat(), subject, d.text))
        yield Message(
            external_id=d.external_id,
            channel=Channel.TICKET,
            sent_at=d.sent_at,
            author=d.author,
            subject=subject,
            body=cleaned.text,
            recipients=d.recipients,
            quoted_text=cleaned.quoted,
            signature=cleaned.signature,
            in_reply_to=previous,
            provider_thread_id=thread,
            automated_kind=d.automation[0] if d.automation else None,
            automated_reason=d.automation[1] if d.automation else None,
            content_hash=hashlib.sha256(digest.encode("utf-8", "replace")).hexdigest(),
            locator=d.locator,
            size_bytes=len(d.text.encode("utf-8")),
            attributes={**attributes, **extra} if extra else attributes,
        )
        previous = d.external_id


# --------------------------------------------------------------------------- Zendesk


def _load_zendesk(path: Path) -> tuple[dict[str, list[Row]], list[Skipped]]:
    """The export's tickets, users, organizations and top-level comments, and bad lines."""
    parts = {"tickets": ("tickets",), "users": ("users",), "organizations": ("organizations",),
             "comments": ("ticket_comments", "comments")}  # fmt: skip
    if path.is_dir():
        out: dict[str, list[Row]] = {}
        skipped: list[Skipped] = []
        for part, stems in parts.items():
            files = [path / f"{s}{x}" for s in stems for x in (".jsonl", ".json", ".ndjson")]
            found = next((f for f in files if f.is_file()), None)
            if found is not None and not within(path, found):
                detail = f"not followed out of {path}"
                skipped.append(Skipped(str(found), "link outside the input folder", detail))
                found = None
            if found is None and part == "tickets":
                raise IngestError(f"{path}: no tickets.json or tickets.jsonl in the folder")
            data, bad = read_file(found) if found else ([], [])
            skipped += bad
            out[part] = load_rows(found or path, data, (*stems, "comments"), skipped)
        return out, skipped
    if not path.is_file():
        raise IngestError(f"{path} does not exist")
    data, skipped = read_file(path)
    if isinstance(data, list):  # tickets only (JSON lines or an array), comments embedded
        return {"tickets": load_rows(path, data, (), skipped)}, skipped
    if not isinstance(data, dict) or not isinstance(data.get("tickets"), list):
        raise IngestError(f"{path}: no top-level 'tickets' list")
    out = {}
    for part, keys in parts.items():
        key = next((k for k in keys if isinstance(data.get(k), list)), None)
        out[part] = load_rows(path, data[key], (), skipped) if key else []
    return out, skipped


def _title(user: Row) -> str:
    extra = _obj(user.get("user_fields"))
    titles = (user.get("title"), extra.get("title"), extra.get("job_title"))
    return next((t for t in map(_text, titles) if t), "")


def read_zendesk_export(path: Path, *, subdomain: str | None = None) -> Iterator[Record]:
    """Messages from a Zendesk JSON export: the public comments of each ticket.

    Accepts one JSON file (``tickets``, ``users``, ``organizations``; comments embedded as
    ``ticket["comments"]`` or in a top-level ``ticket_comments``/``comments`` list keyed by
    ``ticket_id``), a JSON-lines file of tickets with embedded comments, or a folder of
    ``tickets``, ``users``, ``organizations`` and ``ticket_comments`` files, each ``.json`` or
    ``.jsonl`` (Zendesk's incremental exports are JSON lines). Attributes, the same dict on
    every message of a ticket: ``ticket_id status priority ticket_type requester assignee
    organization satisfaction satisfaction_comment created_at solved_at`` (empty ones left
    out), plus ``first_comment = "true"`` on the ticket's first public comment.
    Author and recipient ids are ``(IdentityKind.ZENDESK, "<subdomain>:<user id>")``: the
    subdomain argument, else the first label of the ticket ``url`` host, else ``"zendesk"``.
    Recipients: the requester as TO (the assignee when the requester writes), the assignee,
    collaborators, email CCs and followers as CC, never the author. Comments by a ``system``
    or API user, or ``via`` a rule or the API with no known user as author, are NOTIFICATION.
    Bad tickets and comments are Skipped at ``<path>#ticket=<id>``; raises IngestError only
    when the export cannot be read at all.
    """
    export, skipped = _load_zendesk(path)
    yield from skipped
    users = {_text(u.get("id")): u for u in export.get("users", []) if _text(u.get("id"))}
    orgs = {_text(o.get("id")): _text(o.get("name")) for o in export.get("organizations", [])}
    by_ticket: dict[str, list[Row]] = {}
    for comment in export.get("comments", []):
        by_ticket.setdefault(_text(comment.get("ticket_id")), []).append(comment)
    for orphan in by_ticket.pop("", []):
        yield Skipped(f"{path}#comment={_text(orphan.get('id'))}", "comment without ticket id")
    # Incremental exports repeat a ticket at each update: the last version wins.
    latest = {_text(t.get("id")) or f"?{n}": t for n, t in enumerate(export["tickets"])}
    for ticket in latest.values():
        embedded = ticket.get("comments")
        comments = (
            embedded if isinstance(embedded, list) else by_ticket.get(_text(ticket.get("id")), [])
        )
        host = urlparse(_text(ticket.get("url"))).hostname
        sub = subdomain or (host.split(".")[0] if host else "zendesk")
        yield from _zendesk_ticket(path, ticket, comments, users, orgs, sub)


def _zendesk_ticket(
    path: Path, ticket: Row, comments: list[Any], users: dict[str, Row],
    orgs: dict[str, str], sub: str,
) -> Iterator[Record]:  # fmt: skip
    tid = _text(ticket.get("id"))
    locator = f"{path}#ticket={tid or '?'}"
    if not tid:
        yield Skipped(locator, "missing ticket id", f"subject {_text(ticket.get('subject'))!r}")
        return
    if not comments:
        yield Skipped(locator, "no comments", "the export holds no comments for this ticket")
        return

    def address(uid: str) -> Address:
        user = users.get(uid, {})
        ids = ((IdentityKind.ZENDESK, f"{sub}:{uid}"),) if uid else ()
        email = _email(_text(user.get("email")))
        return Address(email=email, name=_text(user.get("name")), ids=ids, title=_title(user))

    rating = _obj(ticket.get("satisfaction_rating"))
    requester, assignee = _text(ticket.get("requester_id")), _text(ticket.get("assignee_id"))
    attributes = {
        "ticket_id": tid,
        "status": _text(ticket.get("status")),
        "priority": _text(ticket.get("priority")),
        "ticket_type": _text(ticket.get("type")),
        "requester": address(requester).email if requester else "",
        "assignee": address(assignee).email if assignee else "",
        "organization": orgs.get(_text(ticket.get("organization_id")), ""),
        "satisfaction": _text(rating.get("score")).lower().removesuffix("_with_comment"),
        "satisfaction_comment": _text(rating.get("comment")),
        "created_at": _iso(ticket.get("created_at")),
        "solved_at": _iso(
            ticket.get("solved_at") or _obj(ticket.get("metric_set")).get("solved_at")
        ),
    }
    attributes = {k: v for k, v in attributes.items() if v}
    copied = [_text(v) for key in ("collaborator_ids", "email_cc_ids", "follower_ids")
              if isinstance(ticket.get(key), list) for v in ticket[key]]  # fmt: skip
    drafts: list[_Draft] = []
    for item in {_text(_obj(c).get("id")) or f"?{n}": c for n, c in enumerate(comments)}.values():
        comment = _obj(item)
        if not _public(comment.get("public")):
            continue  # internal note: dropped on purpose, see the module docstring
        cid, author_id = _text(comment.get("id")), _text(comment.get("author_id"))
        external_id = f"zendesk:{tid}:{cid}"
        if not cid:
            yield Skipped(locator, "missing comment id", _text(item)[:80])
            continue
        sent_at = _parse_date(comment.get("created_at"))
        if sent_at is None:
            detail = f"comment {cid}: created_at {comment.get('created_at')!r}"
            yield Skipped(locator, "unparseable date", detail, external_id)
            continue
        if not author_id:  # every author needs a key; Zendesk's own system user is -1
            yield Skipped(locator, "missing author", f"comment {cid} has no author_id", external_id)
            continue
        user = users.get(author_id)
        role = _text(_obj(user).get("role")).lower()
        via = _obj(comment.get("via"))
        channel = _text(via.get("channel")).lower()
        rel = _text(_obj(via.get("source")).get("rel"))
        automation: Automation = None
        if role in _AUTOMATED_ROLES:
            automation = AutomatedKind.NOTIFICATION, f"{role} user {_text(_obj(user).get('name'))}"
        elif channel in ("rule", "api") and user is None:
            how = f"via {channel} ({rel})" if rel else f"via {channel}"
            automation = AutomatedKind.NOTIFICATION, f"{how} with no human author"
        text = _text(comment.get("plain_body")) or _text(comment.get("body"))
        if not text and _text(comment.get("html_body")):
            text = html_to_text(_text(comment.get("html_body")))
        if not text:
            yield Skipped(locator, "empty body", f"comment {cid} has no text", external_id)
            continue
        # The requester is TO unless writing; then the assignee is. Everyone else is CC.
        targets = [u for u in dict.fromkeys([requester, assignee, *copied]) if u and u != author_id]
        recipients = tuple(
            (RecipientKind.CC if n else RecipientKind.TO, address(u)) for n, u in enumerate(targets)
        )
        drafts.append(_Draft(sent_at, external_id, address(author_id), text,
                             f"{locator}&comment={cid}", automation, recipients))  # fmt: skip
    yield from _threaded(drafts, f"zendesk:{tid}", _text(ticket.get("subject")), attributes)


# --------------------------------------------------------------------------- mapped exports

_MESSAGE_FIELDS = ("comment_id", "created_at", "author_email", "author_name", "author_id", "body")
_COMMENT_FIELDS = (*_MESSAGE_FIELDS, "public")
_REQUIRED = ("system", "ticket_id", "created_at", "body")
_TABLES = ("comment_columns", "attributes")


@dataclass(frozen=True, slots=True)
class TicketMapping:
    """Which column holds what in one system's ticket export; load with :meth:`from_toml`.

    Values name columns: CSV headers or JSON keys, ``a.b`` reaching into nested objects.
    Required: ``system`` (the id prefix, e.g. "jira"), ``ticket_id``, ``created_at``, ``body``.
    Optional: ``comment_id`` (default: the row's position in its ticket in file order, the
    opening row first, from 0; re-sorting such a file changes the ids), ``author_email``,
    ``author_name``, ``author_id`` (a row with neither id nor email gets its author name as
    id), ``subject``, ``status``, ``priority``, ``public`` (true/1/yes/y/public or an empty
    cell is public; other rows are internal notes, dropped), ``row_kind`` (ticket/issue/
    description/question/request mark a ticket's opening row, other values a comment),
    ``date_format`` (strptime; default ISO 8601; naive times are UTC).
    When ``subject`` and ``body`` name the same column, its first line is the subject.
    Nested comments (JSON): ``comments_field`` names a list of comment objects in each ticket
    record and the ``[comment_columns]`` table their columns for the message fields and
    ``public`` (unset ones: the ticket's columns). ``[attributes]`` maps extra attribute names
    to ticket columns, e.g. ``resolved_at = "resolved"``; names ending in ``_at`` are dates,
    stored as ISO 8601 UTC when they parse.
    """

    system: str
    ticket_id: str
    created_at: str
    body: str
    comment_id: str | None = None
    author_email: str | None = None
    author_name: str | None = None
    author_id: str | None = None
    subject: str | None = None
    status: str | None = None
    priority: str | None = None
    public: str | None = None
    row_kind: str | None = None
    date_format: str | None = None
    comments_field: str | None = None
    comment_columns: Mapping[str, str] = field(default_factory=dict)
    attributes: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_toml(cls, path: Path) -> TicketMapping:
        """Load and check a mapping file; raises ConfigError saying what is wrong."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read ticket mapping {path}: {exc}") from exc
        known = {f.name for f in fields(cls)}
        problems = [f"unknown key {k!r}" for k in data if k not in known]
        problems += [f"missing {k!r}" for k in _REQUIRED if k not in data]
        for key, value in data.items():
            table = key in _TABLES
            if table and not (
                isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
            ):
                problems.append(f"{key!r} must be a table of strings")
            elif not table and not isinstance(value, str):
                problems.append(f"{key!r} must be a string")
        extra = sorted(set(_obj(data.get("comment_columns"))) - set(_COMMENT_FIELDS))
        problems += [f"unknown comment_columns key {k!r}" for k in extra]
        if problems:
            raise ConfigError(f"invalid ticket mapping {path}: {'; '.join(problems)}")
        return cls(**data)


@dataclass(frozen=True, slots=True)
class _Row:
    locator: str
    kind: str  # "ticket", "comment", or "" when the export does not say
    values: dict[str, str]  # mapping field name -> text
    attributes: dict[str, str]


def _get(record: Row, column: str | None) -> str:
    if not column:
        return ""
    if column in record:
        return _text(record[column])
    value: Any = record
    for part in column.split("."):
        value = _obj(value).get(part)
    return _text(value)


def _rows(mapping: TicketMapping, record: Row, locator: str) -> list[_Row]:
    """A record as mapped values: one row, or a ticket row and its nested comments."""
    names = (*_COMMENT_FIELDS, "ticket_id", "subject", "status", "priority")
    values = {name: _get(record, getattr(mapping, name)) for name in names}
    if mapping.subject and mapping.subject == mapping.body:  # "Title\n\nDescription"
        subject, _, body = values["body"].partition("\n")
        values["subject"], values["body"] = subject.strip(), body.strip()
    kind = _get(record, mapping.row_kind).lower()
    kind = ("ticket" if kind in _TICKET_KINDS else "comment") if kind else ""
    attributes = {name: _get(record, column) for name, column in mapping.attributes.items()}
    nested = record.get(mapping.comments_field) if mapping.comments_field else None
    if not isinstance(nested, list):
        return [_Row(locator, kind, values, attributes)]
    rows = [_Row(locator, "ticket", values, attributes)]
    for n, comment in enumerate(nested, 1):
        own = {
            name: _get(_obj(comment), mapping.comment_columns.get(name, getattr(mapping, name)))
            for name in _COMMENT_FIELDS
        }
        rows.append(_Row(f"{locator}&comment={n}", "comment", {**values, **own}, attributes))
    return rows


def read_ticket_csv(path: Path | Sequence[Path], *, mapping: TicketMapping) -> Iterator[Record]:
    """Messages from CSV / JSON / JSON-lines ticket exports, read through ``mapping``.

    Several paths are pooled, so tickets and comments may sit in separate files. Each row
    is a Message ``<system>:<ticket>:<comment>`` on thread ``<system>:<ticket>``, replying
    to the ticket's previous message in time order; author ids are ``(IdentityKind.TICKETS,
    "<system>:<author id>")``. Subject, status, priority and ``[attributes]`` come from the
    ticket's opening row (else its first row that has them) and are the same on every message
    of the ticket; ``row_kind`` ("ticket"/"comment", when known) and ``first_comment`` are
    per message. Bad rows are Skipped at ``<path>#row=<n>``; an empty body is skipped except
    on an opening row. Rows that cannot be decoded or parsed are Skipped at ``<path>#line=<n>``
    (see :mod:`tieline.ingest.ticket_files`) and the rest of the file is read; an author
    email that is no plausible address is dropped (the row is skipped if nothing else
    names the author). Recipients stay empty: these exports do not say who was addressed.
    """
    paths = [Path(path)] if isinstance(path, str | Path) else [Path(p) for p in path]
    groups: dict[str, list[_Row]] = {}
    for file in paths:
        data, skipped = read_file(file)
        records, deep = load_records(file, data, _LIST_KEYS)
        if records and not any(_get(r, mapping.ticket_id) for _, r in records):
            raise IngestError(f"{file}: no row has a {mapping.ticket_id!r}; check the mapping")
        yield from skipped
        yield from deep
        for n, record in records:
            for row in _rows(mapping, record, f"{file}#row={n}"):
                if row.values["ticket_id"]:
                    groups.setdefault(row.values["ticket_id"], []).append(row)
                else:
                    yield Skipped(row.locator, "missing ticket id", f"{mapping.ticket_id!r} empty")
    for tid, rows in groups.items():
        yield from _mapped_ticket(mapping, tid, rows)


def _mapped_ticket(mapping: TicketMapping, tid: str, rows: list[_Row]) -> Iterator[Record]:
    ranked = sorted(rows, key=lambda r: r.kind != "ticket")  # the opening row first

    def first(name: str, attribute: bool = False) -> str:
        found = (r.attributes.get(name) if attribute else r.values.get(name) for r in ranked)
        return next((v for v in found if v), "")

    attributes = {"ticket_id": tid, "status": first("status"), "priority": first("priority")}
    for name in mapping.attributes:  # "*_at" values are dates: ISO 8601 UTC where they parse
        value = first(name, attribute=True)
        parsed = _parse_date(value, mapping.date_format) if name.endswith("_at") else None
        attributes[name] = parsed.isoformat() if parsed else value
    attributes = {k: v for k, v in attributes.items() if v}
    drafts: list[_Draft] = []
    seen: set[str] = set()
    for index, row in enumerate(ranked):  # ids default to this position: opening row 0
        v = row.values
        external_id = f"{mapping.system}:{tid}:{v['comment_id'] or index}"
        if not _public(v["public"]):
            continue  # internal note, dropped like Zendesk's
        sent_at = _parse_date(v["created_at"], mapping.date_format)
        fmt = f" (date_format {mapping.date_format!r})" if mapping.date_format else ""
        if sent_at is None:
            detail = f"created_at {v['created_at']!r}{fmt}"
            yield Skipped(row.locator, "unparseable date", detail, external_id)
            continue
        if external_id in seen:
            yield Skipped(row.locator, "duplicate comment id", external_id, external_id)
            continue
        email = _email(v["author_email"])
        if not (email or v["author_name"] or v["author_id"]):
            reason, detail = "missing author", "no email, name or id"
            if v["author_email"]:
                reason, detail = "invalid author email", repr(v["author_email"][:80])
            yield Skipped(row.locator, reason, detail, external_id)
        elif not v["body"] and row.kind != "ticket":
            yield Skipped(row.locator, "empty body", "", external_id)
        else:
            seen.add(external_id)
            # Every author needs a key: a name stands in for an id when there is no email.
            # An address that is no address is dropped; the name or id still says who.
            aid = v["author_id"] or ("" if email else v["author_name"])
            ids = ((IdentityKind.TICKETS, f"{mapping.system}:{aid}"),) if aid else ()
            author = Address(email=email, name=v["author_name"], ids=ids)
            extra = {"row_kind": row.kind} if row.kind else {}
            drafts.append(_Draft(sent_at, external_id, author, v["body"], row.locator, extra=extra))
    yield from _threaded(drafts, f"{mapping.system}:{tid}", first("subject"), attributes)
