"""Text in a message that is not its author's: forwards, news, newsletters, boilerplate.

A body can carry a pasted news article, a forwarded newsletter, a legal disclaimer, a
web page's navigation bar or text whose characters were lost in decoding. None of it
says anything about the author's mood, asks, promises or plans, so the signals skip it.
:func:`foreign_regions` finds those parts as (start, end, reason) character regions;
:func:`own_text` returns the body with them blanked (same length, newlines kept, so
sentence offsets still index the stored body) and with decoding damage repaired where
the repair is unambiguous ("what?s" -> "what's"). A sentence that ends in "?" only
because a closing quote was lost is not made a question:

>>> own_text("I wrote about what?s new and the short version?\\nCall me.")
"I wrote about what's new and the short version.\\nCall me."
>>> [r.reason for r in foreign_regions("FYI\\n\\n(c) 2001 Associated Press. All rights reserved.")]
['news']

Rules, not a model: each reason is a pattern over paragraphs (blank-line separated)
and lines. A forward marker, a news dateline/byline or a web page's navigation bar
starts a foreign *tail*: mail is top-posted, so what follows is the forwarded material.
A disclaimer or newsletter footer is foreign on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "Reason",
    "Region",
    "authored_share",
    "foreign_regions",
    "has_mojibake",
    "own_text",
]

Reason = Literal["forwarded", "news", "newsletter", "disclaimer", "navigation", "mojibake"]

_I = re.IGNORECASE | re.MULTILINE

# Lines that open forwarded or quoted material: everything after them is someone else's.
_FORWARD_LINE = re.compile(
    r"^[ \t>]*(?:-{2,}[ \t]*(?:original message|forwarded (?:by|message)|begin forwarded)"
    r"|begin forwarded message:|-{5,}[ \t]*forwarded"
    r"|on .{5,80}\bwrote:[ \t]*$"
    r"|from:[ \t]+.+\n[ \t>]*(?:sent|date):[ \t]+.+\n(?:.*\n)?[ \t>]*(?:to|subject):"
    # Lotus Notes: "Name\n05/21/2001 04:37 AM\nTo: ...", or "Name@X on 05/21/2001 04:37 AM"
    r"|.*\b\d\d/\d\d/\d{2,4} \d\d:\d\d(?: [AP]M)?[ \t]*\n(?:.*\n){0,2}?[ \t]*to:"
    r"|[ \t]*to:.*\n(?:.*\n){0,8}?[ \t]*subject:)",
    _I,
)
# A long rule line: newsletters and digests separate articles with them.
_RULE_LINE = re.compile(r"^[ \t]*[-=_*~#]{20,}[ \t]*$", re.MULTILINE)
_NEWS = re.compile(
    r"(?i:\b(?:copyright|\(c\)\s*(?:19|20)\d\d|\u00a9|all rights reserved|associated press|"
    r"reuters|dow jones|newswires?|bloomberg news|staff writer|press writer|"
    r"news service|knight ridder|times staff|of the (?:chronicle|times|journal|post) staff"
    r"|special to the\b|click here|read more at|printer[- ]friendly|e-?mail this (?:story|article)"
    r")\b)"
    r"|^[ \t]*[Bb][Yy] [A-Z][A-Za-z.]+(?: [A-Z][A-Za-z.]+){1,2}[ \t]*$"  # a byline on its own line
    r"|^[ \t]*[A-Z][A-Z .]{2,30}(?:, [A-Z][a-z.]{2,12})? \((?:AP|Reuters|Bloomberg|UPI)\)"
    r"|\((?:AP|UPI)\)\s*[-\u2013\u2014]"  # a dateline
    r"|^[ \t]*(?:Jan|Feb|March|April|May|June|July|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.? \d{1,2}"
    r"[ \t]*--[ \t]*[A-Z]"
    r"|^[ \t]*\((?:Published )?[A-Z][a-z]+\.? \d{1,2}, (?:19|20)\d\d\)?[ \t]*\)?[ \t]*$",
    re.MULTILINE,
)
_NAVIGATION_TOKEN = re.compile(r"\[IMAGE\]|\[LINK\]|\$LINK\b", re.IGNORECASE)
# Cheap substring checks first: most business mail has none of these words, and the
# full patterns (long alternations, case-insensitive) are the costly part.
_NEWS_HINTS = ("copyright", "(c)", "\u00a9", "rights reserved", "press", "reuters", "dow jones",
               "newswire", "bloomberg", "writer", "news", "knight ridder", "staff", "special to",
               "click here", "read more", "printer", "e-mail this", "email this", "(ap)", "(upi)",
               "by ", "--", "published")  # fmt: skip
_DISCLAIMER_HINTS = ("confidential", "privileged", "intended", "recipient", "in error",
                     "prohibited", "expressed", "environment")  # fmt: skip
_NEWSLETTER_HINTS = ("subscri", "removed from", "receiv", "browser", "preferences", "friend",
                     "issue")  # fmt: skip
_DISCLAIMER = re.compile(
    r"\b(?:this (?:e-?mail|message|communication|transmission)(?: and any (?:files|"
    r"attachments?)(?: transmitted with it)?)? (?:is|are|may (?:be|contain)|contains?) "
    r"(?:strictly )?(?:confidential|privileged|intended)"
    r"|intended (?:solely |only )?for the (?:use of the )?(?:individual|addressee|"
    r"person|named recipient|intended recipient)"
    r"|if you are not the (?:intended )?(?:recipient|addressee)"
    r"|if you (?:have )?received this (?:e-?mail |message |communication |transmission )?"
    r"in error"
    r"|(?:any|the) (?:review|dissemination|distribution|copying|disclosure)[\w ,/]{0,60}"
    r"(?:is )?(?:strictly )?prohibited"
    r"|(?:views|opinions) expressed (?:in this|herein)"
    r"|please consider the environment before printing)",
    _I,
)
_NEWSLETTER = re.compile(
    r"\b(?:unsubscribe|to be removed from (?:this|our|the) (?:list|mailing)|"
    r"you (?:are )?receiv(?:e|ed|ing) this (?:e-?mail|message|newsletter)|"
    r"view (?:this|it) (?:e-?mail )?in your browser|manage (?:your )?(?:email )?"
    r"(?:preferences|subscriptions)|update your (?:email )?preferences|"
    r"forward (?:this (?:e-?mail|newsletter) )?to a friend|this (?:week's|month's) issue|"
    r"subscribe (?:now|today|here))\b",
    _I,
)
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
# Decoding damage: "don?t", "Enron?s", "copy of?the" (a quote or a no-break space lost).
_MOJI_APOSTROPHE = re.compile(r"(?<=[A-Za-z])\?(?=(?:s|t|re|ll|ve|d|m)\b)")
_MOJI_INSIDE = re.compile(r"(?<=[A-Za-z,])\?(?=[A-Za-z])")
_MOJI_GARBAGE = re.compile(r"\ufffd|\u00c3[\u0080-\u00bf]|\u00e2\u20ac|\u00c2[\u00a0-\u00bf]")
# A "?" that ends a clause (before a space or the end); its clause starts after the last
# sentence end or line break.
_QUESTION_END = re.compile(r"\?(?=[\"')\]]*(?:\s|$))")
_INTERROGATIVE = re.compile(
    r"^\W*(?:(?:and|but|so|also|ok|okay|hi|hey|well|btw|then|or)\W+)*(?:\w+,\s*)?"
    r"(?:what|when|where|who|whom|whose|why|how|which|is|are|am|was|were|do|does|did|"
    r"have|has|had|can|could|will|would|shall|should|may|might|must|any|anyone|anybody|"
    r"isn't|aren't|don't|doesn't|didn't|won't|wouldn't|can't|couldn't|shouldn't)\b"
    r"|(?:,\s*(?:right|correct|ok|okay|no|yes)|\bor not|\bisn't it|\bdon't you)\W*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Region:
    """``text[start:end]`` is not the author's own text, for ``reason``."""

    start: int
    end: int
    reason: Reason


