"""The API's use cases: pages of accounts, people, messages and open items, account detail
(stored snapshot, or live as of a date), stakeholders, history, and the health config.

Results are JSON-ready dicts; pages carry the last row's sort key (``next_key``) for the
entry point to turn into an opaque cursor. Every read is scoped to the settings'
workspace: an id of another workspace is reported as not found, never shown.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Session

from tieline.config import Settings
from tieline.errors import NotFound, TielineError
from tieline.graph.health_config import config_from_mapping
from tieline.service.relationships import assess, end_of
from tieline.store import kpi_inputs, queries, views
from tieline.store import repository as repo

__all__ = [
    "AccountSort",
    "InvalidHealthConfig",
    "Page",
    "account_detail",
    "stored_account_detail",
    "account_history",
    "account_messages",
    "account_page",
    "account_stakeholders",
    "ListCache",
    "get_health_config",
    "open_items_page",
    "people_page",
    "person_detail",
    "update_health_config",
]

_FLAG_NAMES = ("single_threaded", "gone_dark", "departed_champion", "churn_risk")


class InvalidHealthConfig(TielineError):
    status_code = 422


@dataclass
class Page:
    """One page of results and the sort key of its last row when more may follow."""

    results: list[dict[str, Any]] = field(default_factory=list)
    next_key: tuple[Any, ...] | None = None
    # Per result id, whatever the entry point derived from it (its encoded JSON): kept
    # with the listing the page came from, so valid as long as that listing is.
    memo: dict[int, Any] = field(default_factory=dict)


def _workspace(session: Session, settings: Settings) -> int:
    return repo.get_workspace_id(session, settings.workspace)


def _account(session: Session, ws: int, account_id: int) -> str:
    name = views.account_name(session, workspace_id=ws, account_id=account_id)
    if name is None:
        raise NotFound(f"no account {account_id}")
    return name


def _effective(session: Session, settings: Settings, ws: int) -> tuple[Settings, bool]:
    """The settings with the workspace's stored health override applied over ``[health]``."""
    override = views.load_health_config(session, workspace_id=ws)
    if override is None:
        return settings, False
    return settings.model_copy(update={"health": {**settings.health, **override}}), True


AccountSort = Literal["health", "-health", "name", "-name", "relationship", "-relationship"]
# Accounts without a snapshot sort after every scored one, in both directions.
_NO_SCORE_ASC, _NO_SCORE_DESC = 1e9, -1e9


@dataclass(frozen=True, slots=True)
class _Ordered:
    """Rows in list order and their sort keys, side by side: two lists, not one tuple
    per row, so the garbage collector has two objects to walk instead of thousands."""

    keys: list[Any]
    rows: list[views.AccountRow]

    def page(self, start: int, limit: int) -> list[tuple[Any, views.AccountRow]]:
        end = start + limit
        return list(zip(self.keys[start:end], self.rows[start:end], strict=True))


def _sort_key(row: views.AccountRow, field: str, desc: bool) -> Any:
    """The row's value for ``field`` (never None, so keyset comparisons hold)."""
    if field == "name":
        return row.name
    value = row.score if field == "health" else row.relationship
    if value is None:
        return _NO_SCORE_DESC if desc else _NO_SCORE_ASC
    return float(value)


def _derive(
    rows: list[views.AccountRow], sort: AccountSort, band: str | None, flag: str | None
) -> _Ordered:
    """The filtered rows in list order, each with its sort key; ties break by id."""
    desc, name = sort.startswith("-"), sort.lstrip("-")
    chosen = [
        (_sort_key(r, name, desc), r)
        for r in rows
        if (band is None or r.band == band) and (flag is None or flag in r.flags)
    ]
    chosen.sort(key=lambda kr: kr[1].id)
    chosen.sort(key=lambda kr: kr[0], reverse=desc)  # stable: ids stay ascending in a tie
    return _Ordered([k for k, _ in chosen], [r for _, r in chosen])


def _start(ordered: _Ordered, after: tuple[Any, int], desc: bool) -> int:
    """The index of the first row beyond the keyset cursor ``after`` (binary search)."""
    value, last_id = after
    lo, hi = 0, len(ordered.keys)
    while lo < hi:
        mid = (lo + hi) // 2
        key = ordered.keys[mid]
        if key == value:
            beyond = ordered.rows[mid].id > last_id
        else:
            beyond = bool(key < value) if desc else bool(key > value)
        if beyond:
            hi = mid
        else:
            lo = mid + 1
    return lo


