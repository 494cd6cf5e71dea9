"""Bounded reading of an export's files: ZIP members or files of a folder.

An export may be an upload from anyone: a 1 MB ZIP can hold a 1 GiB member. Each
file is opened through :class:`BoundedFiles`, which refuses (:class:`Refused`,
with the reason and detail for a Skipped) a file whose declared size is over
``max_file_bytes``, would take the export past ``max_total_bytes``, or expands
more than ``max_ratio`` times its compressed size, before anything is expanded;
and stops a stream that delivers more than its header promised. In a folder,
a file reached through a link out of the folder is refused too.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tieline.ingest.files import within
from tieline.ingest.jsonstream import iter_array

__all__ = ["BoundedFiles", "ExportLimits", "Refused"]

_MiB = 1 << 20


@dataclass(frozen=True, slots=True)
class ExportLimits:
    """How far one export may expand: per file, in all, and per compressed byte.

    ``max_ratio`` applies to files over 1 MiB (small JSON files compress far better
    than any honest large one).
    """

    max_file_bytes: int = 64 * _MiB
    max_total_bytes: int = 4096 * _MiB
    max_ratio: int = 100


class Refused(Exception):
    """A file the export limits keep unread: ``reason`` and ``detail`` for the Skipped."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def _mib(n: int) -> str:
    return f"{n / _MiB:.1f} MiB"


class _Bounded:
    """A ZIP member's stream that stops (raises ``Refused``) past ``limit`` bytes."""

    def __init__(self, raw: IO[bytes], limit: int, refuse: Refused) -> None:
        self._raw, self._limit, self._refuse = raw, limit, refuse
        self.delivered = 0

    def read(self, size: int = -1) -> bytes:
        # Never more than one byte past the limit, however much the caller asks for.
        room = self._limit - self.delivered + 1
        data = self._raw.read(min(size, room) if size >= 0 else room)
        self.delivered += len(data)
        if self.delivered > self._limit:
            raise self._refuse
        return data

    def close(self) -> None:
        self._raw.close()


class BoundedFiles:
    """The files of one export (``zf`` a ZIP, or None for the folder ``root``) within limits.

    ``expanded`` counts the bytes read so far, over all files.
    """

    def __init__(self, root: Path, zf: zipfile.ZipFile | None, limits: ExportLimits) -> None:
        self.root, self.zf, self.limits = root, zf, limits
        self.expanded = 0

    def _check(self, size: int, compressed: int | None) -> int:
        """The most bytes a file of ``size`` may expand to; raises ``Refused`` when over."""
        lim = self.limits
        if size > lim.max_file_bytes:
            raise Refused(
                "file too large", f"{_mib(size)} expanded, over max_export_file_bytes "
                f"({_mib(lim.max_file_bytes)})",
            )  # fmt: skip
        if self.expanded + size > lim.max_total_bytes:
            raise Refused(
                "file too large", f"the export would expand past max_export_bytes "
                f"({_mib(lim.max_total_bytes)}) with this file ({_mib(size)})",
            )  # fmt: skip
        limit = min(lim.max_file_bytes, lim.max_total_bytes - self.expanded)
        if compressed is not None:
            if size > _MiB and size > lim.max_ratio * max(compressed, 1):
                raise Refused(
                    "compression ratio too high", f"{_mib(size)} from {compressed:,} bytes, "
                    f"over max_compression_ratio ({lim.max_ratio})",
                )  # fmt: skip
            limit = min(limit, max(_MiB, lim.max_ratio * compressed))
        return limit

    def open(self, name: str, info: zipfile.ZipInfo | None) -> _Bounded:
        """The file as a stream that cannot expand past the limits (``Refused``)."""
        if self.zf is None or info is None:
            file = self.root / name
            if not within(self.root, file):
                raise Refused("link outside the export", f"{name} leads out of {self.root}")
            limit = self._check(file.stat().st_size, None)
            raw: IO[bytes] = file.open("rb")
        else:
            limit = self._check(info.file_size, info.compress_size)
            raw = self.zf.open(info)
        # Checked on the bytes read, too: headers are the archive's word, not a fact.
        refuse = Refused(
            "file too large", f"expanded past {_mib(limit)} while read, over the export "
            "limits (its declared size was smaller)",
        )  # fmt: skip
        return _Bounded(raw, limit, refuse)

    def elements(self, name: str, info: zipfile.ZipInfo | None = None) -> Iterator[Any]:
        """The JSON array in file ``name`` (ZIP member ``info``), element by element."""
        stream = self.open(name, info)
        try:
            yield from iter_array(stream)
        finally:
            self.expanded += stream.delivered
            stream.close()