def has_mojibake(text: str) -> bool:
    """True when the text shows characters lost or garbled in decoding."""
    return bool(_MOJI_APOSTROPHE.search(text) or _MOJI_GARBAGE.search(text)) or (
        len(_MOJI_INSIDE.findall(text)) >= 2
    )


def _paragraphs(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for m in [*_PARAGRAPH.finditer(text), None]:
        end = m.start() if m else len(text)
        if text[start:end].strip():
            out.append((start, end))
        start = m.end() if m else len(text)
    return out


def _navigation(block: str) -> bool:
    if len(_NAVIGATION_TOKEN.findall(block)) >= 2:
        return True
    lines = [ln for ln in block.splitlines() if ln.strip()]
    return bool(lines) and sum(1 for ln in lines if ln.count("|") >= 3) * 2 >= len(lines)


def _tail_start(text: str) -> tuple[int, Reason] | None:
    """Where forwarded material, a news article or a web page begins, if anywhere."""
    found: list[tuple[int, Reason]] = []
    low = text.lower()
    if ("wrote:" in low or "from:" in low or "to:" in low or "forward" in low) and (
        m := _FORWARD_LINE.search(text)
    ):
        found.append((m.start(), "forwarded"))
    news = any(h in low for h in _NEWS_HINTS)
    nav = "|" in text or "[image]" in low or "[link]" in low or "$link" in low
    if not (news or nav):
        return min(found) if found else None
    for start, end in _paragraphs(text):
        block = text[start:end]
        if nav and _navigation(block):
            found.append((start, "navigation"))
            break
        if news and _NEWS.search(block):
            # The article starts at the rule line or headline before its byline, when
            # there is one; else at this paragraph.
            rules = [r.start() for r in _RULE_LINE.finditer(text, 0, start)]
            found.append((rules[-1] if rules else start, "news"))
            break
    return min(found) if found else None


def foreign_regions(text: str) -> list[Region]:
    """The regions of ``text`` that are not the author's own words, in text order."""
    regions: list[Region] = []
    tail = _tail_start(text)
    limit = tail[0] if tail else len(text)
    low = text[:limit].lower()
    disclaimer = any(h in low for h in _DISCLAIMER_HINTS)
    newsletter = any(h in low for h in _NEWSLETTER_HINTS)
    garbage = _MOJI_GARBAGE.search(text, 0, limit) is not None
    for start, end in _paragraphs(text[:limit]) if disclaimer or newsletter or garbage else ():
        block = text[start:end]
        if disclaimer and _DISCLAIMER.search(block):
            regions.append(Region(start, end, "disclaimer"))
        elif newsletter and _NEWSLETTER.search(block):
            regions.append(Region(start, end, "newsletter"))
        elif garbage and len(_MOJI_GARBAGE.findall(block)) >= 3:
            regions.append(Region(start, end, "mojibake"))
    if tail:
        regions.append(Region(tail[0], len(text), tail[1]))
    # A newsletter whose footer gives it away: the long body above is the newsletter too.
    footers = [r for r in regions if r.reason == "newsletter"]
    if footers and footers[0].start > 1500:
        regions = [Region(0, footers[0].start, "newsletter"), *regions]
    return regions


def _blank(text: str) -> str:
    return "".join(c if c == "\n" else " " for c in text)


def _repair(text: str) -> str:
    """Same-length repair of decoding damage; non-questions lose a spurious final "?"."""
    text = _MOJI_APOSTROPHE.sub("'", text)
    text = _MOJI_INSIDE.sub(" ", text)
    chars = list(text)
    for m in _QUESTION_END.finditer(text):
        start = max(text.rfind(c, 0, m.start()) for c in ".!?:;\n") + 1
        if not _INTERROGATIVE.search(text[start : m.start() + 1].strip()):
            chars[m.start()] = "."
    return "".join(chars)


def own_text(text: str) -> str:
    """``text`` with foreign regions blanked and decoding damage repaired (same length)."""
    regions = foreign_regions(text)
    if not regions and not has_mojibake(text):
        return text
    out, at = [], 0
    for r in regions:
        if r.start < at:
            continue
        out += [text[at : r.start], _blank(text[r.start : r.end])]
        at = r.end
    out.append(text[at:])
    own = "".join(out)
    return _repair(own) if has_mojibake(text) else own


def authored_share(text: str) -> float:
    """The share of the non-space characters of ``text`` that are the author's own."""
    total = sum(1 for c in text if not c.isspace())
    if not total:
        return 1.0
    own = sum(1 for c in own_text(text) if not c.isspace())
    return own / total
