"""Bounded JSON reading: an array element by element, no value nested past a depth.

``json.loads`` needs the whole document in memory and raises ``RecursionError``
past about 1,000 levels; ``ijson.items`` streams but costs time and memory that
grow with the square of the nesting (each event carries its full path). Here
``ijson.basic_parse`` (yajl, in C, linear) gives the events and a small builder
turns them into values, replacing any container deeper than ``max_depth`` with
:data:`TOO_DEEP`, so a hostile file costs time linear in its size and memory of
one element.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import Any, Final, Protocol

import ijson

__all__ = ["TOO_DEEP", "JsonError", "NotAnArray", "Readable", "iter_array", "load", "too_deep"]

DEFAULT_MAX_DEPTH: Final = 64

_STARTS = frozenset({"start_map", "start_array"})
_ENDS = frozenset({"end_map", "end_array"})
# yajl re-scans a token that spans reads from its start: large reads keep a huge
# string's cost near linear (a 32 MiB string: 17 s in 64 KiB reads, 0.7 s in 4 MiB).
_CHUNK = 4 * 1024 * 1024


class _TooDeep:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<nested too deeply>"


TOO_DEEP: Final = _TooDeep()
"""Stands in for a container nested deeper than the reader's ``max_depth``."""


class Readable(Protocol):
    """What the readers need of a stream: ``read(size)`` giving bytes, ``b""`` at the end."""

    def read(self, size: int = -1, /) -> bytes: ...


class JsonError(ValueError):
    """The input is not valid JSON (or not in an encoding JSON allows)."""


class NotAnArray(JsonError):
    """The document is valid so far but its top level is not an array."""


class _Utf8:
    """A binary stream as UTF-8 bytes: a UTF-8 BOM dropped, UTF-16/32 re-encoded."""

    def __init__(self, stream: Readable) -> None:
        self._stream = stream
        head = stream.read(4)
        self._head: bytes = head
        self._decoder: codecs.IncrementalDecoder | None = None
        if head.startswith(codecs.BOM_UTF8):
            self._head = head[3:]
        elif len(head) >= 2 and (encoding := json.detect_encoding(head)) != "utf-8":
            self._decoder = codecs.getincrementaldecoder(encoding)()

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson probes with read(0) whether the stream gives bytes
            return b""
        chunk = self._head + self._stream.read(size if size > 0 else _CHUNK)
        self._head = b""
        if self._decoder is None:
            return chunk
        try:
            return self._decoder.decode(chunk, final=not chunk).encode("utf-8", "surrogatepass")
        except UnicodeDecodeError as exc:
            raise JsonError(f"not valid {exc.encoding}: {exc.reason}") from exc


def _events(stream: Readable) -> Iterator[tuple[str, Any]]:
    try:
        yield from ijson.basic_parse(_Utf8(stream), buf_size=_CHUNK, use_float=True)
    except ijson.JSONError as exc:
        raise JsonError(_first_line(exc)) from exc


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    if text.startswith("b'"):  # yajl's lexical errors come as a bytes repr
        text = text[2:]
    return text.split("\n", 1)[0].split("\\n", 1)[0][:200] or type(exc).__name__


def _value(first: tuple[str, Any], events: Iterator[tuple[str, Any]], max_depth: int) -> Any:
    """The value whose first event is ``first``, read on from ``events``."""
    event, scalar = first
    if event not in _STARTS:
        return scalar
    if max_depth < 1:
        _skip(events)
        return TOO_DEEP
    root: dict[str, Any] | list[Any] = {} if event == "start_map" else []
    stack: list[dict[str, Any] | list[Any]] = [root]
    keys: list[str] = [""]  # the pending key of each open object
    for event, scalar in events:
        if event == "map_key":
            keys[-1] = scalar
            continue
        if event in _ENDS:
            stack.pop()
            keys.pop()
            if not stack:
                return root
            continue
        item: Any = scalar
        if event in _STARTS:
            if len(stack) >= max_depth:
                _skip(events)
                item = TOO_DEEP
            else:
                item = {} if event == "start_map" else []
        top = stack[-1]
        if isinstance(top, list):
            top.append(item)
        else:
            top[keys[-1]] = item
        if isinstance(item, dict | list):
            stack.append(item)
            keys.append("")
    raise JsonError("premature end of input")


def _skip(events: Iterator[tuple[str, Any]]) -> None:
    """Consume the rest of a container whose start event was just read."""
    open_ = 1
    for event, _ in events:
        if event in _STARTS:
            open_ += 1
        elif event in _ENDS:
            open_ -= 1
            if not open_:
                return
    raise JsonError("premature end of input")


def iter_array(stream: Readable, *, max_depth: int = DEFAULT_MAX_DEPTH) -> Iterator[Any]:
    """The elements of the JSON array in ``stream``, one at a time.

    An element's containers deeper than ``max_depth`` (the element itself is at
    depth 1) are :data:`TOO_DEEP`. Raises :class:`NotAnArray` before any element
    when the document is no array, and :class:`JsonError` where the input stops
    being valid JSON: the elements before that point have been yielded.
    """
    events = _events(stream)
    first = next(events, None)
    if first is None:
        raise JsonError("empty input")
    if first[0] != "start_array":
        raise NotAnArray("not a JSON array")
    for event in events:
        if event[0] == "end_array":
            for _ in events:  # yajl raises here on trailing garbage
                pass
            return
        yield _value(event, events, max_depth)
    raise JsonError("premature end of input")


def load(stream: Readable, *, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """A whole JSON document, containers past ``max_depth`` replaced by :data:`TOO_DEEP`."""
    events = _events(stream)
    first = next(events, None)
    if first is None:
        raise JsonError("empty input")
    value = _value(first, events, max_depth)
    for _ in events:
        pass
    return value


def too_deep(value: Any, max_depth: int = DEFAULT_MAX_DEPTH) -> bool:
    """Whether ``value`` nests containers deeper than ``max_depth`` or holds :data:`TOO_DEEP`.

    Iterative, so it answers for values far deeper than Python's recursion limit.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if item is TOO_DEEP:
            return True
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list)
                     or child is TOO_DEEP)  # fmt: skip
    return False
