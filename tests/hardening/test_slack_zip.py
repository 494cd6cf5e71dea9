"""Slack ZIP uploads that try to exhaust memory (issue 14, item 3) and other hostile exports.

A bomb is rejected before it is expanded, as one Skipped with its reason, and the
export's other files are kept: shown by counting the bytes the reader takes out of
the ZIP, and by a run under an address-space cap that reading the member whole
would break.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tieline import service
from tieline.cli import app
from tieline.config import Settings
from tieline.domain import Message, Record, Skipped
from tieline.ingest.archive import ExportLimits
from tieline.ingest.slack import read_slack_export

MiB = 1 << 20
DAY1, DAY3 = "general/2026-01-01.json", "general/2026-01-03.json"
BOMB = "general/2026-01-02.json"


def _message(ts: str, text: str) -> dict[str, str]:
    return {"type": "message", "user": "U1", "text": text, "ts": ts}


def write_bomb_zip(path: Path, expanded: int, *, name: str = BOMB) -> Path:
    """An export with two good day files around one that expands to ``expanded`` bytes
    (a message whose text is that many "a"s), written in 1 MiB pieces."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("users.json", json.dumps([{"id": "U1", "name": "dana", "team_id": "T1"}]))
        zf.writestr("channels.json", json.dumps([{"id": "C1", "name": "general"}]))
        zf.writestr(DAY1, json.dumps([_message("1767225600.000100", "before the bomb")]))
        with zf.open(name, "w", force_zip64=True) as fh:
            fh.write(b'[{"type": "message", "user": "U1", "ts": "1767312000.000100", "text": "')
            piece = b"a" * MiB
            for _ in range(expanded // MiB):
                fh.write(piece)
            fh.write(b'"}]')
        zf.writestr(DAY3, json.dumps([_message("1767398400.000100", "after the bomb")]))
    return path


@pytest.fixture
def decompressed(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Bytes the reader took out of each ZIP member, counted at zipfile's own read."""
    counts: dict[str, int] = {}
    real_read = zipfile.ZipExtFile.read

    def counting_read(self: zipfile.ZipExtFile, n: int = -1) -> bytes:
        data = real_read(self, n)
        key = self.name
        counts[key] = counts.get(key, 0) + len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    return counts


def bodies(records: list[Record]) -> list[str]:
    return [r.body for r in records if isinstance(r, Message)]


def skips(records: list[Record]) -> list[Skipped]:
    return [r for r in records if isinstance(r, Skipped)]


def test_bomb_over_the_file_limit_is_rejected_unread(
    tmp_path: Path, decompressed: dict[str, int]
) -> None:
    path = write_bomb_zip(tmp_path / "export.zip", 200 * MiB)
    assert path.stat().st_size < 2 * MiB  # small upload, large expansion

    records = list(read_slack_export(path))

    assert bodies(records) == ["before the bomb", "after the bomb"]
    (bomb,) = skips(records)
    assert bomb.locator == f"{path}:{BOMB}"
    assert bomb.reason == "file too large"
    assert "200.0 MiB expanded, over max_export_file_bytes (64.0 MiB)" in bomb.detail
    assert decompressed.get(BOMB, 0) == 0  # refused from its header: nothing expanded
    assert decompressed[DAY1] < 1024 and decompressed[DAY3] < 1024


def test_ratio_bomb_under_the_size_limit_is_rejected_unread(
    tmp_path: Path, decompressed: dict[str, int]
) -> None:
    path = write_bomb_zip(tmp_path / "export.zip", 16 * MiB)  # ~1,000:1 at level 1

    records = list(read_slack_export(path))

    assert bodies(records) == ["before the bomb", "after the bomb"]
    (bomb,) = skips(records)
    assert bomb.reason == "compression ratio too high"
    assert "over max_compression_ratio (100)" in bomb.detail
    assert decompressed.get(BOMB, 0) == 0


def test_export_total_limit_keeps_what_fits(tmp_path: Path, decompressed: dict[str, int]) -> None:
    path = write_bomb_zip(tmp_path / "export.zip", 2 * MiB)
    limits = ExportLimits(max_total_bytes=MiB, max_ratio=10_000)

    records = list(read_slack_export(path, limits=limits))

    assert bodies(records) == ["before the bomb", "after the bomb"]
    (bomb,) = skips(records)
    assert bomb.reason == "file too large" and "max_export_bytes (1.0 MiB)" in bomb.detail
    assert decompressed.get(BOMB, 0) == 0


def test_a_forged_header_costs_only_the_bytes_it_declares(
    tmp_path: Path, decompressed: dict[str, int]
) -> None:
    """A central directory that understates a member's size: zipfile stops at the declared
    size and fails the checksum, so the member is one Skipped and the rest is read."""
    path = write_bomb_zip(tmp_path / "export.zip", 3 * MiB)
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")  # central directory entries: find the bomb's
    while data[at + 46 : at + 46 + int.from_bytes(data[at + 28 : at + 30], "little")] != (
        BOMB.encode()
    ):
        at = data.find(b"PK\x01\x02", at + 4)
    data[at + 24 : at + 28] = (100).to_bytes(4, "little")  # its uncompressed size
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo(BOMB).file_size == 100

    records = list(read_slack_export(path, limits=ExportLimits(max_ratio=10_000)))

    assert bodies(records) == ["before the bomb", "after the bomb"]
    (bomb,) = skips(records)
    assert bomb.reason == "invalid Slack day file" and "BadZipFile" in bomb.detail
    assert decompressed.get(BOMB, 0) <= 100  # zipfile raised on the first read


def test_the_stream_bound_holds_whatever_the_source_gives() -> None:
    """The reader's own count: a source that delivers more than its bound is cut at it."""
    import io

    from tieline.ingest.archive import Refused, _Bounded

    refuse = Refused("file too large", "test")
    stream = _Bounded(io.BytesIO(b"x" * (3 * MiB)), MiB, refuse)
    with pytest.raises(Refused):
        while stream.read(256 * 1024):
            pass
    assert stream.delivered == MiB + 1  # one byte past the bound, never a block


_CAPPED = textwrap.dedent(
    """
    import resource, sys
    from pathlib import Path
    cap = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    from tieline.domain import Message, Skipped
    from tieline.ingest.slack import read_slack_export
    records = list(read_slack_export(Path(sys.argv[1])))
    print([r.body for r in records if isinstance(r, Message)])
    print([r.reason for r in records if isinstance(r, Skipped)])
    """
)


def test_bomb_read_under_an_address_space_cap(tmp_path: Path) -> None:
    """512 MiB of day file under a cap that leaves less than that free: reading the member
    whole (as the reader did before) fails with MemoryError; streaming it does not."""
    path = write_bomb_zip(tmp_path / "export.zip", 512 * MiB)
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    probe = subprocess.run(
        [sys.executable, "-c", "import re, tieline.ingest.slack; print(re.search("
         "r'VmSize:\\s+(\\d+)', open('/proc/self/status').read()).group(1))"],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    # The reader's own address space once imported, plus 256 MiB: half the member.
    cap = int(probe.stdout) * 1024 + 256 * MiB
    whole = subprocess.run(
        [sys.executable, "-c", "import resource, sys, zipfile; "
         f"resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap})); "
         f"zipfile.ZipFile(sys.argv[1]).read({BOMB!r})", str(path)],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert whole.returncode != 0 and "MemoryError" in whole.stderr  # the cap does bite

    streamed = subprocess.run(
        [sys.executable, "-c", _CAPPED, str(path), str(cap)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert streamed.returncode == 0, streamed.stderr
    assert streamed.stdout.splitlines() == [
        "['before the bomb', 'after the bomb']",
        "['file too large']",
    ]


def test_zip_path_traversal_extracts_nothing(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    evil = ["../../escape/2026-01-01.json", "/abs/2026-01-01.json", "general/../../up.json"]
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("users.json", json.dumps([{"id": "U1", "name": "dana"}]))
        zf.writestr("channels.json", json.dumps([{"id": "C1", "name": "general"}]))
        zf.writestr(DAY1, json.dumps([_message("1767225600.000100", "kept")]))
        for name in evil:
            zf.writestr(name, json.dumps([_message("1767225601.000100", "traversal")]))
    before = set(tmp_path.rglob("*"))
    cwd_before = set(Path.cwd().iterdir())

    records = list(read_slack_export(path))

    assert bodies(records) == ["kept"]
    assert set(tmp_path.rglob("*")) == before and set(Path.cwd().iterdir()) == cwd_before
    assert not (tmp_path.parent / "escape").exists() and not Path("/abs").exists()


def test_not_json_and_truncated_day_files_keep_the_messages_before(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    truncated = json.dumps([_message("1767225600.000100", "first"), _message("2.0", "x")])[:-30]
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("users.json", json.dumps([{"id": "U1", "name": "dana"}]))
        zf.writestr("channels.json", json.dumps([{"id": "C1", "name": "general"}]))
        zf.writestr(DAY1, truncated)
        zf.writestr("general/2026-01-02.json", b"\x89PNG\r\n\x1a\n\x00\x00binary junk")
        zf.writestr(DAY3, json.dumps([_message("1767398400.000100", "after")]))
    records = list(read_slack_export(path))
    assert bodies(records) == ["first", "after"]
    assert [(s.locator.rpartition(":")[2], s.reason) for s in skips(records)] == [
        (DAY1, "invalid Slack day file"),
        ("general/2026-01-02.json", "invalid Slack day file"),
    ]
    assert all(s.detail.startswith("invalid JSON: ") for s in skips(records))


# --------------------------------------------------------------------------- through the store


@pytest.fixture
def small_bomb(tmp_path: Path) -> Iterator[Path]:
    yield write_bomb_zip(tmp_path / "bomb-export.zip", 200 * MiB)


def test_bomb_through_the_store_and_stats(
    session: Session, make_settings: Callable[..., Settings], small_bomb: Path, db_url: str
) -> None:
    settings = make_settings()
    report = service.ingest_slack(session=session, settings=settings, paths=[small_bomb])
    session.commit()
    assert report.new_messages == 2
    assert dict(report.skipped_reasons) == {"file too large": 1}

    stats: dict[str, Any] = service.stats(session=session, settings=settings)
    (source,) = stats["sources"]
    assert source["messages"] == 2 and source["skipped_by_reason"] == {"file too large": 1}

    cli = CliRunner().invoke(app, ["--db", db_url, "--workspace", settings.workspace, "stats"])
    assert cli.exit_code == 0, cli.output
    assert "skipped 1 × file too large" in cli.stdout


def test_limits_come_from_the_settings(
    session: Session, make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    path = write_bomb_zip(tmp_path / "export.zip", 2 * MiB)
    settings = make_settings(ingest={"max_export_file_bytes": MiB, "max_compression_ratio": 10_000})
    report = service.ingest_slack(session=session, settings=settings, paths=[path])
    session.commit()
    assert report.new_messages == 2 and dict(report.skipped_reasons) == {"file too large": 1}
