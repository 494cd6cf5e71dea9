"""Make every record storable before it reaches the database, on SQLite and PostgreSQL.

Connectors read what a source holds, and sources hold anything: NUL bytes
(which PostgreSQL text cannot contain), lone UTF-16 surrogates (which no
driver can encode), Message-IDs and thread ids longer than their columns,
display names and addresses longer than any real one. SQLite takes most of
that; PostgreSQL refuses it and would stop the batch. This is the one place
such values are made to fit; the store calls it on every message, skipped
record and participant it writes.

* Text: NUL removed, split surrogate pairs joined, lone surrogates replaced
  by U+FFFD.
* Identifiers (message ids, thread ids, addresses, source-system ids, name
  keys, domains): an over-long value becomes a stable key derived from the
  whole value (a prefix and a hash), so two different long ids never collide,
  the same id always maps to the same key (re-runs add nothing, replies still
  find their parent), and the message keeps the original in its attributes.
* Names and titles: cut to the column, ending in "…"; the identity keeps the
  full display name (a text column).

Column sizes are read from the models, so this follows the schema.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import String

from tieline import domain
from tieline.store.models import (
    Account,
    AccountDomain,
    Base,
    Identity,
    Message,
    Person,
    SkippedRecord,
)

__all__ = [
    "MASS_MAILING",
    "bound_recipients",
    "clean_text",
    "fit_key",
    "fit_rows",
    "fit_text",
    "limit_of",
    "person_name",
    "storable_message",
    "storable_participant",
    "storable_skipped",
]

# The attribute a message bounded by ``bound_recipients`` carries: "true".
MASS_MAILING = "mass_mailing"

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_HASH_MARK = "~h"
_HASH_LEN = 32  # hex digits of SHA-256 kept: 128 bits, collisions out of reach


def limit_of(model: type[Base], column: str) -> int:
    """The declared length of the ``String(n)`` column ``column`` of ``model``."""
    kind = model.__table__.c[column].type
    if not isinstance(kind, String) or kind.length is None:
        raise TypeError(f"{model.__name__}.{column} is not a sized string column")
    return kind.length


_EXTERNAL_ID = limit_of(Message, "external_id")
_IN_REPLY_TO = limit_of(Message, "in_reply_to")
_PROVIDER_THREAD = limit_of(Message, "provider_thread_id")
_AUTOMATED_REASON = limit_of(Message, "automated_reason")
_CONTENT_HASH = limit_of(Message, "content_hash")
_IDENTITY = limit_of(Identity, "value")
_NAME_KEY = limit_of(Identity, "name_key")
_DOMAIN = min(limit_of(Identity, "domain"), limit_of(AccountDomain, "domain"))
_PERSON_NAME = limit_of(Person, "name")
_TITLE = limit_of(Person, "title")
_ACCOUNT_NAME = limit_of(Account, "name")
_SKIP_LOCATOR = limit_of(SkippedRecord, "locator")
_SKIP_EXTERNAL_ID = limit_of(SkippedRecord, "external_id")
_SKIP_REASON = limit_of(SkippedRecord, "reason")


def clean_text(value: str) -> str:
    """``value`` without what no database text column takes (NUL, lone surrogates)."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # A pair split into two code points (JSON "\ud83d\ude00") is joined back;
        # a lone half has no character to stand for.
        value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
        value = _LONE_SURROGATE.sub("\ufffd", value)
    return value


def fit_key(value: str, limit: int) -> str:
    """``value`` if it fits ``limit`` characters, else a stable key derived from all of it."""
    value = clean_text(value)
    if len(value) <= limit:
        return value
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:_HASH_LEN]
    return value[: limit - len(_HASH_MARK) - _HASH_LEN] + _HASH_MARK + digest


def fit_text(value: str, limit: int) -> str:
    """``value`` cut to ``limit`` characters (ending in "…" when cut), for names and labels."""
    value = clean_text(value)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _fit_address(email: str) -> str:
    """An address as an identity value: an over-long local part is hashed, the domain kept."""
    email = clean_text(email)
    if len(email) <= _IDENTITY:
        return email
    local, at, dom = email.rpartition("@")
    room = _IDENTITY - len(dom) - 1
    if at and room > len(_HASH_MARK) + _HASH_LEN + 8:
        return fit_key(local, room) + "@" + dom
    return fit_key(email, _IDENTITY)


def _address(a: domain.Address) -> domain.Address:
    email, name, title = clean_text(a.email), clean_text(a.name), clean_text(a.title)
    ids = tuple((kind, clean_text(v)) for kind, v in a.ids)
    if (email, name, title, ids) == (a.email, a.name, a.title, a.ids):
        return a
    return domain.Address(email=email, name=name, ids=ids, title=title)


def _attributes(attrs: Mapping[str, str]) -> Mapping[str, str]:
    clean = {clean_text(str(k)): clean_text(str(v)) for k, v in attrs.items()}
    return attrs if clean == attrs else clean


