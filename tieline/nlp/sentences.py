"""Sentence boundaries for message text: spaCy's rule-based sentencizer, line-aware.

Emails and chat break sentences with lines as often as with punctuation (greetings,
bullets, sign-offs), so each non-empty line is split on its own. The spaCy pipeline is
built on first use (``spacy.blank("en")`` + ``sentencizer``: no model download).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

__all__ = ["SentenceSplitter"]

_LINE = re.compile(r"[^\n]+")
_MIN_CHARS = 2


class SentenceSplitter:
    """Callable: ``split(text) -> [(start, end), ...]`` character offsets of sentences.

    >>> SentenceSplitter()("Hi Ana,\\nThe export failed again. Can you check?")
    [(0, 7), (8, 32), (33, 47)]
    """

    def __init__(self, *, max_chars: int = 1000) -> None:
        self._nlp: Any = None
        self.max_chars = max_chars  # a sentence longer than this is cut (tables, logs)

    def _pipeline(self) -> Any:
        if self._nlp is None:
            import spacy

            nlp = spacy.blank("en")
            nlp.add_pipe("sentencizer")
            self._nlp = nlp
        return self._nlp

    def __call__(self, text: str) -> list[tuple[int, int]]:
        return self.split_many([text])[0]

    def split_many(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """Split many texts at once (spaCy's ``pipe`` batches the work)."""
        lines: list[tuple[int, int, int]] = []  # (text index, line start, line end)
        for t, text in enumerate(texts):
            for m in _LINE.finditer(text):
                if m.group().strip():
                    lines.append((t, m.start(), m.end()))
        out: list[list[tuple[int, int]]] = [[] for _ in texts]
        docs = self._pipeline().pipe(texts[t][a:b] for t, a, b in lines)
        for (t, a, _), doc in zip(lines, docs, strict=True):
            for sent in doc.sents:
                chunk = sent.text.strip()
                if len(chunk) < _MIN_CHARS:
                    continue
                start = a + sent.start_char + (len(sent.text) - len(sent.text.lstrip()))
                end = start + len(chunk)
                while end - start > self.max_chars:
                    out[t].append((start, start + self.max_chars))
                    start += self.max_chars
                out[t].append((start, end))
        return out
