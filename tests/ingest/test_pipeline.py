from __future__ import annotations

from tieline.domain import Skipped
from tieline.ingest.pipeline import parallel_map


def _skip(i: int) -> Skipped:
    return Skipped(locator=str(i), reason="r")


def test_parallel_map_keeps_order_across_windows() -> None:
    out = list(parallel_map(_skip, range(1500), jobs=2, window=400))
    assert [int(r.locator) for r in out] == list(range(1500))


def test_small_inputs_run_inline() -> None:
    assert [r.locator for r in parallel_map(_skip, range(3), jobs=4)] == ["0", "1", "2"]
