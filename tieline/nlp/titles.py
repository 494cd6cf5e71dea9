"""Executives: job titles (given, or read from a signature) to EXECUTIVE events."""

from __future__ import annotations

import re

from tieline.domain import LifecycleEvent, LifecycleKind
from tieline.nlp.bounces import _I, _event

__all__ = ["executive", "executive_title", "title_from_signature"]

# Executive = someone above the day-to-day contacts who can sign or stop a renewal: the
# C-suite, presidents and vice presidents, heads of a function, owners and founders,
# managing/general/executive directors, chairs and managing partners. Not executive:
# "Account Executive" and "Executive Assistant" (titles that only contain the word),
# assistants to executives, "Product Owner", "Chief of Staff" and AVPs (banking grade),
# and "former" titles. Plain "Director" is mid-management in large companies, so it is
# opt-in (include_directors=True) for accounts where directors hold the budget.
_EXEC = re.compile(
    r"\b(?:c[etofimrd]o|ciso|chro|cxo)\b|\bchief\b(?! of staff)|\bpresident\b|\b[se]?vp\b"
    r"|\bvice[- ]president\b|\bhead of\b|\b(?:co-?)?founder\b|\bmanaging (?:director|partner)"
    r"|\bgeneral manager\b|\bexecutive director\b|\bchair(?:man|woman|person)?\b"
    r"|\bprincipal owner\b|\b(?:co-?)?owner\b",
    _I,
)
_NOT_EXEC = re.compile(
    r"\b(?:assistant|aide|secretary|office) (?:to|of) |\bexecutive assistant\b|"
    r"\b(?:former|ex-|retired|acting as assistant)\b|\bavp\b|\bassistant vice[- ]president\b|"
    r"\b(?:product|process|project|data|system|service|content|account|business process)"
    r" owner\b",
    _I,
)
_DIRECTOR = re.compile(r"\bdirector\b", _I)
_TITLE_WORD = re.compile(
    r"\b(?:manager|director|vp|vice|president|chief|officer|head|lead|engineer|analyst|"
    r"specialist|consultant|coordinator|founder|owner|partner|counsel|associate|administrator|"
    r"representative|executive|supervisor|architect|advisor|adviser|c[etofi]o|svp|evp)\b",
    _I,
)
_NOT_TITLE = re.compile(r"@|https?://|www\.|\d{3}|\b(?:tel|phone|fax|mobile|cell)\b", _I)


def executive_title(title: str, *, include_directors: bool = False) -> bool:
    """Whether a job title is an executive's (see the policy above ``_EXEC``).

    >>> [executive_title(t) for t in ("VP Operations", "Account Executive", "CFO", "Director")]
    [True, False, True, False]
    """
    if not title.strip() or _NOT_EXEC.search(title):
        return False
    return bool(_EXEC.search(title) or (include_directors and _DIRECTOR.search(title)))


def title_from_signature(signature: str, name: str = "") -> str:
    """The job title in a signature block: the line after the name, or "" when none.

    >>> title_from_signature("Best,\\nDana Whitfield\\nVP Operations\\nAcme", "Dana Whitfield")
    'VP Operations'
    >>> title_from_signature("Dana Whitfield | Chief Financial Officer | Acme", "Dana Whitfield")
    'Chief Financial Officer'
    """
    lines = [ln.strip(" \t-|") for ln in signature.splitlines()]
    lines = [ln for ln in lines if ln and not re.fullmatch(r"[-_=*~ ]+", ln)]
    keys = [k for k in (name.lower(), name.split()[-1].lower() if name.split() else "") if k]

    def plausible(text: str) -> bool:
        return 1 < len(text) <= 80 and not _NOT_TITLE.search(text)

    for i, line in enumerate(lines):
        low = line.lower()
        if not any(k in low for k in keys):
            continue
        parts = [p.strip() for p in re.split(r"\s*[|,\u2022\u00b7]\s*|\s+-\s+", line)]
        rest = [p for p in parts if p and not any(k in p.lower() for k in keys)]
        if rest and plausible(rest[0]) and _TITLE_WORD.search(rest[0]):
            return rest[0]
        if i + 1 < len(lines) and plausible(lines[i + 1]):
            return lines[i + 1]
    # No name line: a line near the top that reads like a title.
    parts = [p.strip() for ln in lines[:4] for p in re.split(r"\s[|\u2022\u00b7]\s", ln)]
    return next((p for p in parts if plausible(p) and _TITLE_WORD.search(p)), "")


def executive(
    *, email: str, title: str = "", signature: str = "", name: str = ""
) -> list[LifecycleEvent]:
    """An EXECUTIVE event for a participant whose title (given, else from the signature) is one.

    >>> [e.evidence for e in executive(email="d@acme.com", title="SVP, Sales")]
    ['title: SVP, Sales']
    """
    source = "title"
    if not title and signature:
        title, source = title_from_signature(signature, name), "signature title"
    if not executive_title(title):
        return []
    confidence = 0.9 if source == "title" else 0.7
    return [_event(LifecycleKind.EXECUTIVE, f"{source}: {title}", email, confidence)]
