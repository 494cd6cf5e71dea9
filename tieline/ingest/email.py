"""Email connectors: mbox files, maildir folders and folders of RFC 5322 files.

Readers yield raw ``(locator, bytes)`` units; :func:`parse_message` turns one
into a :class:`~tieline.domain.Message` or a :class:`~tieline.domain.Skipped`
with the reason. Parsing uses the ``compat32`` policy and decodes only the
headers Tieline needs: the rich ``email.policy.default`` objects cost ~13x.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from email import policy as email_policy
from email.header import decode_header, make_header
from email.message import Message as EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from pathlib import Path

from tieline.domain import (
    Address,
    AutomatedKind,
    Channel,
    Message,
    RecipientKind,
    Record,
    Skipped,
)
from tieline.ingest.cleaning import clean_body, html_to_text

__all__ = [
    "ParseOptions",
    "RawMessage",
    "iter_raw",
    "parse_message",
    "read_maildir",
    "read_mbox",
    "read_message_files",
]

RawMessage = tuple[str, bytes]  # (locator, raw bytes)

MESSAGE_FILE_SUFFIXES = frozenset({".eml", ".txt", ".msg822", ""})


@dataclass(frozen=True, slots=True)
class ParseOptions:
    default_tz: tzinfo = UTC
    max_message_bytes: int = 8 * 1024 * 1024


# --------------------------------------------------------------------------- readers


def read_mbox(path: Path) -> Iterator[RawMessage]:
    """Stream the messages of an mbox file; locators are ``path#byte-offset``.

    Handles mboxo/mboxrd ``>From `` escaping and never holds more than one
    message in memory.
    """
    with path.open("rb") as fh:
        buf: list[bytes] = []
        start = 0
        offset = 0
        prev_blank = True
        for line in fh:
            if line.startswith(b"From ") and prev_blank:
                if buf:
                    yield f"{path}#{start}", _unescape_mbox(buf)
                buf = []
                start = offset
            else:
                if buf or offset > 0 or not line.startswith(b"From "):
                    buf.append(line)
            prev_blank = line in (b"\n", b"\r\n")
            offset += len(line)
        if buf:
            yield f"{path}#{start}", _unescape_mbox(buf)


_MBOX_ESCAPED = re.compile(rb"^>(>*From )")


def _unescape_mbox(lines: list[bytes]) -> bytes:
    # The blank line before the next "From " separator belongs to the format.
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]
    return b"".join(_MBOX_ESCAPED.sub(rb"\1", ln) if ln.startswith(b">") else ln for ln in lines)


def read_maildir(path: Path) -> Iterator[RawMessage]:
    """Stream a maildir folder (``cur``/``new``), in a stable order."""
    for sub in ("new", "cur"):
        folder = path / sub
        if folder.is_dir():
            for file in sorted(folder.iterdir()):
                if file.is_file() and not file.name.startswith("."):
                    yield str(file), file.read_bytes()


def read_message_files(path: Path) -> Iterator[RawMessage]:
    """Stream a folder tree of single-message files (``.eml``, ``.txt``, Enron's ``1.``)."""
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        if file.name.startswith("."):
            continue
        suffix = file.suffix.lower() if file.suffix.strip(".") else ""
        if suffix in MESSAGE_FILE_SUFFIXES:
            yield str(file), file.read_bytes()


def iter_raw(path: Path) -> Iterator[RawMessage]:
    """Pick the reader by what ``path`` is: a file (mbox or one message), maildir or folder."""
    if path.is_dir():
        if (path / "cur").is_dir() or (path / "new").is_dir():
            yield from read_maildir(path)
        else:
            yield from read_message_files(path)
        return
    with path.open("rb") as fh:
        head = fh.read(5)
    if head == b"From ":
        yield from read_mbox(path)
    else:
        yield str(path), path.read_bytes()


# --------------------------------------------------------------------------- parsing

_PARSER = BytesParser(policy=email_policy.compat32)
_MSGID = re.compile(r"<([^<>\s]+)>")
_NOREPLY = re.compile(
    r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer-daemon|postmaster|bounces?|"
    r"notifications?|newsletter|news|marketing|updates|alerts?)([-+._].*)?$",
    re.IGNORECASE,
)
_AUTO_SUBJECT = re.compile(
    r"^(?:automatic reply|auto(?:matic)?[- ]?reply|out of (?:the )?office|"
    r"undeliver(?:able|ed)|delivery status notification|mail delivery failed|"
    r"returned mail|abwesenheitsnotiz|r[ée]ponse automatique)\b",
    re.IGNORECASE,
)


def _decode(value: str | None) -> str:
    if not value:
        return ""
    if "=?" not in value:
        return " ".join(value.split())
    try:
        return " ".join(str(make_header(decode_header(value))).split())
    except (UnicodeError, LookupError, ValueError, AssertionError):
        return " ".join(value.split())


def _addresses(msg: EmailMessage, header: str) -> list[Address]:
    values = msg.get_all(header) or []
    out: list[Address] = []
    seen: set[str] = set()
    for name, email in getaddresses([str(v) for v in values]):
        email = email.strip().strip("'\"").lower()
        if "@" not in email or " " in email or email in seen:
            continue
        local, _, domain = email.rpartition("@")
        if not local or "." not in domain:
            continue
        seen.add(email)
        out.append(Address(email=email, name=_clean_name(_decode(name), email)))
    return out


def _clean_name(name: str, email: str) -> str:
    name = name.strip().strip("'\"").strip()
    if not name or name.lower() == email or "@" in name:
        return ""
    if "," in name and name.count(",") == 1:  # "Kaminski, Vince" -> "Vince Kaminski"
        last, first = (p.strip() for p in name.split(","))
        if first and last:
            name = f"{first} {last}"
    return name


def _msgid(value: str | None) -> str | None:
    if not value:
        return None
    found = _MSGID.search(value)
    if found:
        return found.group(1)
    value = value.strip()
    return value if value and " " not in value else None


def _date(msg: EmailMessage, default_tz: tzinfo) -> datetime | None:
    candidates = [msg.get("Date")]
    # A Received trace stamp dates a message whose own Date is missing or broken.
    candidates += [r.rpartition(";")[2] for r in (msg.get_all("Received") or [])[:1]]
    for raw in candidates:
        if not raw:
            continue
        try:
            parsed = parsedate_to_datetime(str(raw).strip())
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        if parsed is None or not 1971 <= parsed.year <= 2100:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=default_tz)
        return parsed.astimezone(UTC)
    return None