@dataclass
class _Listing:
    """One workspace's account rows at one version, and the orders derived from them."""

    version: tuple[Any, ...]
    rows: list[views.AccountRow]
    orders: dict[tuple[str, str | None, str | None], _Ordered] = field(default_factory=dict)
    memo: dict[int, Any] = field(default_factory=dict)


class ListCache:
    """The account list per workspace, kept in memory until its snapshots change.

    A request checks the workspace's version (one cheap query: snapshot and account
    counts and newest ids) unless another did in the last ``fresh_seconds``; a new
    version reloads the rows (one query, every account, run by one thread while the
    others wait for it). Each filter and sort is derived from those rows in memory once
    per version, and a page is a binary search into it. Thread-safe; one per app.

    Once a listing is due for a check, :meth:`fresh` sends one caller to check it and
    keeps serving the others from memory meanwhile (for at most another
    ``fresh_seconds``): under load, every request arriving in that moment used to run
    the check itself, on a worker thread of its own.
    """

    def __init__(
        self, *, fresh_seconds: float = 0.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.fresh_seconds = fresh_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._build_locks: dict[int, threading.Lock] = {}
        self._listings: dict[int, _Listing] = {}
        self._checked: dict[int, float] = {}
        self._leased: dict[int, float] = {}  # when a caller was last sent to check

    def fresh(self, workspace_id: int) -> bool:
        """Whether a page can be served from memory now (``page`` with no session).

        No means: call ``page`` with a session, which checks the version. Once a listing
        is older than ``fresh_seconds`` only the first caller hears no; the others hear
        yes until it has checked, or for another ``fresh_seconds`` should it never.
        """
        if workspace_id not in self._listings:
            return False
        now = self._clock()
        with self._lock:
            if now - self._checked.get(workspace_id, -math.inf) < self.fresh_seconds:
                return True
            if now - self._leased.get(workspace_id, -math.inf) < self.fresh_seconds:
                return True  # another caller is checking: what we have, meanwhile
            self._leased[workspace_id] = now
            return False

    def page(
        self, session: Session | None, *, workspace_id: int, sort: AccountSort,
        band: str | None, flag: str | None, after: tuple[Any, int] | None, limit: int,
    ) -> tuple[list[tuple[Any, views.AccountRow]], dict[int, Any]]:  # fmt: skip
        """Up to ``limit`` rows (with their sort keys) after ``after``, in list order, and
        the listing's memo (see :attr:`Page.memo`). With a session the version is checked
        unless that was done in the last ``fresh_seconds``; with none (only once
        :meth:`fresh` said yes) the page comes from memory."""
        listing = self._listings.get(workspace_id)
        if session is not None and (
            listing is None
            or self._clock() - self._checked.get(workspace_id, -math.inf) >= self.fresh_seconds
        ):
            listing = self._listing(session, workspace_id)
        if listing is None:
            raise RuntimeError("no listing in memory: page() needs a session")
        key = (sort, band, flag)
        ordered = listing.orders.get(key)
        if ordered is None:  # derived outside the lock: at worst twice, never wrong
            ordered = listing.orders.setdefault(key, _derive(listing.rows, sort, band, flag))
        start = _start(ordered, after, sort.startswith("-")) if after is not None else 0
        return ordered.page(start, limit), listing.memo

    def _listing(self, session: Session, workspace_id: int) -> _Listing:
        checked = self._clock()
        version = views.list_version(session, workspace_id=workspace_id)
        listing = self._listings.get(workspace_id)
        if listing is not None and listing.version == version:
            self._checked[workspace_id] = checked
            return listing
        with self._lock:
            build = self._build_locks.setdefault(workspace_id, threading.Lock())
        with build:
            listing = self._listings.get(workspace_id)
            if listing is None or listing.version != version:
                rows = views.account_rows(session, workspace_id=workspace_id)
                listing = _Listing(version, rows)
                self._listings[workspace_id] = listing
            self._checked[workspace_id] = checked
            return listing


def account_page(
    *,
    session: Session | None,
    settings: Settings,
    sort: AccountSort = "health",
    band: str | None = None,
    flag: str | None = None,
    after: tuple[Any, int] | None = None,
    limit: int = 50,
    cache: ListCache | None = None,
    workspace_id: int | None = None,
) -> Page:
    """Accounts with their latest stored health, relationship and flags, one page.

    With no session (only with a ``cache`` that is :meth:`ListCache.fresh` and the
    ``workspace_id`` given) no query runs: an async caller may call it without a worker
    thread.
    """
    if session is None:
        if cache is None or workspace_id is None:
            raise ValueError("account_page without a session needs a cache and workspace_id")
        ws = workspace_id
    else:
        ws = workspace_id if workspace_id is not None else _workspace(session, settings)
    rows, memo = (cache or ListCache()).page(
        session, workspace_id=ws, sort=sort, band=band, flag=flag, after=after, limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    results = [
        {
            "id": r.id,
            "name": r.name,
            "health": None
            if r.on is None
            else {"score": r.score, "band": r.band, "trend": r.trend},
            "relationship": r.relationship,
            "flags": r.flags,
            "snapshot_on": r.on,
        }
        for _, r in rows
    ]
    return Page(results, (rows[-1][0], rows[-1][1].id) if more and rows else None, memo)


def _kpis(session: Session, settings: Settings, ws: int, name: str, day: date) -> dict[str, Any]:
    if not kpi_inputs.has_kpi_data(session, workspace_id=ws):
        return {}
    from tieline import service  # the package: its KPI use case (imported late: it imports us)

    report = service.compute_kpis(
        session=session, settings=settings, period=service.last_complete_month(day), by="account"
    )
    if name not in report:
        return {}
    return {k: report.value(name, k) for k in service.ACCOUNT_KPIS}


def account_detail(
    *, session: Session, settings: Settings, account_id: int, as_of: date | None = None,
    workspace_id: int | None = None,
) -> dict[str, Any]:  # fmt: skip
    """One account: its latest snapshot, or (``as_of``) its health computed live for that day."""
    ws = workspace_id if workspace_id is not None else _workspace(session, settings)
    overview = views.account_overview(session, workspace_id=ws, account_id=account_id)
    if overview is None:
        raise NotFound(f"no account {account_id}")
    if as_of is None:
        return _stored_detail(account_id, overview)
    name = overview.name
    effective, _ = _effective(session, settings, ws)
    kpis = _kpis(session, effective, ws, name, as_of)
    result = assess(
        session=session, settings=effective, as_of=end_of(as_of), account_ids=[account_id],
        kpis={name: kpis} if kpis else None,
    )  # fmt: skip
    live = result.accounts.get(name)
    body = {**live, "kpis": kpis} if live is not None else {}
    # The activity as of that day too: nothing sent later counts (issue 13).
    then = next(
        (a for a in queries.list_accounts(session, workspace_id=ws, as_of=end_of(as_of))
         if a.id == account_id),
        None,
    )  # fmt: skip
    if then is not None:
        overview = dataclasses.replace(
            overview, people=then.people, messages=then.messages, threads=then.threads,
            last_message_at=then.last_message_at,
        )  # fmt: skip
    return _detail(account_id, overview, body, source="live", as_of=as_of)


async def stored_account_detail(
    *, conn: AsyncConnection, workspace_id: int, account_id: int
) -> dict[str, Any]:
    """:func:`account_detail` from the latest snapshot, on an asyncio connection."""
    overview = await views.account_overview_async(
        conn, workspace_id=workspace_id, account_id=account_id
    )
    if overview is None:
        raise NotFound(f"no account {account_id}")
    return _stored_detail(account_id, overview)


def _stored_detail(account_id: int, overview: views.AccountOverview) -> dict[str, Any]:
    """The detail from the latest stored snapshot (``source: none`` without one)."""
    on = overview.snapshot_on
    if on is None:
        return _detail(account_id, overview, {}, source="none", as_of=None)
    return _detail(account_id, overview, overview.payload or {}, source="snapshot", as_of=on)


def _detail(
    account_id: int, overview: views.AccountOverview, body: dict[str, Any], *, source: str,
    as_of: date | None,
) -> dict[str, Any]:  # fmt: skip
    return {
        "id": account_id,
        "name": overview.name,
        "domains": overview.domains,
        "people": overview.people,
        "messages": overview.messages,
        "threads": overview.threads,
        "last_message_at": overview.last_message_at,
        "source": source,
        "as_of": as_of,
        "health": body.get("health"),
        "relationship": body.get("relationship"),
        "flags": body.get("flags", {}),
        "kpis": body.get("kpis") or {},
        **{f: bool(body.get(f, False)) for f in _FLAG_NAMES},
    }


def account_stakeholders(
    *, session: Session, settings: Settings, account_id: int, as_of: date | None = None
) -> list[dict[str, Any]]:
    """The account's people with role, relationship strength (and pairs), departure."""
    ws = _workspace(session, settings)
    _account(session, ws, account_id)
    effective, _ = _effective(session, settings, ws)
    result = assess(
        session=session, settings=effective, account_ids=[account_id], pairs=True, trend=False,
        as_of=end_of(as_of) if as_of else None,
    )  # fmt: skip
    people = views.person_page(session, workspace_id=ws, account_id=account_id, limit=10_000)
    return [_person(p, result.people.get(p.id)) for p in people]


def _person(p: views.PersonView, scored: dict[str, Any] | None) -> dict[str, Any]:
    scored = scored or {}
    return {
        "id": p.id,
        "name": p.name,
        "account": None if p.account_id is None else {"id": p.account_id, "name": p.account},
        "internal": p.internal,
        "automated": p.automated,
        "title": p.title,
        "emails": [v for k, v in p.identities if k == "email"],
        "identities": [{"kind": k, "value": v} for k, v in p.identities],
        "relationship": scored.get("relationship"),
        "role": scored.get("role") if not p.internal else None,
        "departed": scored.get("departed"),
        "departure_evidence": scored.get("departure_evidence"),
        "engaged": bool(scored.get("engaged", False)),
        "relationships": scored.get("relationships", []),
    }


def _person_summary(p: views.PersonView) -> dict[str, Any]:
    full = _person(p, None)
    return {k: full[k] for k in ("id", "name", "account", "internal", "automated", "title",
                                 "emails", "identities")}  # fmt: skip


def people_page(
    *,
    session: Session,
    settings: Settings,
    account_id: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> Page:
    """The workspace's people by id (optionally one account's), one page."""
    ws = _workspace(session, settings)
    if account_id is not None:
        _account(session, ws, account_id)
    rows = views.person_page(
        session, workspace_id=ws, account_id=account_id, after=after, limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return Page([_person_summary(p) for p in rows], (rows[-1].id,) if more and rows else None)


def person_detail(
    *, session: Session, settings: Settings, person_id: int, as_of: date | None = None
) -> dict[str, Any]:
    """One person; for a customer's person also role, strength, pairs and departure."""
    ws = _workspace(session, settings)
    found = views.person_page(session, workspace_id=ws, person_id=person_id, limit=1)
    if not found:
        raise NotFound(f"no person {person_id}")
    p = found[0]
    scored = None
    if p.account_id is not None and not p.internal:
        effective, _ = _effective(session, settings, ws)
        result = assess(
            session=session, settings=effective, account_ids=[p.account_id], pairs=True,
            trend=False, as_of=end_of(as_of) if as_of else None,
        )  # fmt: skip
        scored = result.people.get(p.id)
    return _person(p, scored)


def _sentiment(score: Any) -> dict[str, Any] | None:
    if score is None or score.label is None:
        return None
    details = score.details or {}
    return {"label": score.label, "score": score.value, "confidence": details.get("confidence"),
            "model": score.model}  # fmt: skip


def _reply(score: Any) -> dict[str, Any] | None:
    if score is None:
        return None
    details = score.details or {}
    return {"answered": details.get("answered_by") is not None, "seconds": score.value,
            "business_seconds": details.get("business_seconds"),
            "answered_by": details.get("answered_by")}  # fmt: skip


def _item(it: Any) -> dict[str, Any]:
    return {"id": it.id, "kind": it.kind, "span": it.span, "sentence": it.sentence,
            "owed_by": it.owed_by, "status": it.status, "resolution": it.resolution,
            "due_at": it.due_at, "asked_at": it.asked_at, "resolved_at": it.resolved_at,
            "confidence": it.confidence}  # fmt: skip


def account_messages(
    *,
    session: Session,
    settings: Settings,
    account_id: int,
    after: tuple[datetime, int] | None = None,
    limit: int = 50,
) -> Page:
    """The account's messages, newest first, with sentiment, reply latency and open items."""
    ws = _workspace(session, settings)
    _account(session, ws, account_id)
    rows = views.message_page(
        session, workspace_id=ws, account_id=account_id, after=after, limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    scores, items = views.message_signals(
        session, workspace_id=ws, message_ids=[m.id for m, _ in rows]
    )
    results = [
        {
            "id": m.id,
            "thread_id": m.thread_id,
            "sent_at": m.sent_at,
            "subject": m.subject,
            "author": {"id": m.author_id, "name": author},
            "automated": m.automated_kind,
            "text": m.body,
            "sentiment": _sentiment(scores[m.id].get("sentiment")),
            "reply": _reply(scores[m.id].get("reply")),
            "open_items": [_item(it) for it in items[m.id]],
        }
        for m, author in rows
    ]
    last = rows[-1][0] if rows else None
    return Page(results, (last.sent_at, last.id) if more and last else None)


def open_items_page(
    *,
    session: Session,
    settings: Settings,
    owed_by: str | None = None,
    status: str | None = None,
    min_age_days: int | None = None,
    account_id: int | None = None,
    after: tuple[datetime, int] | None = None,
    limit: int = 50,
    now: datetime | None = None,
) -> Page:
    """Questions, requests and commitments, oldest first, with message, account and age."""
    ws = _workspace(session, settings)
    if account_id is not None:
        _account(session, ws, account_id)
    now = now or datetime.now(UTC)
    rows = views.item_page(
        session, workspace_id=ws, owed_by=owed_by, status=status, account_id=account_id,
        asked_before=now - timedelta(days=min_age_days) if min_age_days else None,
        after=after, limit=limit + 1,
    )  # fmt: skip
    more = len(rows) > limit
    rows = rows[:limit]
    results = []
    for r in rows:
        until = r.item.resolved_at or now
        results.append({
            **_item(r.item),
            "age_days": round((until - r.item.asked_at).total_seconds() / 86400, 1),
            "message": {"id": r.message.id, "subject": r.message.subject,
                        "sent_at": r.message.sent_at, "thread_id": r.message.thread_id,
                        "author": {"id": r.message.author_id, "name": r.author}},
            "account": None if r.account_id is None else {"id": r.account_id,
                                                          "name": r.account},
        })  # fmt: skip
    last = rows[-1].item if rows else None
    return Page(results, (last.asked_at, last.id) if more and last else None)


def account_history(
    *, session: Session, settings: Settings, account_id: int
) -> list[dict[str, Any]]:
    """The account's stored snapshots, oldest first."""
    ws = _workspace(session, settings)
    _account(session, ws, account_id)
    return [
        {"on": s.on, "score": s.score, "band": s.band, "relationship": s.relationship,
         "flags": list(s.flags or []), "trend": s.trend}
        for s in views.history(session, workspace_id=ws, account_id=account_id)
    ]  # fmt: skip


def _config_json(health: dict[str, Any], overridden: bool) -> dict[str, Any]:
    cfg = config_from_mapping(health)

    def model(m: Any) -> dict[str, Any]:
        return {"weights": dict(m.weights),
                "bands": {"red_below": m.bands.red_below, "green_from": m.bands.green_from},
                "points_max": m.points_max}  # fmt: skip

    return {**model(cfg.default), "segments": {n: model(m) for n, m in cfg.segments.items()},
            "overridden": overridden}  # fmt: skip


def get_health_config(*, session: Session, settings: Settings) -> dict[str, Any]:
    """The workspace's health weights and bands in effect (its override over ``[health]``)."""
    ws = _workspace(session, settings)
    effective, overridden = _effective(session, settings, ws)
    try:
        return _config_json(effective.health, overridden)
    except ValueError as exc:
        raise InvalidHealthConfig(f"invalid stored health configuration: {exc}") from exc


def update_health_config(
    *, session: Session, settings: Settings, data: dict[str, Any]
) -> dict[str, Any]:
    """Replace the workspace's override (weights, bands, points_max) after validating it."""
    ws = _workspace(session, settings)
    merged = {**settings.health, **data}
    try:
        config = _config_json(merged, True)
    except ValueError as exc:
        raise InvalidHealthConfig(str(exc)) from exc
    views.save_health_config(session, workspace_id=ws, data=data)
    return config
