"""The committed domain labels are well formed, and every one finds its text in ../shared/data."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "eval" / "labels" / "domain"
FIELDS = {"id", "sentiment", "request", "churn_risk", "expansion", "departure", "authored", "note"}


def _domain_data() -> ModuleType:
    spec = importlib.util.spec_from_file_location("domain_data", ROOT / "eval" / "domain_data.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("domain_data", module)
    spec.loader.exec_module(module)
    return module


def _rows() -> list[dict[str, object]]:
    return [
        json.loads(line)
        for path in sorted(LABELS.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def test_label_rows_are_well_formed() -> None:
    rows = _rows()
    assert rows, "no labels committed"
    dd = _domain_data()
    for row in rows:
        assert set(row) == FIELDS, row
        assert row["sentiment"] in dd.SENTIMENTS, row
        assert all(isinstance(row[f], bool) for f in FIELDS - {"id", "sentiment", "note"}), row
        source = str(row["id"]).split(":", 1)[0]
        assert source in dd.SOURCES, row
    ids = Counter(str(r["id"]) for r in rows)
    assert [i for i, n in ids.items() if n > 1] == []


def test_splits_follow_threads() -> None:
    dd = _domain_data()
    assert {dd.split_of(f"t{i}") for i in range(200)} == {"train", "dev", "test"}
    assert dd.split_of("power:100") == dd.split_of("power:100")


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"{SHARED_DATA} is absent")
def test_every_label_finds_its_text() -> None:
    dd = _domain_data()
    examples = dd.load(data=SHARED_DATA)
    assert len(examples) == len(_rows())
    assert {e.source for e in examples} == set(dd.SOURCES)
    # A thread never straddles two splits.
    splits: dict[str, set[str]] = {}
    for e in examples:
        splits.setdefault(e.thread, set()).add(e.split)
    assert all(len(s) == 1 for s in splits.values())