_BOUNCE_SENDER = re.compile(r"^(?:mailer-daemon|postmaster)\b", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"^(?:undeliver|delivery status notification|mail delivery failed|returned mail)",
    re.IGNORECASE,
)

Automation = tuple[AutomatedKind, str] | None


def _automation(msg: EmailMessage, author: Address, subject: str) -> Automation:
    """What kind of machine sent this, with the evidence; None for mail a person wrote."""
    local = author.email.partition("@")[0]
    if msg.get_content_type() == "multipart/report" or _BOUNCE_SENDER.match(local):
        return AutomatedKind.BOUNCE, "delivery status report" if msg.get_content_type() == (
            "multipart/report") else f"bounce sender {author.email}"  # fmt: skip
    auto = str(msg.get("Auto-Submitted", "")).strip().lower()
    if auto.startswith("auto-replied"):
        return AutomatedKind.AUTO_REPLY, f"Auto-Submitted: {auto}"
    for header in ("X-Autoreply", "X-Autorespond", "X-Auto-Response"):
        if msg.get(header) is not None:
            return AutomatedKind.AUTO_REPLY, f"{header} header"
    precedence = str(msg.get("Precedence", "")).strip().lower()
    if precedence == "auto_reply":
        return AutomatedKind.AUTO_REPLY, "Precedence: auto_reply"
    if precedence in {"bulk", "list", "junk"}:
        return AutomatedKind.BULK, f"Precedence: {precedence}"
    if msg.get("List-Unsubscribe") is not None:
        return AutomatedKind.BULK, "List-Unsubscribe header"
    if msg.get("List-Id") is not None:
        return AutomatedKind.BULK, "List-Id header (mailing list)"
    if _NOREPLY.match(local):
        return AutomatedKind.NOTIFICATION, f"automated sender address {author.email}"
    if auto and auto != "no":
        return AutomatedKind.NOTIFICATION, f"Auto-Submitted: {auto}"
    if _BOUNCE_SUBJECT.match(subject):
        return AutomatedKind.BOUNCE, f"bounce subject: {subject[:60]}"
    if _AUTO_SUBJECT.match(subject):
        return AutomatedKind.AUTO_REPLY, f"automatic reply subject: {subject[:60]}"
    return None


def _thread_index(value: str | None) -> str | None:
    # Outlook's Thread-Index: the first 22 bytes name the conversation.
    if not value:
        return None
    try:
        raw = base64.b64decode("".join(value.split()), validate=False)
    except (ValueError, TypeError):
        return None
    return "outlook:" + raw[:22].hex() if len(raw) >= 22 else None


