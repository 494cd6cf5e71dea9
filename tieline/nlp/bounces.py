"""Bounces: delivery-status texts to BOUNCE events, one per failed recipient.

Also home of the tiny helpers the lifecycle detectors share (``_I``, ``_EMAIL`` and the
``_event`` builder); :mod:`tieline.nlp.lifecycle` composes this with the other detectors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from tieline.domain import LifecycleEvent, LifecycleKind

__all__ = ["bounces", "classify_failure"]

_I = re.IGNORECASE
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", _I)


def _event(
    kind: LifecycleKind,
    evidence: str,
    who: str,
    confidence: float,
    until: datetime | None = None,
    *,
    contact: str = "",
) -> LifecycleEvent:
    evidence = " ".join(evidence.split())
    return LifecycleEvent(kind, evidence, who, until, contact, confidence)


_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})\b(?!\.\d)")
_SMTP = re.compile(r"(?:^|[\s:;(=\"])(421|45[0-2]|55[0-4])(?=[\s\-])")
_GONE = re.compile(
    r"user unknown|unknown (?:user|recipient|address|mailbox)|no such (?:user|mailbox|"
    r"recipient|address|person)|mailbox (?:is )?(?:unavailable|not found|does ?n[o']t exist)"
    r"|(?:address|recipient) rejected|recipient (?:not found|invalid)|invalid (?:recipient|"
    r"address|mailbox)|does ?n[o']t exist|not a valid (?:user|recipient|address|mailbox)|"
    r"account (?:has been |is )?(?:disabled|deactivated|closed|suspended)|user not found|"
    r"no longer (?:active|valid|exists?)|not listed in",
    _I,
)
_TEMP_FAIL = re.compile(
    r"mailbox (?:is )?full|over (?:its |the )?quota|quota exceeded|exceeded (?:its |the )?"
    r"storage|delay(?:ed)?\b|temporar(?:y|ily)|will (?:retry|keep trying|try again)|"
    r"still trying|deferred|try again later|not yet been delivered|action: delayed",
    _I,
)
_PERM_FAIL = re.compile(
    r"failed permanently|permanent(?:ly)? (?:fatal )?(?:error|failure|failed)|"
    r"action: failed|could not be delivered|delivery (?:has )?failed|undeliverable",
    _I,
)
_QUOTED_ORIGINAL = re.compile(
    r"^\s*-{2,}.*(?:original message|copy of the message|message headers|below this line)"
    r"|^(?:Received|Return-Path|Message-ID|DKIM-Signature):",
    _I | re.MULTILINE,
)
_HEADER_LINE = re.compile(
    r"^\s*(?:from|to|cc|sender|reply-to|reporting-mta|received-from-mta|x-[\w-]+|"
    r"arrival-date|remote-mta|message-id|return-path|by|for)\s*:", _I
)  # fmt: skip
_DAEMON = re.compile(r"^(?:mailer-daemon|postmaster|bounces?|no-?reply)\b", _I)
_RECIPIENT_FIELD = re.compile(r"^(?:final|original)-recipient:\s*(?:rfc822;\s*)?<?([^>\s]+)>?", _I)


def classify_failure(text: str) -> tuple[str, float]:
    """How final a delivery failure is: ("permanent" | "temporary" | "unclear", confidence).

    A permanent failure of the mailbox itself (5.1.x, "user unknown") suggests the
    person left (0.9); other permanent failures, e.g. a 5.7.1 policy rejection, less so.

    >>> [classify_failure(t) for t in ("550 5.1.1 <x@y.com>: user unknown", "452 mailbox full")]
    [('permanent', 0.9), ('temporary', 0.2)]
    """
    if (m := _STATUS.search(text)) and m.group(1) != "2":
        if m.group(1) == "4" or m.group(2, 3) == ("2", "2"):  # 5.2.2 is a full mailbox
            return "temporary", 0.2
        gone = m.group(2) == "1" or m.group(2, 3) == ("2", "1") or bool(_GONE.search(text))
        return "permanent", 0.9 if gone else 0.7
    if _GONE.search(text):
        return "permanent", 0.9
    if _TEMP_FAIL.search(text):
        return "temporary", 0.2
    if m := _SMTP.search(text):
        if m.group(1).startswith("4") or m.group(1) == "552":
            return "temporary", 0.2
        return "permanent", 0.8 if m.group(1) in ("550", "551", "553") else 0.7
    if _PERM_FAIL.search(text):
        return "permanent", 0.7
    return "unclear", 0.4


def bounces(*, body: str, exclude: Sequence[str] = ()) -> list[LifecycleEvent]:
    """One BOUNCE event per failed recipient named in a delivery-status text.

    ``exclude`` lists addresses that are not failed recipients (the bounce's own sender
    and recipients). Structured DSN fields (``Final-Recipient``) win over address lines.

    >>> [(e.subject_email, e.confidence) for e in bounces(body="Delivery to the following "
    ...  "recipient failed permanently:\\n\\n  kim@acme.com\\n\\n550 5.1.1 user unknown")]
    [('kim@acme.com', 0.9)]
    """
    cut = _QUOTED_ORIGINAL.search(body)
    text = body[: cut.start()] if cut else body
    skip = {e.lower() for e in exclude}
    found: dict[str, str] = {}  # address -> context that describes its failure
    blocks = re.split(r"\n\s*\n", text)
    for block in blocks:
        for line in block.splitlines():
            if (f := _RECIPIENT_FIELD.match(line.strip())) and "@" in f.group(1):
                found.setdefault(f.group(1).lower().strip("<>;,."), block)
    if not found:
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if _HEADER_LINE.match(line):
                continue
            for addr in _EMAIL.findall(line):
                context = " ".join(lines[i : i + 3])
                found.setdefault(addr.lower().strip("."), context)
    events = []
    for addr, context in found.items():
        if addr in skip or _DAEMON.match(addr):
            continue
        kind, confidence = classify_failure(context)
        if kind == "unclear":
            kind, confidence = classify_failure(text)
        diagnostic = next(
            (ln.strip() for ln in context.splitlines() if _STATUS.search(ln) or _SMTP.search(ln)),
            " ".join(context.split()),
        )
        evidence = f"{kind} delivery failure to {addr}: {diagnostic[:200]}"
        events.append(_event(LifecycleKind.BOUNCE, evidence, addr, confidence))
    return events
