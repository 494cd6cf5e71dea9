"""Rebuild conversation threads from message headers (JWZ-style, union-find).

Messages join a thread when they are linked by Message-ID / In-Reply-To /
References (a missing parent still links its replies, like JWZ's dummy
containers), or share a provider thread id (Gmail ``X-GM-THRID``, Outlook
``Thread-Index``). A reply or forward that carries no link headers at all
(Enron's exports, many mobile clients) falls back to its subject: it joins the
most recent thread with the same normalised subject that shares a participant
and was active within ``subject_window``.

Because the result depends only on the set of headers, replies that arrive
before their parent are threaded correctly once the parent arrives.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta

from tieline.domain import ThreadHeader

__all__ = ["build_threads", "normalize_subject", "is_reply_subject"]

_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|tr|rif|antw|r|enc)\s*(?:\[\d+\])?\s*[:：]\s*|\[[^\]]{1,40}\]\s*)",
    re.IGNORECASE,
)


def normalize_subject(subject: str) -> str:
    """Strip reply/forward prefixes and list tags; lower-case; squeeze spaces.

    >>> normalize_subject("RE: Fwd: [acme-cs] Renewal  Quote")
    'renewal quote'
    """
    previous = None
    while previous != subject:
        previous = subject
        subject = _PREFIX.sub("", subject, count=1)
    return " ".join(subject.split()).lower()


def is_reply_subject(subject: str) -> bool:
    return bool(_PREFIX.match(subject)) and not subject.lstrip().startswith("[")


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent
        root = parent.setdefault(x, x)
        while root != parent[root]:
            root = parent[root]
        while x != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def build_threads(
    headers: Iterable[ThreadHeader], *, subject_window: timedelta = timedelta(days=45)
) -> dict[str, str]:
    """Map every message key to its thread key (the key of the thread's earliest message).

    >>> from datetime import datetime, UTC
    >>> a = ThreadHeader("a", datetime(2026, 1, 1, tzinfo=UTC), "Plan")
    >>> b = ThreadHeader("b", datetime(2026, 1, 2, tzinfo=UTC), "Re: Plan", in_reply_to="a")
    >>> build_threads([b, a])
    {'a': 'a', 'b': 'a'}
    """
    ordered = sorted(headers, key=lambda h: (h.sent_at, h.key))
    uf = _UnionFind()
    msg = "m:"  # prefixes keep message ids apart from provider thread ids
    for h in ordered:
        node = msg + h.key
        uf.find(node)
        for ref in (*h.references, h.in_reply_to):
            if ref:
                uf.union(msg + ref, node)
        if h.provider_thread_id:
            uf.union("p:" + h.provider_thread_id, node)

    # Subject fallback, in time order: (root, last activity, participants) per subject.
    recent: dict[str, list[tuple[str, ThreadHeader]]] = {}
    for h in ordered:
        node = msg + h.key
        subject = normalize_subject(h.subject)
        if not subject:
            continue
        unlinked = not h.references and not h.in_reply_to and not h.provider_thread_id
        candidates = recent.setdefault(subject, [])
        if unlinked and is_reply_subject(h.subject):
            for i in range(len(candidates) - 1, -1, -1):
                root, last = candidates[i]
                if h.sent_at - last.sent_at > subject_window:
                    break
                if h.participants & last.participants:
                    uf.union(root, node)
                    break
        candidates.append((uf.find(node), h))
        if len(candidates) > 64:  # generic subjects ("Re: question") stay cheap
            del candidates[:32]

    first_of_root: dict[str, str] = {}
    result: dict[str, str] = {}
    for h in ordered:
        root = uf.find(msg + h.key)
        result[h.key] = first_of_root.setdefault(root, h.key)
    return result
