"""The account list's in-memory listing: filters, sorts, keyset pages, freshness."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest

from tieline.service.views import ListCache, _derive, _Ordered, _start
from tieline.store import views
from tieline.store.views import AccountRow


def _rows(n: int, seed: int = 3) -> list[AccountRow]:
    rng = random.Random(seed)
    out = []
    for i in range(1, n + 1):
        scored = rng.random() > 0.1
        score = rng.choice([20.0, 35.5, 50.0, 80.0]) if scored else None  # many ties
        band = None if score is None else "red" if score < 40 else "green"
        flags = sorted(f for f in ("gone_dark", "churn_risk") if rng.random() < 0.3)
        out.append(AccountRow(i, f"Acct {rng.randint(0, 30):02d}", score, band,
                              rng.randint(1, 5) if scored else None, flags,
                              date(2026, 11, 20) if scored else None, None))  # fmt: skip
    return out


def _expected(rows: list[AccountRow], sort: str, band: str | None, flag: str | None) -> list[int]:
    desc, field = sort.startswith("-"), sort.lstrip("-")
    chosen = [r for r in rows if (band is None or r.band == band)
              and (flag is None or flag in r.flags)]  # fmt: skip
    scored = [r for r in chosen if field == "name" or r.on is not None]
    unscored = sorted((r for r in chosen if r not in scored), key=lambda r: r.id)

    def value(r: AccountRow) -> Any:
        return r.name if field == "name" else r.score if field == "health" else r.relationship

    by_id = sorted(scored, key=lambda r: r.id)
    ordered = sorted(by_id, key=value, reverse=desc)
    return [r.id for r in ordered + unscored]


@pytest.mark.parametrize("sort", ["health", "-health", "name", "-name", "relationship",
                                  "-relationship"])  # fmt: skip
@pytest.mark.parametrize(("band", "flag"), [(None, None), ("red", None), (None, "gone_dark"),
                                            ("green", "churn_risk")])  # fmt: skip
def test_pages_by_keyset_walk_the_filtered_order_once(
    sort: str, band: str | None, flag: str | None
) -> None:
    rows = _rows(200)
    ordered = _derive(rows, sort, band, flag)  # type: ignore[arg-type]
    assert [r.id for r in ordered.rows] == _expected(rows, sort, band, flag)
    seen, after = [], None
    while True:
        start = _start(ordered, after, sort.startswith("-")) if after else 0
        page = ordered.page(start, 7)
        if not page:
            break
        seen += [r.id for _, r in page]
        after = (page[-1][0], page[-1][1].id)
    assert seen == [r.id for r in ordered.rows]


def test_a_cursor_still_lands_right_after_its_row_is_gone() -> None:
    rows = _rows(50)
    ordered = _derive(rows, "health", None, None)
    key, row = ordered.keys[10], ordered.rows[10]
    kept = [i for i, r in enumerate(ordered.rows) if r.id != row.id]
    without = _Ordered([ordered.keys[i] for i in kept], [ordered.rows[i] for i in kept])
    assert without.rows[_start(without, (key, row.id), False)] == ordered.rows[11]


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


SESSION: Any = object()  # stands for a session: the queries are replaced


def test_the_listing_is_rechecked_only_once_it_is_no_longer_fresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = {"version": 0, "rows": 0}
    version = [1]
    rows = _rows(20)

    def list_version(session: object, *, workspace_id: int) -> tuple[int]:
        calls["version"] += 1
        return (version[0],)

    def account_rows(session: object, *, workspace_id: int) -> list[AccountRow]:
        calls["rows"] += 1
        return rows[: 10 * version[0]]

    monkeypatch.setattr(views, "list_version", list_version)
    monkeypatch.setattr(views, "account_rows", account_rows)
    clock = _Clock()
    cache = ListCache(fresh_seconds=1.0, clock=clock)
    page: Any = dict(sort="name", band=None, flag=None, after=None, limit=100)
    assert not cache.fresh(1)
    with pytest.raises(RuntimeError):
        cache.page(None, workspace_id=1, **page)  # nothing in memory yet
    assert len(cache.page(SESSION, workspace_id=1, **page)[0]) == 10
    assert cache.fresh(1) and not cache.fresh(2)
    version[0] = 2  # new snapshots: not seen while the listing is fresh
    clock.now += 0.5
    assert len(cache.page(SESSION, workspace_id=1, **page)[0]) == 10
    assert len(cache.page(None, workspace_id=1, **page)[0]) == 10
    assert calls == {"version": 1, "rows": 1}
    clock.now += 0.6
    assert not cache.fresh(1)  # this caller is sent to check ...
    assert cache.fresh(1) and cache.fresh(1)  # ... the others are served meanwhile
    assert len(cache.page(None, workspace_id=1, **page)[0]) == 10
    assert calls == {"version": 1, "rows": 1}
    assert len(cache.page(SESSION, workspace_id=1, **page)[0]) == 20
    assert calls == {"version": 2, "rows": 2}
    assert len(cache.page(None, workspace_id=1, **page)[0]) == 20
    clock.now += 2
    cache.page(SESSION, workspace_id=1, **page)
    assert calls == {"version": 3, "rows": 2}  # same version: rows kept
    assert cache.fresh(1)  # ... and fresh again for the next second
    clock.now += 0.9
    cache.page(SESSION, workspace_id=1, **page)
    assert calls == {"version": 3, "rows": 2}


def test_a_caller_sent_to_check_that_never_does_holds_the_others_back_only_a_moment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(views, "list_version", lambda s, workspace_id: (1,))
    monkeypatch.setattr(views, "account_rows", lambda s, workspace_id: _rows(5))
    clock = _Clock()
    cache = ListCache(fresh_seconds=1.0, clock=clock)
    cache.page(SESSION, workspace_id=1, sort="health", band=None, flag=None, after=None,
               limit=5)  # fmt: skip
    clock.now += 1.0
    assert not cache.fresh(1)  # sent to check; say its request is cancelled
    clock.now += 0.9
    assert cache.fresh(1)
    clock.now += 0.1
    assert not cache.fresh(1)  # the next caller is sent instead


def test_without_freshness_every_page_checks_the_version(monkeypatch: pytest.MonkeyPatch) -> None:
    counted: list[int] = []

    def list_version(session: object, *, workspace_id: int) -> tuple[int]:
        counted.append(1)
        return (1,)

    monkeypatch.setattr(views, "list_version", list_version)
    monkeypatch.setattr(views, "account_rows", lambda s, workspace_id: _rows(5))
    cache = ListCache()
    for _ in range(3):
        cache.page(SESSION, workspace_id=1, sort="health", band=None, flag=None, after=None,
                   limit=5)  # fmt: skip
        assert not cache.fresh(1)
    assert len(counted) == 3
