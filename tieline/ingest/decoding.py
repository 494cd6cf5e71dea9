"""Text files of unknown encoding, decoded line by line, the undecodable lines named.

Exports from ticket systems and spreadsheets arrive as UTF-8, as UTF-8 with a
few rows pasted from a Windows tool (cp1252), or as UTF-16 from Excel. One bad
byte must not cost the whole file: a BOM decides the encoding when there is one;
otherwise each line is UTF-8 if it decodes as such, else the file's legacy
encoding, detected once by ``charset-normalizer`` from the lines that are not
UTF-8 (cp1252 wherever it fits as well as the best guess, or when there are too
few foreign bytes to tell: it is what Windows exports use). A line that decodes
in neither is decoded with replacement characters and listed in
:attr:`DecodedText.bad`, so its record can be skipped.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field

__all__ = ["DecodedText", "decode_lines", "legacy_encoding"]

_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_FALLBACK = "cp1252"
_SAMPLE = 1 << 20  # detection reads at most this much of the non-UTF-8 lines
# Below this many non-ASCII bytes detection guesses at random ("café" came out cp1006).
_FEW = 16


@dataclass(frozen=True, slots=True)
class DecodedText:
    """``lines`` each with its ``\\n`` (the last may lack it); ``bad`` maps 1-based
    line numbers to why they could not be decoded."""

    lines: list[str]
    encoding: str
    bad: dict[int, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "".join(self.lines)


def _split(text: str) -> list[str]:
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def _whole(raw: bytes, encoding: str) -> DecodedText:
    """A file in a BOM-declared (or evident) Unicode encoding: decoded in one piece."""
    try:
        return DecodedText(_split(raw.decode(encoding)), encoding)
    except UnicodeDecodeError:
        lines = _split(raw.decode(encoding, errors="replace"))
        bad = {n: f"not valid {encoding}" for n, line in enumerate(lines, 1) if "\ufffd" in line}
        return DecodedText(lines, encoding, bad)


def _unicode_without_bom(head: bytes) -> str | None:
    """UTF-16/32 told by its zero bytes, for files written without a BOM."""
    if len(head) < 4 or b"\x00" not in head:
        return None
    if head[0] == 0 and head[1] == 0:
        return "utf-32-be"
    if head[2] == 0 and head[3] == 0:
        return "utf-32-le"
    return "utf-16-be" if head[0] == 0 else "utf-16-le" if head[1] == 0 else None


def legacy_encoding(sample: bytes) -> str:
    """The single-byte encoding ``sample`` (text that is not UTF-8) is most likely in."""
    import charset_normalizer

    if sum(b > 0x7F for b in sample[:4096]) < _FEW:  # too little to tell by
        return _FALLBACK
    results = charset_normalizer.from_bytes(sample[:_SAMPLE])
    best = results.best()
    if best is None:
        return _FALLBACK
    tied = {m.encoding for m in results if m.chaos <= best.chaos}
    tied |= set(best.could_be_from_charset)
    if _FALLBACK in tied or best.encoding.startswith("utf"):
        return _FALLBACK
    return best.encoding


def decode_lines(raw: bytes) -> DecodedText:
    """``raw`` as lines of text; see the module docstring for how the encoding is chosen."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return _whole(raw, encoding)
    if (evident := _unicode_without_bom(raw[:4])) is not None:
        return _whole(raw, evident)
    try:
        return DecodedText(_split(raw.decode("utf-8")), "utf-8")
    except UnicodeDecodeError:
        pass
    chunks = raw.split(b"\n")
    foreign: list[bytes] = []
    for chunk in chunks:
        try:
            chunk.decode("utf-8")
        except UnicodeDecodeError:
            foreign.append(chunk)
    legacy = legacy_encoding(b"\n".join(foreign))
    lines: list[str] = []
    bad: dict[int, str] = {}
    for n, chunk in enumerate(chunks, 1):
        try:
            line = chunk.decode("utf-8")
        except UnicodeDecodeError:
            try:
                line = chunk.decode(legacy)
            except UnicodeDecodeError:
                line = chunk.decode(legacy, errors="replace")
                bad[n] = f"bytes that are neither UTF-8 nor {legacy}"
        lines.append(line)
    text = "\n".join(lines)
    return DecodedText(_split(text), f"utf-8 and {legacy}", bad)