def storable_message(m: domain.Message) -> domain.Message:
    """``m`` with every text field clean and every identifier within its column."""
    ext = fit_key(m.external_id, _EXTERNAL_ID)
    reply = fit_key(m.in_reply_to, _IN_REPLY_TO) if m.in_reply_to is not None else None
    refs = tuple(r for r in (fit_key(r, _EXTERNAL_ID) for r in m.references) if r)
    provider = (
        fit_key(m.provider_thread_id, _PROVIDER_THREAD)
        if m.provider_thread_id is not None
        else None
    )
    reason = (
        fit_text(m.automated_reason, _AUTOMATED_REASON) if m.automated_reason is not None else None
    )
    changes: dict[str, Any] = {
        "external_id": ext,
        "in_reply_to": reply,
        "references": refs,
        "provider_thread_id": provider,
        "automated_reason": reason,
        "subject": clean_text(m.subject),
        "body": clean_text(m.body),
        "quoted_text": clean_text(m.quoted_text),
        "signature": clean_text(m.signature),
        "locator": clean_text(m.locator),
        "content_hash": fit_key(m.content_hash, _CONTENT_HASH),
        "author": _address(m.author),
        "recipients": tuple((kind, _address(a)) for kind, a in m.recipients),
    }
    attributes = dict(_attributes(m.attributes))
    # The whole original of an identifier that had to become a key stays with the message.
    for name, original, fitted in (
        ("external_id", m.external_id, ext),
        ("in_reply_to", m.in_reply_to, reply),
        ("provider_thread_id", m.provider_thread_id, provider),
    ):
        if original is not None and fitted is not None and clean_text(original) != fitted:
            attributes[f"{name}_full"] = clean_text(original)
    if attributes != m.attributes:
        changes["attributes"] = attributes
    if all(getattr(m, k) == v for k, v in changes.items()):
        return m
    return dataclasses.replace(m, **changes)


def storable_skipped(s: domain.Skipped) -> domain.Skipped:
    """A skipped record whose locator, reason and detail can be stored."""
    locator = fit_key(s.locator, _SKIP_LOCATOR)
    reason = fit_text(s.reason, _SKIP_REASON)
    detail = clean_text(s.detail)
    ext = fit_key(s.external_id, _SKIP_EXTERNAL_ID) if s.external_id is not None else None
    if (locator, reason, detail, ext) == (s.locator, s.reason, s.detail, s.external_id):
        return s
    return domain.Skipped(locator=locator, reason=reason, detail=detail, external_id=ext)


def storable_participant(p: domain.Participant) -> domain.Participant:
    """A participant whose identities, names, domain and account fit their columns.

    The display name is kept whole (identities keep it in a text column); the
    person's name made from it is cut to its column.
    """
    changes: dict[str, Any] = {
        "email": _fit_address(p.email),
        "display_name": clean_text(p.display_name),
        "fallback_name": fit_text(p.fallback_name, _PERSON_NAME),
        "name_key": fit_key(p.name_key, _NAME_KEY) if p.name_key is not None else None,
        "domain": fit_key(p.domain, _DOMAIN),
        "account_domain": fit_key(p.account_domain, _DOMAIN)
        if p.account_domain is not None
        else None,
        "account_name": fit_key(p.account_name, _ACCOUNT_NAME)
        if p.account_name is not None
        else None,
        "merge_name": fit_text(p.merge_name, _PERSON_NAME) if p.merge_name is not None else None,
        "ids": tuple((kind, fit_key(v, _IDENTITY)) for kind, v in p.ids),
        "title": fit_text(p.title, _TITLE),
        "account_hint": fit_key(p.account_hint, _ACCOUNT_NAME)
        if p.account_hint is not None
        else None,
    }
    if all(getattr(p, k) == v for k, v in changes.items()):
        return p
    return dataclasses.replace(p, **changes)


def person_name(name: str) -> str:
    """A name as a person's name column takes it."""
    return fit_text(name, _PERSON_NAME)


def bound_recipients(m: domain.Message, limit: int) -> domain.Message:
    """``m`` as a mass mailing when it names more than ``limit`` recipients.

    A message to thousands is a broadcast, not a relationship: its recipients
    are not turned into people, stakeholders or accounts. It is kept as bulk
    mail (the reason says why) with how many recipients it had.
    """
    if len(m.recipients) <= limit:
        return m
    count = len(m.recipients)
    return dataclasses.replace(
        m,
        recipients=(),
        automated_kind=m.automated_kind or domain.AutomatedKind.BULK,
        automated_reason=m.automated_reason
        or f"mass mailing: {count:,} recipients (over ingest.max_recipients = {limit})",
        attributes={**m.attributes, MASS_MAILING: "true", "recipient_count": str(count)},
    )


@cache
def _sized_columns(model: type[Base]) -> dict[str, int | None]:
    """Column name -> length of each text column of ``model`` (None: unbounded)."""
    return {
        col.key: col.type.length
        for col in model.__table__.columns
        if isinstance(col.type, String)  # Text is a String without a length
    }


def fit_rows(model: type[Base], rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Plain rows for ``model`` with every text value clean and cut to its column.

    For rows derived from stored text or imported from a spreadsheet (KPI inputs,
    lifecycle events), where a label cut short is better than a batch refused.
    """
    sized = _sized_columns(model)
    fitted = []
    for row in rows:
        out = dict(row)
        for key, value in row.items():
            if isinstance(value, str) and key in sized:
                length = sized[key]
                out[key] = clean_text(value) if length is None else fit_text(value, length)
        fitted.append(out)
    return fitted
