"""HTML bodies as plain text: libxml2 parses (through lxml), its events render.

Mail HTML is whatever a sender wrote, so the conversion must cost time in proportion to
the input whatever it holds. libxml2's HTML parser is linear on the inputs that make
regular expressions or an HTML5 tree builder quadratic (``"<" * n``, runs of unclosed
``<script`` or ``<blockquote``, ``<blockquote>`` nested a hundred thousand deep: an HTML5
builder such as lexbor checks the open elements' scope at each start tag, so n nested
blocks cost n squared steps). No tree is built: the parser's start, end and text events
go straight into the rendering (a parser target), so depth costs no recursion and no
memory beyond a counter. At most :data:`MAX_HTML_CHARS` of a body are converted; the rest
is dropped with a note, so one message's cost is bounded whatever its size.

The rendering keeps what scoring and quote stripping need: a line break per block and
per ``<br>`` and per line of the source text (mail often relies on those), other
whitespace collapsed as a browser does (kept inside ``<pre>``), scripts,
styles and comments left out, and ``<blockquote>`` lines prefixed with ``> `` per level,
which :func:`tieline.ingest.cleaning.clean_body` then moves to the quoted history.
"""

from __future__ import annotations

__all__ = ["MAX_HTML_CHARS", "html_to_text"]

MAX_HTML_CHARS = 512 * 1024  # a newsletter is 50-300 KB; past this, only the start is read
MAX_QUOTE_MARKS = 8  # "> " per level up to this: deeper quotes are still quotes

_SKIP = frozenset({"script", "style", "head", "title", "noscript", "template", "object"})
_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
    "tbody", "thead", "tfoot", "tr", "ul",
})  # fmt: skip
_CELL = frozenset({"td", "th"})


class _Text:
    """The rendered lines, built from the walk's events in one pass."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.line: list[str] = []
        self.quote = 0  # <blockquote> levels open
        self.pre = 0  # <pre> levels open

    def add(self, text: str | None) -> None:
        if not text:
            return
        first, *rest = text.split("\n")
        self.line.append(first)
        for piece in rest:
            # A browser joins source lines; mail often relies on them (text pasted into
            # HTML, "-----Original Message-----" at a line start), so they stay breaks.
            if self.pre:
                self.hard_break()
            else:
                self.soft_break()
            self.line.append(piece)

    def soft_break(self) -> None:
        """End the line unless it is empty (blocks never stack up blank lines)."""
        if any(not part.isspace() for part in self.line):
            self.hard_break()
        else:
            self.line.clear()

    def hard_break(self) -> None:
        raw = "".join(self.line)
        self.line.clear()
        text = raw.rstrip() if self.pre else " ".join(raw.split())
        if text and self.quote:
            text = "> " * min(self.quote, MAX_QUOTE_MARKS) + text
        if text or (self.lines and self.lines[-1]):  # at most one blank line in a row
            self.lines.append(text)

    def result(self) -> str:
        self.soft_break()
        return "\n".join(self.lines).strip("\n")


class _Target:
    """lxml parser target: libxml2's SAX events straight into :class:`_Text`, no tree."""

    def __init__(self) -> None:
        self.out = _Text()
        self.skip = 0  # <script>, <style> ... levels open: their text is not shown

    def start(self, tag: str, attrib: object) -> None:
        if self.skip or tag in _SKIP:
            self.skip += 1
            return
        out = self.out
        if tag in _BLOCK:
            out.soft_break()
            if tag == "blockquote":
                out.quote += 1
            elif tag == "pre":
                out.pre += 1
        elif tag == "br":
            out.hard_break()
        elif tag in _CELL:
            out.add(" ")

    def end(self, tag: str) -> None:
        if self.skip:
            self.skip -= 1
            return
        out = self.out
        if tag in _BLOCK:
            out.soft_break()
            if tag == "blockquote":
                out.quote = max(0, out.quote - 1)
            elif tag == "pre":
                out.pre = max(0, out.pre - 1)
        elif tag in _CELL:
            out.add(" ")

    def data(self, text: str) -> None:
        if not self.skip:
            self.out.add(text)

    def close(self) -> str:
        return self.out.result()


def html_to_text(html: str, *, max_chars: int = MAX_HTML_CHARS) -> str:
    """A plain-text rendering of an HTML body: blocks and ``<br>`` as line breaks,
    ``<blockquote>`` as ``> `` lines; past ``max_chars`` the rest is dropped with a note.

    >>> html_to_text("<p>Hi <b>team</b>,</p><blockquote>Old news</blockquote>")
    'Hi team,\\n> Old news'
    """
    import lxml.etree

    cut = max(0, len(html) - max_chars)
    target = _Target()
    # Bytes with the encoding named: a <meta charset> in the body must not re-decode
    # text that is already decoded, and a str with an XML declaration would be refused.
    parser = lxml.etree.HTMLParser(
        target=target, encoding="utf-8", recover=True, no_network=True, huge_tree=True,
        remove_comments=True, remove_pis=True,
    )  # fmt: skip
    data = (html[:max_chars] if cut else html).replace("\x00", "").encode("utf-8", "replace")
    try:
        parser.feed(data)
        text: str = parser.close()
    except lxml.etree.ParserError:  # nothing to parse (only comments, say)
        text = target.close()
    if not cut:
        return text
    note = f"[HTML body cut at {max_chars:,} characters: {cut:,} more not converted]"
    return f"{text}\n\n{note}" if text else note
