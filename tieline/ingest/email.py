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
from tieline.ingest.files import tree_files, within

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


def read_mbox(
    path: Path, *, block_size: int = 1 << 20, max_bytes: int | None = None
) -> Iterator[RawMessage | Skipped]:
    """Stream the messages of an mbox file; locators are ``path#byte-offset``.

    A message starts at a ``From `` line at the start of the file or after a
    blank line. Handles mboxo/mboxrd ``>From `` escaping. Linear in the file:
    each byte is searched once, and memory holds one message plus one block; a
    message longer than ``max_bytes`` is not kept at all but yielded as a
    Skipped ("message too large") once its end is found.
    """
    limit = max_bytes if max_bytes is not None else 1 << 62
    with path.open("rb") as fh:
        buf = bytearray()
        base = 0  # file offset of buf[0]
        start: int | None = None  # file offset of the current message's separator line
        scan = 0  # offset in buf where the next separator search begins
        dropped = False  # the current message outgrew the limit: its bytes are gone
        eof = False
        while not eof:
            block = fh.read(block_size)
            eof = not block
            buf += block
            while True:
                if start is None and base == 0 and buf.startswith(b"From "):
                    k = 0
                else:
                    k = _separator(buf, scan)
                if k < 0:
                    break
                if start is not None:
                    yield _mbox_unit(path, buf, base, start, k, dropped)
                start, scan, dropped = base + k, k + 5, False
            if eof:
                break
            scan = max(scan, len(buf) - 6)  # a separator may straddle this block's end
            if start is None or dropped:
                keep = len(buf) - 8  # enough to see a separator line and its blank line
            elif len(buf) - (start - base) > limit + _SEPARATOR_LINE:
                dropped, keep = True, len(buf) - 8
            else:
                keep = start - base
            if keep > 0:
                del buf[:keep]
                base, scan = base + keep, scan - keep
        if start is not None and (dropped or buf[start - base :].strip()):
            yield _mbox_unit(path, buf, base, start, len(buf), dropped)


_SEPARATOR_LINE = 4096  # room for the "From " line beyond the message's own bytes


def _mbox_unit(
    path: Path, buf: bytearray, base: int, start: int, end: int, dropped: bool
) -> RawMessage | Skipped:
    """The message from file offset ``start`` to buffer offset ``end``."""
    locator = f"{path}#{start}"
    if dropped:
        size = (base + end - start) / 1_048_576
        return Skipped(locator, "message too large", f"{size:.1f} MiB, over max_message_bytes")
    with memoryview(buf) as view:
        chunk = bytes(view[start - base : end])
    return locator, _mbox_body(chunk)


def _separator(buf: bytes | bytearray, pos: int) -> int:
    """Offset of the next "From " line that follows a blank line (LF or CRLF), or -1."""
    while True:
        k = buf.find(b"\nFrom ", pos)
        if k < 0:
            return -1
        if buf[k - 1 : k] == b"\n" or buf[k - 2 : k] == b"\n\r":
            return k + 1
        pos = k + 1


_MBOX_ESCAPED = re.compile(rb"^>(>*From )", re.MULTILINE)


def _mbox_body(chunk: bytes) -> bytes:
    body = chunk[chunk.find(b"\n") + 1 :]  # drop the "From " separator line
    # The blank line before the next separator belongs to the mbox format.
    if body.endswith(b"\r\n\r\n"):
        body = body[:-2]
    elif body.endswith(b"\n\n"):
        body = body[:-1]
    if b">From " in body or b">>" in body:
        body = _MBOX_ESCAPED.sub(rb"\1", body)
    return body


def _file_unit(root: Path | None, file: Path, max_bytes: int | None) -> RawMessage | Skipped:
    """One message file, unless it is a link out of ``root`` or over ``max_bytes``.

    ``root`` None: the file was named itself, so wherever it leads is the input.
    """
    if root is not None and not within(root, file):
        return Skipped(str(file), "link outside the input folder", f"not followed out of {root}")
    size = file.stat().st_size
    if max_bytes is not None and size > max_bytes:
        return Skipped(
            str(file), "message too large",
            f"{size / 1_048_576:.1f} MiB is over max_message_bytes "
            f"({max_bytes / 1_048_576:.1f} MiB)",
        )  # fmt: skip
    return str(file), file.read_bytes()


def read_maildir(path: Path, *, max_bytes: int | None = None) -> Iterator[RawMessage | Skipped]:
    """Stream a maildir folder (``cur``/``new``), in a stable order; links out are not followed."""
    for sub in ("new", "cur"):
        folder = path / sub
        if folder.is_dir() and within(path, folder):
            for file in sorted(folder.iterdir()):
                if not file.name.startswith(".") and (file.is_symlink() or file.is_file()):
                    yield _file_unit(path, file, max_bytes)


def read_message_files(
    path: Path, *, max_bytes: int | None = None
) -> Iterator[RawMessage | Skipped]:
    """Stream a folder tree of single-message files (``.eml``, ``.txt``, Enron's ``1.``).

    Links are followed only where they stay inside ``path``.
    """
    for file, allowed in tree_files(path):
        suffix = file.suffix.lower() if file.suffix.strip(".") else ""
        if suffix not in MESSAGE_FILE_SUFFIXES:
            continue
        if not allowed:
            yield Skipped(str(file), "link outside the input folder", f"not followed out of {path}")
        else:
            yield _file_unit(path, file, max_bytes)