class _BodyError(Exception):
    pass


def _decode_payload(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = (part.get_content_charset() or "us-ascii").lower()
    for candidate in (charset, "utf-8", "cp1252"):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    text = payload.decode("utf-8", errors="replace")
    if text.count("\ufffd") > max(8, len(text) // 20):
        raise _BodyError(f"body cannot be decoded (declared charset {charset!r})")
    return text


def _body_text(msg: EmailMessage) -> str:
    plain: str | None = None
    html: str | None = None
    for part in msg.walk():
        if part.is_multipart():
            continue
        disposition = str(part.get("Content-Disposition", "")).lower()
        if disposition.startswith("attachment"):
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain" and plain is None:
            plain = _decode_payload(part)
        elif ctype == "text/html" and html is None:
            html = _decode_payload(part)
        elif ctype.startswith("text/") and plain is None and part is msg:
            plain = _decode_payload(part)
    if plain and plain.strip():
        return plain
    if html:
        return html_to_text(html)
    return plain or ""


def parse_message(locator: str, raw: bytes, options: ParseOptions | None = None) -> Record:
    """Parse one raw RFC 5322 message; never raises for bad input, returns Skipped."""
    opts = options or ParseOptions()
    if len(raw) > opts.max_message_bytes:
        return Skipped(
            locator,
            "message too large",
            f"{len(raw) / 1_048_576:.1f} MiB is over max_message_bytes "
            f"({opts.max_message_bytes / 1_048_576:.1f} MiB)",
        )
    try:
        return _parse(locator, raw, opts)
    except _BodyError as exc:
        return Skipped(locator, "broken charset", str(exc))
    except Exception as exc:  # noqa: BLE001 - one bad message must not stop a mailbox
        return Skipped(locator, "unparseable message", f"{type(exc).__name__}: {exc}")


def _parse(locator: str, raw: bytes, opts: ParseOptions) -> Record:
    msg = _PARSER.parsebytes(raw)
    message_id = _msgid(msg.get("Message-ID"))
    if not msg.keys():
        return Skipped(locator, "not an email message", "no header block found")
    authors = _addresses(msg, "From") or _addresses(msg, "Sender")
    if not authors:
        return Skipped(
            locator, "missing From", f"From header: {str(msg.get('From', ''))[:80]!r}",
            message_id,
        )  # fmt: skip
    author = authors[0]
    if not author.name:
        x_from = _decode(msg.get("X-From"))  # Enron and Exchange exports carry names here
        x_name, _ = parseaddr(x_from)
        name = _clean_name(x_name or x_from.split("<")[0], author.email)
        if name:
            author = Address(author.email, name)
    sent_at = _date(msg, opts.default_tz)
    if sent_at is None:
        reason = "missing Date" if msg.get("Date") is None else "unparseable Date"
        return Skipped(locator, reason, f"Date header: {msg.get('Date')!r}", message_id)
    subject = _decode(msg.get("Subject"))
    text = _body_text(msg)
    if not text.strip():
        return Skipped(locator, "empty body", "no text/plain or text/html content", message_id)
    cleaned = clean_body(text)
    digest = hashlib.sha256(
        "\x1f".join((author.email, sent_at.isoformat(), subject, text)).encode("utf-8", "replace")
    ).hexdigest()
    recipients = tuple(
        (kind, addr)
        for kind, header in ((RecipientKind.TO, "To"), (RecipientKind.CC, "Cc"),
                             (RecipientKind.BCC, "Bcc"))
        for addr in _addresses(msg, header)
    )  # fmt: skip
    references = tuple(_MSGID.findall(str(msg.get("References", ""))))
    in_reply_to = _msgid(msg.get("In-Reply-To"))
    provider = msg.get("X-GM-THRID")
    automation = _automation(msg, author, subject)
    return Message(
        external_id=message_id or f"sha256-{digest[:40]}@tieline",
        channel=Channel.EMAIL,
        sent_at=sent_at,
        author=author,
        subject=subject,
        body=cleaned.text,
        recipients=recipients,
        quoted_text=cleaned.quoted,
        signature=cleaned.signature,
        in_reply_to=in_reply_to,
        references=references,
        provider_thread_id=f"gmail:{str(provider).strip()}"
        if provider
        else _thread_index(msg.get("Thread-Index")),
        automated_kind=automation[0] if automation else None,
        automated_reason=automation[1] if automation else None,
        content_hash=digest,
        locator=locator,
        size_bytes=len(raw),
    )
