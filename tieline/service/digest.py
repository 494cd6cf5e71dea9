"""The weekly digest: what got worse this ISO week, per account, worst first.

Compares the stored snapshots of the week's end (Sunday, end of day UTC) with the
previous week's — taking a missing one, so a digest can be asked for any past week —
and adds the week's signals: the most negative customer messages (with their worst
sentence as the quote), items we owe that are older than a week, departures,
out-of-office notices, bounces and churn-risk language, and people whose relationship
strength fell. Every item carries a link to the account's page. ``owner`` keeps the
accounts of one CSM: the imported revenue ``owner`` of the account, else our person who
writes to it most.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from tieline.config import Settings
from tieline.errors import NotFound, TielineError
from tieline.service import accounts_with_health, list_accounts
from tieline.service.relationships import Assessment, _jsonable, assess, end_of
from tieline.store import digest_queries as dq
from tieline.store import facts
from tieline.store import repository as repo

__all__ = ["DEFAULT_BASE_URL", "Week", "build_digest", "last_complete_week", "parse_week"]

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
AGING = timedelta(days=7)  # an item we owe is "aging" after a week ...
WINDOW = timedelta(days=90)  # ... and only those of the last 90 days count (as in health)
KPI_WINDOW = timedelta(days=28)  # KPIs over the 4 weeks up to each week's end
QUOTES = 3  # most negative messages shown per account
KPIS = ("nrr", "grr", "mrr", "nps", "csat")
EVENT_KINDS = ("departure", "out_of_office", "bounce", "churn_risk")
# How much each kind of bad news weighs when ranking accounts (and items) worst first.
WEIGHT = {"departure": 12.0, "churn_risk": 15.0, "bounce": 5.0, "out_of_office": 1.0,
          "flag": 12.0, "band": 10.0, "aging_item": 1.0, "overdue": 1.0, "quote": 10.0,
          "person_drop": 3.0, "relationship_drop": 5.0}  # fmt: skip
HEALTH_DROP = 1.0  # points: smaller moves are noise
AGING_CAP = 8.0  # many small open items never outrank one real warning sign
# Where an account stands counts too, so a red account ranks above a green one.
BAND_WEIGHT = {"red": 10.0, "yellow": 3.0, "green": 0.0}
RAISED_FLAG = 2.0
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True, slots=True)
class Week:
    """An ISO week: Monday to Sunday."""

    year: int
    week: int

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def previous(self) -> Week:
        iso = (self.monday - timedelta(days=7)).isocalendar()
        return Week(iso.year, iso.week)

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"


def parse_week(text: str) -> Week:
    """``2026-W47`` as a :class:`Week` (422 for anything else)."""
    m = _WEEK.match(text.strip())
    if m:
        try:
            monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            # The digest also reads the week before and the day after this one's Sunday.
            monday - timedelta(days=7), monday + timedelta(days=8)
            return Week(int(m[1]), int(m[2]))
        except (ValueError, OverflowError):
            pass
    raise TielineError(f"not an ISO week: {text!r} (expected YYYY-Www, e.g. 2026-W47)", 422)


def last_complete_week(today: date | None = None) -> Week:
    iso = ((today or datetime.now(UTC).date()) - timedelta(days=7)).isocalendar()
    return Week(iso.year, iso.week)


def _rows(assessed: Assessment) -> dict[int, dict[str, Any]]:
    rows = {}
    for name, obj in assessed.accounts.items():
        health = assessed.health[name]
        rows[assessed.account_ids[name]] = {
            "score": health.score,
            "band": health.band.value if health.band else None,
            "relationship": obj["relationship"]["score"],
            "flags": sorted(k for k, v in obj["flags"].items() if v["raised"]),
            "payload": _jsonable(obj),
        }
    return rows


def _state(
    session: Session, settings: Settings, ws: int, day: date, now: datetime
) -> dict[int, dict[str, Any]]:
    """Per account at the end of ``day``: the stored snapshot, else assessed live.

    Reading never writes: a day without a snapshot is assessed as ``take_snapshot``
    would (the same KPI inputs) and not stored, so a digest changes nothing the API or
    the web page shows. A week that has not ended yet is assessed as of now.
    """
    if end_of(day) > now:
        return _rows(assess(session=session, settings=settings, as_of=now))
    stored = facts.snapshots(session, workspace_id=ws, on=day)
    if not stored:
        return _rows(accounts_with_health(session=session, settings=settings, as_of=end_of(day))[1])
    keys = ("score", "band", "relationship", "flags", "payload")
    return {a: {k: getattr(s, k) for k in keys} for a, s in stored.items()}


def _kpis(session: Session, settings: Settings, end: date) -> dict[int, dict[str, float]]:
    """Headline KPIs per account over the 4 weeks to ``end``.

    Snapshots keep the last complete month's KPIs; a weekly digest compares 4-week
    windows instead, so a week's movements show the week after they happen.
    """
    period = f"{(end - KPI_WINDOW + timedelta(days=1)).isoformat()}..{end.isoformat()}"
    return {
        a.id: {k: v for k, v in a.kpis.items() if v is not None}
        for a in list_accounts(session=session, settings=settings, kpi_period=period)
        if a.kpis
    }


def _quote(m: dq.CustomerMessage) -> tuple[str, float, bool]:
    """The message's worst sentence (the one that drove its score down), its score and
    whether the message counts as negative (it, or that sentence, is labelled so)."""
    negative = m.label == "negative"
    if m.sentences:
        start, end, label, score, _ = min(m.sentences, key=lambda s: s[3])
        text = m.body[start:end].strip()
        if text:
            return text, min(score, m.score), negative or label == "negative"
    return m.body.strip()[:300], m.score, negative


def _item(kind: str, severity: float, text: str, link: str, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "severity": round(severity, 1), "text": text, "link": link, **extra}


def _change(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else round(now - before, 1)


def build_digest(
    *,
    session: Session,
    settings: Settings,
    week: Week | None = None,
    owner: str | None = None,
    base_url: str = DEFAULT_BASE_URL,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The digest of ``week`` (default: the last complete one) as a JSON-ready dict."""
    now = now or datetime.now(UTC)
    week = week or last_complete_week(now.date())
    base_url = base_url.rstrip("/")
    ws = repo.get_workspace_id(session, settings.workspace)
    start = datetime.combine(week.monday, datetime.min.time(), UTC)
    end = min(end_of(week.sunday), now)
    prev_end = min(end_of(week.previous.sunday), now)
    names = facts.account_names(session, workspace_id=ws)
    owners = dq.account_owners(session, workspace_id=ws)
    wanted = set(names)
    if owner:
        key = owner.strip().lower()
        wanted = {a for a, o in owners.items() if key in (o.email.lower(), o.name.lower())}
        if not wanted:
            raise NotFound(f"no account of workspace {settings.workspace!r} is owned by {owner}")

    before = _state(session, settings, ws, week.previous.sunday, now)  # first: its trend
    after = _state(session, settings, ws, week.sunday, now)
    kpis_after = _kpis(session, settings, week.sunday)
    kpis_before = _kpis(session, settings, week.previous.sunday)
    people_now = assess(session=session, settings=settings, as_of=end, trend=False).people
    people_then = assess(session=session, settings=settings, as_of=prev_end, trend=False).people
    person_rows = {p.id: p for p in facts.people(session, workspace_id=ws)}

    items: dict[int, list[dict[str, Any]]] = defaultdict(list)

    def link(account: int) -> str:
        return f"{base_url}/accounts/{account}"

    # Health, band, relationship, flags and KPIs: this week's end against the last.
    summaries: dict[int, dict[str, Any]] = {}
    for a in sorted(wanted):
        now_s, then_s = after.get(a), before.get(a)
        if now_s is None:
            continue
        then_s = then_s or {"score": None, "band": None, "relationship": None, "flags": []}
        change = _change(now_s["score"], then_s["score"])
        rel_change = (
            None if now_s["relationship"] is None or then_s["relationship"] is None
            else now_s["relationship"] - then_s["relationship"]
        )  # fmt: skip
        new_flags = sorted(set(now_s["flags"]) - set(then_s["flags"]) - {"ghosts"})
        cleared = sorted(set(then_s["flags"]) - set(now_s["flags"]) - {"ghosts"})
        payload = now_s["payload"] or {}
        reasons = [r["text"] for r in (payload.get("health") or {}).get("reasons", [])
                   if r.get("pull", 0) < 0][:3]  # fmt: skip
        if change is not None and change <= -HEALTH_DROP:
            items[a].append(_item(
                "health_drop", -change,
                f"Health fell {then_s['score']:.0f} → {now_s['score']:.0f} ({change:+.1f})",
                link(a), reasons=reasons,
            ))  # fmt: skip
        order = {"green": 0, "yellow": 1, "red": 2}
        if order.get(now_s["band"] or "", 0) > order.get(then_s["band"] or "", 2):
            items[a].append(_item("band_change", WEIGHT["band"],
                                  f"Band {then_s['band']} → {now_s['band']}", link(a)))  # fmt: skip
        for flag in new_flags:
            evidence = (payload.get("flags") or {}).get(flag) or {}
            items[a].append(_item(
                "flag_raised", WEIGHT["flag"],
                f"New flag: {flag.replace('_', ' ')}"
                + (f" — {evidence['reason']}" if evidence.get("reason") else ""),
                link(a), flag=flag, evidence=evidence.get("evidence", {}),
            ))  # fmt: skip
        if rel_change is not None and rel_change < 0:
            items[a].append(_item(
                "relationship_drop", WEIGHT["relationship_drop"] * -rel_change,
                f"Account relationship {then_s['relationship']}/5 → {now_s['relationship']}/5",
                link(a),
            ))  # fmt: skip
        champ_now = (payload.get("relationship") or {}).get("champion")
        champ_then = ((then_s.get("payload") or {}).get("relationship") or {}).get("champion")
        if champ_then is not None and champ_now != champ_then:
            who = person_rows.get(champ_then)
            items[a].append(_item(
                "champion_change", WEIGHT["person_drop"],
                f"Champion changed: {who.name if who else champ_then} is no longer the champion",
                link(a),
            ))  # fmt: skip
        kpis: dict[str, dict[str, float | None]] = {}
        for k in KPIS:
            v_now, v_then = kpis_after.get(a, {}).get(k), kpis_before.get(a, {}).get(k)
            if v_now is None and v_then is None:
                continue
            delta = None if v_now is None or v_then is None else round(v_now - v_then, 4)
            kpis[k] = {"value": v_now, "previous": v_then, "change": delta}
            if delta is not None and delta < 0 and k != "mrr":
                scale = 100.0 if k in ("nrr", "grr") else 1.0  # ratios to percentage points
                items[a].append(_item(
                    "kpi_drop", min(20.0, -delta * scale),
                    f"{k.upper()} {v_then:g} → {v_now:g} ({delta:+g})", link(a), kpi=k,
                ))  # fmt: skip
        summaries[a] = {
            "health": {"score": now_s["score"], "band": now_s["band"],
                       "previous_score": then_s["score"], "previous_band": then_s["band"],
                       "change": change, "reasons": reasons},
            "relationship": {"score": now_s["relationship"],
                             "previous": then_s["relationship"], "change": rel_change},
            "flags": {"raised": sorted(set(now_s["flags"]) - {"ghosts"}), "new": new_flags,
                      "cleared": cleared},
            "kpis": kpis,
        }  # fmt: skip

    # The week's most negative customer messages, each with the sentence behind it.
    by_account: dict[int, list[tuple[float, dq.CustomerMessage, str]]] = defaultdict(list)
    for m in dq.customer_messages(session, workspace_id=ws, start=start, end=end):
        quote, score, negative = _quote(m)
        if m.account_id in summaries and negative:
            by_account[m.account_id].append((score, m, quote))
    for a, found in by_account.items():
        for score, m, quote in sorted(found, key=lambda x: (x[0], x[1].id))[:QUOTES]:
            items[a].append(_item(
                "negative_message", WEIGHT["quote"] * -score,
                f"{m.author}: “{quote}”", link(a), message_id=m.id, author=m.author,
                at=m.sent_at.isoformat(), subject=m.subject, quote=quote,
                score=round(score, 3),
            ))  # fmt: skip

    # Items we owe, asked more than a week before the week's end and still open then.
    for it in dq.owed_items(session, workspace_id=ws, as_of=end,
                            asked_between=(end - WINDOW, end - AGING)):  # fmt: skip
        if it.account_id not in summaries:
            continue
        age = (end - it.asked_at).days
        overdue = it.due_at is not None and it.due_at < end
        items[it.account_id].append(_item(
            "aging_item", WEIGHT["aging_item"] + (WEIGHT["overdue"] if overdue else 0.0)
            + min(age, 90) / 45,
            f"Open {it.kind} we owe, {age} days old{' (overdue)' if overdue else ''}: "
            f"{it.span or it.sentence}",
            link(it.account_id), item_id=it.id, message_id=it.message_id,
            asked_at=it.asked_at.isoformat(), age_days=age, overdue=overdue,
            due=it.due_at.isoformat() if it.due_at else None,
        ))  # fmt: skip

    # Departures, out-of-office notices, bounces and churn-risk language of the week.
    for ev in dq.week_events(session, workspace_id=ws, kinds=EVENT_KINDS, start=start, end=end):
        if ev.account_id not in summaries:
            continue
        label = {"departure": "Departed", "out_of_office": "Out of office",
                 "bounce": "Bounced", "churn_risk": "Churn-risk language"}[ev.kind]  # fmt: skip
        items[ev.account_id].append(_item(
            ev.kind, WEIGHT[ev.kind] * max(ev.confidence, 0.5),
            f"{label} — {ev.person}: “{ev.evidence[:300]}”", link(ev.account_id),
            person_id=ev.person_id, person=ev.person, message_id=ev.message_id,
            at=ev.occurred_at.isoformat(), quote=ev.evidence[:300],
        ))  # fmt: skip

    # People whose relationship strength fell a level or more during the week.
    for pid, obj in people_now.items():
        row = person_rows.get(pid)
        then = people_then.get(pid)
        if row is None or row.account_id not in summaries or then is None:
            continue
        s_now = (obj.get("relationship") or {}).get("score")
        s_then = (then.get("relationship") or {}).get("score")
        if s_now is not None and s_then is not None and s_now < s_then:
            items[row.account_id].append(_item(
                "person_drop", WEIGHT["person_drop"] * (s_then - s_now),
                f"{row.name} ({obj.get('role', 'user')}): relationship {s_then}/5 → {s_now}/5",
                link(row.account_id), person_id=pid, person=row.name, role=obj.get("role"),
                score=s_now, previous=s_then,
            ))  # fmt: skip

    accounts = []
    for a, summary in summaries.items():
        listed = sorted(items[a], key=lambda i: (-i["severity"], i["kind"], i["text"]))
        o = owners.get(a)
        aging = sum(i["severity"] for i in listed if i["kind"] == "aging_item")
        severity = (
            sum(i["severity"] for i in listed if i["kind"] != "aging_item")
            + min(aging, AGING_CAP)
            + BAND_WEIGHT.get(summary["health"]["band"] or "", 0.0)
            + (100.0 - (summary["health"]["score"] or 100.0)) / 10
            + RAISED_FLAG * len(summary["flags"]["raised"])
        )
        accounts.append({
            "id": a, "name": names[a], "link": link(a),
            "owner": {"email": o.email, "name": o.name, "source": o.source} if o else None,
            "severity": round(severity, 1),
            **summary, "items": listed,
        })  # fmt: skip
    accounts.sort(key=lambda x: (-x["severity"], x["health"]["score"] or 0.0, x["name"]))
    by_owner: dict[str, list[int]] = defaultdict(list)
    for acc in accounts:
        by_owner[acc["owner"]["email"] if acc["owner"] else ""].append(acc["id"])
    return {
        "workspace": settings.workspace,
        "week": str(week),
        "start": week.monday.isoformat(),
        "end": week.sunday.isoformat(),
        "previous_week": str(week.previous),
        "as_of": end.isoformat(),
        "owner": owner,
        "base_url": base_url,
        "summary": {
            "accounts": len(accounts),
            "attention": sum(1 for x in accounts if x["items"]),
            "health_drops": _count(accounts, "health_drop"),
            "negative_messages": _count(accounts, "negative_message"),
            "aging_items": _count(accounts, "aging_item"),
            "departures": _count(accounts, "departure"),
            "churn_risk": _count(accounts, "churn_risk"),
            "people_drops": _count(accounts, "person_drop"),
        },
        "owners": [{"email": email, "accounts": ids} for email, ids in by_owner.items()],
        "accounts": accounts,
    }


def _count(accounts: list[dict[str, Any]], kind: str) -> int:
    return sum(1 for a in accounts for i in a["items"] if i["kind"] == kind)