def iter_raw(path: Path, *, max_bytes: int | None = None) -> Iterator[RawMessage | Skipped]:
    """Pick the reader by what ``path`` is: a file (mbox or one message), maildir or folder."""
    if path.is_dir():
        if (path / "cur").is_dir() or (path / "new").is_dir():
            yield from read_maildir(path, max_bytes=max_bytes)
        else:
            yield from read_message_files(path, max_bytes=max_bytes)
        return
    with path.open("rb") as fh:
        head = fh.read(5)
    if head == b"From ":
        yield from read_mbox(path, max_bytes=max_bytes)
    else:
        yield _file_unit(None, path, max_bytes)


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


class _Headers:
    """Case-insensitive header lookup, built once: ``Message.get`` scans every header."""

    __slots__ = ("_all",)

    def __init__(self, msg: EmailMessage) -> None:
        self._all: dict[str, list[str]] = {}
        for name, value in msg.items():
            self._all.setdefault(name.lower(), []).append(str(value))

    def get(self, name: str) -> str | None:
        values = self._all.get(name.lower())
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return self._all.get(name.lower(), [])

    def __bool__(self) -> bool:
        return bool(self._all)


# "Name" <addr>, Name <addr>, or a bare addr; anything unusual goes to getaddresses.
_ADDRESS = re.compile(
    r'\s*(?:"((?:[^"\\]|\\.)*)"|([^,<>"]*?))\s*<\s*([^<>\s]+)\s*>\s*(?:,|$)'
    r'|\s*([^\s,<>"]+@[^\s,<>"]+)\s*(?:,|$)'
)
_UNUSUAL = re.compile(r"[();:\\]")


def _split_addresses(value: str) -> list[tuple[str, str]]:
    if not _UNUSUAL.search(value):
        out: list[tuple[str, str]] = []
        pos = 0
        value = value.strip()
        while pos < len(value):
            m = _ADDRESS.match(value, pos)
            if m is None or m.end() == pos:
                break
            quoted, plain, inside, bare = m.groups()
            out.append(((quoted or plain or "").strip(), inside or bare or ""))
            pos = m.end()
        else:
            return out
    return getaddresses([value])


def _decode(value: str | None) -> str:
    if not value:
        return ""
    if "=?" not in value:
        return " ".join(value.split())
    try:
        return " ".join(str(make_header(decode_header(value))).split())
    except (UnicodeError, LookupError, ValueError, AssertionError):
        return " ".join(value.split())


def _addresses(headers: _Headers, header: str) -> list[Address]:
    out: list[Address] = []
    seen: set[str] = set()
    pairs = [pair for value in headers.all(header) for pair in _split_addresses(value)]
    for name, email in pairs:
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


def _date(headers: _Headers, default_tz: tzinfo) -> datetime | None:
    candidates = [headers.get("Date")]
    # A Received trace stamp dates a message whose own Date is missing or broken.
    candidates += [r.rpartition(";")[2] for r in headers.all("Received")[:1]]
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


def _automation(msg: EmailMessage, headers: _Headers, author: Address, subject: str) -> Automation:
    """What kind of machine sent this, with the evidence; None for mail a person wrote."""
    local = author.email.partition("@")[0]
    if msg.get_content_type() == "multipart/report" or _BOUNCE_SENDER.match(local):
        return AutomatedKind.BOUNCE, "delivery status report" if msg.get_content_type() == (
            "multipart/report") else f"bounce sender {author.email}"  # fmt: skip
    auto = str(headers.get("Auto-Submitted") or "").strip().lower()
    if auto.startswith("auto-replied"):
        return AutomatedKind.AUTO_REPLY, f"Auto-Submitted: {auto}"
    for header in ("X-Autoreply", "X-Autorespond", "X-Auto-Response"):
        if headers.get(header) is not None:
            return AutomatedKind.AUTO_REPLY, f"{header} header"
    precedence = str(headers.get("Precedence") or "").strip().lower()
    if precedence == "auto_reply":
        return AutomatedKind.AUTO_REPLY, "Precedence: auto_reply"
    if precedence in {"bulk", "list", "junk"}:
        return AutomatedKind.BULK, f"Precedence: {precedence}"
    if headers.get("List-Unsubscribe") is not None:
        return AutomatedKind.BULK, "List-Unsubscribe header"
    if headers.get("List-Id") is not None:
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
    headers = _Headers(msg)
    message_id = _msgid(headers.get("Message-ID"))
    if not headers:
        return Skipped(locator, "not an email message", "no header block found")
    authors = _addresses(headers, "From") or _addresses(headers, "Sender")
    if not authors:
        return Skipped(
            locator, "missing From", f"From header: {(headers.get('From') or '')[:80]!r}",
            message_id,
        )  # fmt: skip
    author = authors[0]
    if not author.name:
        x_from = _decode(headers.get("X-From"))  # Enron and Exchange exports carry names here
        x_name, _ = parseaddr(x_from)
        name = _clean_name(x_name or x_from.split("<")[0], author.email)
        if name:
            author = Address(author.email, name)
    sent_at = _date(headers, opts.default_tz)
    if sent_at is None:
        reason = "missing Date" if headers.get("Date") is None else "unparseable Date"
        return Skipped(locator, reason, f"Date header: {headers.get('Date')!r}", message_id)
    subject = _decode(headers.get("Subject"))
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
        for addr in _addresses(headers, header)
    )  # fmt: skip
    references = tuple(_MSGID.findall(headers.get("References") or ""))
    in_reply_to = _msgid(headers.get("In-Reply-To"))
    provider = headers.get("X-GM-THRID")
    automation = _automation(msg, headers, author, subject)
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
        else _thread_index(headers.get("Thread-Index")),
        automated_kind=automation[0] if automation else None,
        automated_reason=automation[1] if automation else None,
        content_hash=digest,
        locator=locator,
        size_bytes=len(raw),
    )
