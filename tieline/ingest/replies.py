"""Attribute reply-to links in busy chat channels that have no threads.

IRC channels, and Slack/Teams channels where people do not use threads, are a
single interleaved stream: several conversations run at once, and nothing says
which earlier message a line answers. :func:`attribute_replies` recovers a
likely parent for each message with cheap, explainable heuristics (addressing,
recency, conversation partners, word overlap) in ``O(n * max_back)``.

The heuristics and their defaults were tuned on the dev split and non-test
extra channels of the Kummerfeld et al. (2019) IRC disentanglement corpus; see
``eval/irc_reply_links.py`` for the measurement.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["ChatLine", "attribute_replies", "is_system_line", "addressees"]


@dataclass(frozen=True, slots=True)
class ChatLine:
    """One chat message.

    Attributes
    ----------
    key : str
        Unique id of the message (returned in the attribution mapping).
    at : datetime
        When it was sent; the sequence must be in chronological order.
    author : str
        The sender's nick / handle. An empty author marks a system line.
    text : str
        The message body, without the author prefix.
    mentions : tuple of str
        Structured mentions supplied by the source (e.g. Slack ``<@U123>``
        resolved to handles), in addition to those parsed from ``text``.
    """

    key: str
    at: datetime
    author: str
    text: str
    mentions: tuple[str, ...] = ()


_SYSTEM_PREFIXES = ("===", "***", "-!-")
_LEADING = re.compile(r"^\s*@?([^\s:,;>]+)\s*[:,;>]")
_FIRST_TOKEN = re.compile(r"^\s*@?([^\s:,;>]+)")
_AT_MENTION = re.compile(r"(?<![\w@])@([\w\-\[\]\\`^{}|.]+)")
_WORD = re.compile(r"[a-z0-9][a-z0-9_.\-/+]*[a-z0-9]|[a-z0-9]")
_NOT_NICKS = frozenset(
    "note edit update also ok okay yes no well so but and hi hey hello thanks btw ps e.g i.e"
    " http https ftp".split()
)
_STOPWORDS = frozenset(
    """
    a about above after again all also am an and any are as at be because been before being
    but by can could did do does doing don't dont for from get got had has have having he her
    here him his how i i'm im if in into is it it's its just know like me more my no not now of
    off ok okay on one only or other our out so some still such than thanks thank that the their
    them then there these they this those to too try up use using very want was we well were what
    when where which who why will with would yes yeah you your you're hi hello hey please need
    work works working problem help anyone someone thing something way see think sure really
    """.split()
)


def is_system_line(line: ChatLine) -> bool:
    """Return True for join/part/quit/nick-change and other server lines.

    A line is a system line when it has no author or its text starts with an
    IRC client's status marker (``===``, ``***``, ``-!-``).

    >>> from datetime import datetime
    >>> is_system_line(ChatLine("1", datetime(2024, 1, 1), "", "=== bob has joined #x"))
    True
    """
    if not line.author.strip():
        return True
    return line.text.lstrip().startswith(_SYSTEM_PREFIXES)


def _norm(nick: str) -> str:
    return nick.strip().lstrip("@").rstrip("_`|^").lower()


def addressees(line: ChatLine, known: set[str] | frozenset[str]) -> list[str]:
    """Normalised nicks that ``line`` explicitly addresses, most explicit first.

    Recognises ``nick: ...`` / ``nick, ...`` at the start, a bare nick as the
    first word, ``@nick`` anywhere and ``line.mentions``. A bare first word
    only counts when it is in ``known`` (normalised nicks seen so far), and a
    few ordinary words (``note:``, ``edit:``, ``ok,`` ...) never count as a
    ``nick:`` prefix. An address to someone who never speaks is harmless: the
    rules that use it find no message by that nick and fall through.

    >>> from datetime import datetime
    >>> line = ChatLine("1", datetime(2024, 1, 1), "amy", "bob: try @Cy_ too")
    >>> addressees(line, {"bob", "cy"})
    ['bob', 'cy']
    """
    found: list[str] = []

    def add(nick: str, *, check: bool = True) -> None:
        n = _norm(nick)
        if n and n not in found and n != _norm(line.author) and (not check or n in known):
            found.append(n)

    for nick in line.mentions:
        add(nick, check=False)
    text = line.text
    leading = _LEADING.match(text)
    if leading and (leading.group(1) not in _NOT_NICKS):
        add(leading.group(1), check=False)
    else:
        bare = _FIRST_TOKEN.match(text)
        if bare:
            add(bare.group(1))
    for nick in _AT_MENTION.findall(text):
        add(nick.rstrip("."), check=False)
    return found


def _content_words(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in _STOPWORDS)


def attribute_replies(
    messages: Sequence[ChatLine],
    *,
    window: timedelta = timedelta(minutes=10),
    max_back: int = 50,
    gap: timedelta = timedelta(0),
    min_overlap: int = 2,
    continuation: timedelta = timedelta(minutes=3),
) -> dict[str, str | None]:
    """Map each message key to the key of the message it most likely replies to.

    Messages must be in chronological order. ``None`` means the message starts
    a new conversation (or is a system line). Only the ``max_back`` previous
    non-system messages are ever considered, so the cost is
    ``O(len(messages) * max_back)``.

    Parameters
    ----------
    messages : sequence of ChatLine
        The channel, oldest first.
    window : timedelta
        How far back a parent may be for the recency-based rules (c)-(e), and
        the preferred range for rule (a).
    max_back : int
        How many previous non-system messages are searched at most.
    gap : timedelta
        Rule (e)'s last resort links to the previous message by another author
        only when it is at most this old. The default (0: same timestamp,
        i.e. the same minute in minute-stamped IRC logs) was tuned on busy
        channels, where linking to "whatever came before" is usually wrong.
    min_overlap : int
        Content words a candidate must share with the message for rule (e)'s
        lexical match.
    continuation : timedelta
        Rule (b) links a line to the author's own immediately preceding line
        when it is at most this old.

    Returns
    -------
    dict
        ``{key: parent_key or None}`` for every message, system lines included.

    Notes
    -----
    Rules, first match wins (nicks compare case-insensitively, ignoring a
    leading ``@`` and trailing ``_`|^``):

    a. **Explicit address.** ``nick: ...``, ``nick, ...``, a known nick as the
       first word, ``@nick`` or a structured mention: the most recent message
       by that person within ``window``; failing that, within ``max_back``
       lines regardless of time.
    b. **Continuation.** An unaddressed line right after the author's own
       previous line (no one spoke in between, at most ``continuation`` later)
       continues it.
    c. **Being addressed.** The most recent message (within ``window``) by
       another author that addressed this message's author.
    d. **Conversation partner.** The most recent message (within ``window``)
       by the author's current partner, i.e. the person whose reply link
       with this author (in either direction) was attributed most recently.
    e. **Fallback** within ``window``: the candidate by another author sharing
       most content words (at least ``min_overlap``; a question gets one bonus
       word when the message addresses no one); else the author's own
       previous message when it is the immediately preceding line; else the
       immediately previous message by another author when it is at most
       ``gap`` old; else ``None`` (a new conversation).

    System lines (no author, or text starting ``===``, ``***``, ``-!-``) are
    never parents and map to ``None``.

    Examples
    --------
    >>> from datetime import datetime, timedelta
    >>> t0 = datetime(2024, 5, 1, 9, 0)
    >>> lines = [
    ...     ChatLine("1", t0, "amy", "how do I rotate the api key?"),
    ...     ChatLine("2", t0 + timedelta(minutes=1), "bob", "anyone seen the outage?"),
    ...     ChatLine("3", t0 + timedelta(minutes=2), "cy", "amy: settings > keys > rotate"),
    ...     ChatLine("4", t0 + timedelta(minutes=3), "dan", "bob: status page says db"),
    ...     ChatLine("5", t0 + timedelta(minutes=4), "amy", "thanks, that did it"),
    ... ]
    >>> attribute_replies(lines)
    {'1': None, '2': None, '3': '1', '4': '2', '5': '3'}
    """
    if max_back < 1:
        raise ValueError("max_back must be >= 1")

    result: dict[str, str | None] = {}
    history: list[tuple[ChatLine, str, list[str], frozenset[str]]] = []
    known: set[str] = set()
    partner: dict[str, str] = {}

    for line in messages:
        if is_system_line(line):
            result[line.key] = None
            continue
        author = _norm(line.author)
        targets = addressees(line, known)
        words = _content_words(line.text)
        recent = history[-max_back:]
        recent.reverse()  # newest first
        earliest = line.at - window
        parent: tuple[ChatLine, str, list[str], frozenset[str]] | None = None

        # (a) explicit addressee
        for target in targets:
            in_window = next((h for h in recent if h[1] == target and h[0].at >= earliest), None)
            parent = in_window or next((h for h in recent if h[1] == target), None)
            if parent is not None:
                break

        # (b) continuation: the author's own message is the immediately preceding line
        if (
            parent is None
            and not targets
            and recent
            and recent[0][1] == author
            and line.at - recent[0][0].at <= continuation
        ):
            parent = recent[0]

        # (c) a recent message by someone else that addressed this author
        if parent is None:
            parent = next(
                (h for h in recent if h[0].at >= earliest and h[1] != author and author in h[2]),
                None,
            )

        # (d) the author's current conversation partner
        if parent is None and author in partner:
            mate = partner[author]
            parent = next((h for h in recent if h[0].at >= earliest and h[1] == mate), None)

        # (e) lexical overlap, own previous line, previous line, or nothing
        if parent is None and recent:
            best_score = 0
            for h in recent:
                if h[0].at < earliest:
                    break
                if h[1] == author:
                    continue
                score = len(words & h[3])
                if score and h[0].text.rstrip().endswith("?") and not targets:
                    score += 1
                if score >= min_overlap and score > best_score:
                    best_score, parent = score, h
            if parent is None:
                previous = recent[0]
                if previous[1] == author and previous[0].at >= earliest:
                    parent = previous
                else:
                    other = next((h for h in recent if h[1] != author), None)
                    if other is not None and line.at - other[0].at <= gap:
                        parent = other

        if parent is None:
            result[line.key] = None
        else:
            result[line.key] = parent[0].key
            if parent[1] != author:
                partner[author] = parent[1]
                partner[parent[1]] = author

        known.add(author)
        history.append((line, author, targets, words))
        if len(history) > 2 * max_back:
            del history[:max_back]
    return result
