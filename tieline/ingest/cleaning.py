"""Split an email body into the new text, the quoted history and the signature.

Reply headers ("On ... wrote:", Outlook's "-----Original Message-----" and
"From:/Sent:" blocks, forwarded-message banners) are found by
``mail-parser-reply``; ``>``-quoted lines and the RFC 3676 ``-- `` signature
delimiter are handled here because the library leaves them in place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = ["CleanBody", "clean_body", "html_to_text"]

_SIG_DELIMITER = re.compile(r"^-- ?$", re.MULTILINE)
_FORWARD_BANNER = re.compile(
    r"^[ \t]*-{2,}[ \t]*(?:Forwarded message|Original message|Forwarded by)[^\n]*$",
    re.IGNORECASE | re.MULTILINE,
)
# Longer bodies are cut before the regex-heavy reply parser: the new text of a
# reply sits at the top, and a pathological 2 MB body must not stall a worker.
_MAX_PARSE_CHARS = 16_000
# The reply parser costs ~2 ms a message; most of that is spent proving that a
# body without any reply header or sign-off has none. This cheap test finds
# every line the parser's patterns could start on.
_MAYBE_STRUCTURED = re.compile(
    r"wrote:|schrieb|a écrit|escribió|^\s*(?:from|sent|von|de|date|to|subject)\s*:|-{3,}|_{5,}|"
    r"^\s*(?:best|kind|warm|many)?\s*"
    r"(?:regards|thanks|thank you|cheers|sincerely|sent from|get outlook)",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True, slots=True)
class CleanBody:
    text: str
    quoted: str
    signature: str


@lru_cache(maxsize=1)
def _parser() -> Any:
    from mailparser_reply import EmailReplyParser

    return EmailReplyParser(languages=["en"])


def _strip_quoted_lines(text: str) -> tuple[str, str]:
    kept: list[str] = []
    quoted: list[str] = []
    for line in text.split("\n"):
        (quoted if line.lstrip().startswith(">") else kept).append(line)
    return "\n".join(kept), "\n".join(quoted)


def clean_body(text: str) -> CleanBody:
    """Return the new text of a message with quotes and signature separated.

    >>> c = clean_body("Sounds good.\\n\\nOn Mon, 2 Mar 2026, Sam <s@x.io> wrote:\\n> Ready?")
    >>> c.text, c.quoted
    ('Sounds good.', 'On Mon, 2 Mar 2026, Sam <s@x.io> wrote:\\n> Ready?')
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    tail = ""
    if len(text) > _MAX_PARSE_CHARS:
        text, tail = text[:_MAX_PARSE_CHARS], text[_MAX_PARSE_CHARS:]
    banner = _FORWARD_BANNER.search(text)
    forwarded = ""
    if banner:
        text, forwarded = text[: banner.start()], text[banner.start() :]
    replies = _parser().read(text).replies if _MAYBE_STRUCTURED.search(text) else []
    if replies:
        first = replies[0]
        new_text = first.body
        signature = first.signatures or ""
        history = [r.content for r in replies[1:]]
    else:
        new_text, signature, history = text, "", []
    sig = _SIG_DELIMITER.search(new_text)
    if sig:
        new_text, signature = (
            new_text[: sig.start()],
            new_text[sig.end() :].strip() + ("\n" + signature if signature else ""),
        )
    new_text, inline_quotes = _strip_quoted_lines(new_text)
    quoted_parts = [p for p in (inline_quotes.strip(), *history, forwarded.strip(), tail) if p]
    return CleanBody(
        text=_squeeze(new_text),
        quoted="\n".join(quoted_parts).strip(),
        signature=signature.strip(),
    )


_BLANKS = re.compile(r"\n{3,}")


def _squeeze(text: str) -> str:
    return _BLANKS.sub("\n\n", text).strip()


_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_BLOCK = re.compile(r"<\s*(br|/p|/div|/li|/tr|/h[1-6])\s*/?>", re.IGNORECASE)
_QUOTE_BLOCK = re.compile(r"<blockquote\b.*?</blockquote\s*>", re.IGNORECASE | re.DOTALL)


def html_to_text(html: str) -> str:
    """A plain-text rendering of an HTML body, good enough for scoring."""
    import html as html_lib

    # Quoted history in HTML mail lives in <blockquote>; keep it as ">" lines.
    def _quote(match: re.Match[str]) -> str:
        inner = html_to_text(match.group(0)[match.group(0).find(">") + 1 :])
        return "\n" + "\n".join("> " + line for line in inner.splitlines()) + "\n"

    html = _QUOTE_BLOCK.sub(_quote, html)
    html = _BLOCK.sub("\n", html)
    text = html_lib.unescape(_TAGS.sub("", html))
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return _squeeze("\n".join(lines))
