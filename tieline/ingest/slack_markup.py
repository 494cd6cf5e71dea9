"""Slack's message markup and rich text as plain text, and who a message mentions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["mentioned_user_ids", "render_slack_text", "rich_text"]

_MARKUP = re.compile(r"<([^<>\n]*)>")
_MENTION = re.compile(r"<@([A-Za-z0-9]+)(?:\|[^<>]*)?>")
_BROADCASTS = frozenset({"here", "channel", "everyone"})


def _str(obj: Any, key: str) -> str:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, str) else ""


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _render_one(inner: str, names: Mapping[str, str], channels: Mapping[str, str]) -> str:
    target, _, label = inner.partition("|")
    label = _unescape(label)
    if target.startswith("@"):
        return "@" + (names.get(target[1:]) or label.lstrip("@") or target[1:])
    if target.startswith("#"):
        return "#" + (label or channels.get(target[1:]) or target[1:])
    if target.startswith("!"):  # <!here>, <!subteam^S1|@cs>, <!date^...|Mar 10>
        command = target[1:]
        if command in _BROADCASTS:
            return "@" + command
        return label or "@" + command.rpartition("^")[2]
    return label or _unescape(target).removeprefix("mailto:")


def render_slack_text(
    text: str, names: Mapping[str, str] | None = None, channels: Mapping[str, str] | None = None
) -> str:
    """Slack's message markup as plain text; ``names``/``channels`` map ids to names.

    >>> render_slack_text("<@U1> see <#C2|general> &amp; <https://x.io|the doc>", {"U1": "Dana"})
    '@Dana see #general & the doc'
    """
    parts = _MARKUP.split(text)
    names, channels = names or {}, channels or {}
    return "".join(
        _render_one(part, names, channels) if i % 2 else _unescape(part)
        for i, part in enumerate(parts)
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_INLINE = {
    "user": lambda e: f"<@{_str(e, 'user_id')}>",
    "channel": lambda e: f"<#{_str(e, 'channel_id')}>",
    "usergroup": lambda e: f"<!subteam^{_str(e, 'usergroup_id')}>",
    "broadcast": lambda e: f"<!{_str(e, 'range')}>",
    "emoji": lambda e: f":{_str(e, 'name')}:",
    "link": lambda e: f"<{_escape(_str(e, 'url'))}|{_escape(_str(e, 'text'))}>"
    if _str(e, "text") else f"<{_escape(_str(e, 'url'))}>",
}  # fmt: skip


def rich_text(value: Any, depth: int = 0) -> str:
    """Slack markup of a ``text`` given as a list, or of rich-text ``blocks``.

    Inline elements of a section run together; sections, lists, quotes and list
    items each take a line. Strings are taken as Slack markup already.

    >>> rich_text([{"type": "rich_text", "elements": [{"type": "rich_text_section",
    ...     "elements": [{"type": "user", "user_id": "U1"}, {"type": "text", "text": " hi"}]}]}])
    '<@U1> hi'
    """
    if isinstance(value, str):
        return value
    if depth > 16:  # rich text nests a few levels; past that it is no message
        return ""
    if isinstance(value, list):
        return "\n".join(t for t in (rich_text(v, depth + 1) for v in value) if t)
    if not isinstance(value, dict):
        return ""
    kind = _str(value, "type")
    if kind == "text":
        return _escape(_str(value, "text"))
    if kind in _INLINE:
        return _INLINE[kind](value)
    if isinstance(elements := value.get("elements"), list):
        parts = (rich_text(e, depth + 1) for e in elements)
        return ("" if kind == "rich_text_section" else "\n").join(p for p in parts if p)
    return rich_text(value.get("text"), depth + 1)  # a section block's {"text": {...}}


def mentioned_user_ids(text: str) -> list[str]:
    """User ids @-mentioned in raw Slack text, in order, without repeats."""
    return list(dict.fromkeys(_MENTION.findall(text)))
