"""Ticket export files read record by record: JSON, JSON lines and CSV.

A bad line, row or record is Skipped with its place and reason and the rest of
the file is read: undecodable bytes (each line is decoded on its own, see
:mod:`tieline.ingest.decoding`; UTF-16 and UTF-32 with or without a BOM are
read), a CSV cell over 8 MiB, a JSON line that does not parse, a record nested
past 64 levels (a document nested past Python's own parser is read again with
the bounded :mod:`tieline.ingest.jsonstream`). Only a file that cannot be read
at all raises :class:`~tieline.errors.IngestError`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tieline.domain import Skipped
from tieline.errors import IngestError
from tieline.ingest import jsonstream
from tieline.ingest.decoding import DecodedText, decode_lines

__all__ = ["load_records", "load_rows", "read_file"]

Row = dict[str, Any]

_MAX_DEPTH = 64  # levels of nesting in one record: real exports use fewer than ten
_MAX_FIELD = 8 * 1024 * 1024  # characters in one CSV cell, as max_message_bytes
_CSV_MODULE_LIMIT = 1 << 30


def read_file(path: Path) -> tuple[Any, list[Skipped]]:
    """A JSON document, the objects of a JSON-lines file, or the rows of a CSV file.

    Decoded line by line (:mod:`tieline.ingest.decoding`); a line or row that cannot be
    decoded or parsed is Skipped at ``<path>#line=<n>`` and the rest is read.
    """
    try:
        decoded = decode_lines(path.read_bytes())
    except OSError as exc:
        raise IngestError(f"cannot read {path}: {exc}") from exc
    text = decoded.text
    suffix, head = path.suffix.lower(), text.lstrip()[:1]
    sniff = suffix not in (".json", ".csv", ".tsv")
    if suffix in (".jsonl", ".ndjson") or (sniff and head == "{"):
        return _json_lines(path, decoded)
    if suffix == ".json" or (sniff and head == "["):
        return _json_document(path, text), []
    return _csv_rows(path, decoded, "excel-tab" if suffix == ".tsv" else "excel")


def _json_lines(path: Path, decoded: DecodedText) -> tuple[list[Row | None], list[Skipped]]:
    """The objects of a JSON-lines file; None for a line Skipped, so later ones keep
    their numbers."""
    rows: list[Row | None] = []
    skipped: list[Skipped] = []
    for n, line in enumerate(decoded.lines, 1):
        where = f"{path}#line={n}"
        if n in decoded.bad:
            skipped.append(Skipped(where, "undecodable line", decoded.bad[n]))
            rows.append(None)
            continue
        try:
            item = json.loads(line) if line.strip() else {}
        except RecursionError:
            detail = "deeper than Python's JSON parser goes (records may nest 64 levels)"
            skipped.append(Skipped(where, "JSON nested too deeply", detail))
            rows.append(None)
            continue
        except ValueError as exc:
            skipped.append(Skipped(where, "unparseable JSON line", str(exc)[:200]))
            rows.append(None)
            continue
        if not isinstance(item, dict):
            skipped.append(Skipped(where, "not a JSON object", line[:80]))
            rows.append(None)
        elif item:
            rows.append(item)
    return rows, skipped


def _json_document(path: Path, text: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        # Nested past Python's parser: read again with a bounded reader, whose
        # too-deep parts make only their own records Skipped (see load_records).
        try:
            return jsonstream.load(io.BytesIO(text.encode("utf-8", "surrogatepass")))
        except jsonstream.JsonError as exc:
            raise IngestError(f"{path} is not valid JSON: {exc}") from exc
    except ValueError as exc:
        raise IngestError(f"{path} is not valid JSON: {exc}") from exc


def _csv_rows(
    path: Path, decoded: DecodedText, dialect: str
) -> tuple[list[Row | None], list[Skipped]]:
    """The rows of a CSV file as dicts by header, None where a row could not be read
    (so later rows keep their numbers), and those rows' Skipped."""
    # The module's limit (128 KiB) would end the whole file at one long cell; the file
    # is in memory anyway, so cells are bounded here instead, row by row.
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_MODULE_LIMIT))
    reader = csv.reader(iter(decoded.lines), dialect=dialect)
    skipped: list[Skipped] = []
    try:
        header = next(reader)
    except StopIteration:
        return [], []
    except csv.Error as exc:
        raise IngestError(f"{path} is not a readable CSV file: {exc}") from exc
    bad_header = [n for n in range(1, reader.line_num + 1) if n in decoded.bad]
    if bad_header:
        raise IngestError(f"{path}: the header cannot be decoded ({decoded.bad[bad_header[0]]})")
    rows: list[Row | None] = []
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            skipped.append(Skipped(f"{path}#line={start}", "unreadable CSV row", str(exc)[:200]))
            start = reader.line_num + 1
            rows.append(None)
            continue
        where, lines = f"{path}#line={start}", range(start, reader.line_num + 1)
        start = reader.line_num + 1
        if not cells:  # a blank line, as csv.DictReader passes over it
            continue
        bad = next((n for n in lines if n in decoded.bad), None)
        longest = max(len(c) for c in cells)
        if bad is not None:
            skipped.append(Skipped(where, "undecodable row", f"line {bad}: {decoded.bad[bad]}"))
            rows.append(None)
        elif longest > _MAX_FIELD:
            detail = f"a cell of {longest:,} characters (limit {_MAX_FIELD:,})"
            skipped.append(Skipped(where, "field too large", detail))
            rows.append(None)
        else:
            rows.append(dict(zip(header, cells, strict=False)) | _missing(header, cells))
    return rows, skipped


def _missing(header: list[str], cells: list[str]) -> Row:
    """csv.DictReader's ``restval``: columns a short row lacks are None."""
    return {name: None for name in header[len(cells) :]}


def load_records(
    path: Path, data: Any, keys: Sequence[str]
) -> tuple[list[tuple[int, Row]], list[Skipped]]:
    """The objects of a JSON array (or of the list under the first of ``keys`` it has)
    with their 1-based positions; records nested deeper than any export writes are
    Skipped at ``<path>#record=<n>``."""
    if isinstance(data, dict):
        data = next((data[k] for k in keys if isinstance(data.get(k), list)), None)
        if data is None:
            raise IngestError(f"{path}: no record list under {', '.join(keys)}")
    if not isinstance(data, list):
        raise IngestError(f"{path}: expected a JSON array of records")
    rows: list[tuple[int, Row]] = []
    skipped: list[Skipped] = []
    for n, item in enumerate(data, 1):
        if not isinstance(item, dict):
            continue
        if jsonstream.too_deep(item, _MAX_DEPTH):
            detail = f"over {_MAX_DEPTH} levels of nested objects or arrays"
            skipped.append(Skipped(f"{path}#record={n}", "record nested too deeply", detail))
        else:
            rows.append((n, item))
    return rows, skipped


def load_rows(path: Path, data: Any, keys: Sequence[str], skipped: list[Skipped]) -> list[Row]:
    """:func:`load_records` without positions, its Skipped added to ``skipped``."""
    rows, bad = load_records(path, data, keys)
    skipped.extend(bad)
    return [row for _, row in rows]
