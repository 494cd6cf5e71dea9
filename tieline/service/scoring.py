"""The ``score`` use case: NLP signals for every message not yet scored, then threads.

Stage 1 (per message, batch by batch, each batch committed): sentiment of the new text
(quotes and signature were stripped at ingest), open items, lifecycle events. Stage 2
(per thread that changed): reply latency in both directions and open-item resolution.
Both stages pick up where an interrupted run stopped; a re-run with nothing new does
nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from tieline import domain
from tieline.config import NlpSettings, Settings
from tieline.errors import ConfigError
from tieline.nlp import authorship, lifecycle, open_items, responsiveness
from tieline.nlp.open_items_model import ItemDetector
from tieline.nlp.sentences import SentenceSplitter
from tieline.nlp.sentiment import Band, SentenceModel, load_band, score_texts
from tieline.store import repository as repo
from tieline.store import signals

__all__ = ["Models", "ScoreReport", "build_models", "business_hours", "score"]

PACKAGED_ADAPTER = Path(__file__).resolve().parents[1] / "nlp" / "models" / "sentiment"


# Lifecycle language that counts only in the customer's own words.
CUSTOMER_ONLY = frozenset({domain.LifecycleKind.CHURN_RISK, domain.LifecycleKind.EXPANSION})

# The span of the item a customer's ticket stands for: it is resolved only by the ticket.
TICKET_SPAN = "ticket: "


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Models:
    """The loaded NLP components, built once by the entry point and injected."""

    sentiment: SentenceModel
    split: SentenceSplitter
    items: ItemDetector | None = None  # None: the packaged open-items detector
    band: Band | None = None  # the neutral band for message labels; None: most probable class


def build_models(nlp: NlpSettings) -> Models:
    """Load the configured sentiment model and the sentence splitter (slow: seconds)."""
    from tieline.nlp.sentiment import TransformerModel, VaderModel

    model: SentenceModel
    band: Band | None = None
    if nlp.sentiment_backend == "vader":
        model = VaderModel()
    else:
        adapter: Path | None
        if nlp.sentiment_adapter == "none":
            adapter = None
            if not nlp.sentiment_model:
                raise ConfigError("nlp.sentiment_adapter = 'none' needs nlp.sentiment_model")
        else:
            adapter = Path(nlp.sentiment_adapter) if nlp.sentiment_adapter else PACKAGED_ADAPTER
            if not (adapter / "adapter.json").is_file():
                raise ConfigError(f"no sentiment adapter (adapter.json) in {adapter}")
        model = TransformerModel(
            encoder=nlp.sentiment_model or None,
            adapter_dir=adapter,
            threads=nlp.threads,
            batch_size=nlp.batch_size,
        )
        # The band calibrated for this adapter on business text (eval/domain.py --calibrate).
        band = load_band(adapter / "calibration.json") if adapter is not None else None
    split = SentenceSplitter()
    split("Load the pipeline now. Not on the first batch.")
    return Models(sentiment=model, split=split, band=band)


def business_hours(settings: Settings) -> responsiveness.BusinessHours:
    n = settings.nlp
    return responsiveness.BusinessHours(
        tz=settings.timezone,
        start=dtime.fromisoformat(n.business_start),
        end=dtime.fromisoformat(n.business_end),
        workdays=frozenset(n.workdays),
    )


@dataclass
class ScoreReport:
    messages: int = 0
    automated: int = 0
    threads: int = 0
    seconds: float = 0.0
    model: str = ""
    totals: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "automated": self.automated,
            "threads": self.threads,
            "seconds": round(self.seconds, 3),
            "messages_per_second": round(self.messages / self.seconds, 1) if self.seconds else 0.0,
            "model": self.model,
            **self.totals,
        }


def _side(m: signals.MessageToScore) -> domain.Side:
    return domain.Side.US if m.author_internal else domain.Side.THEM


def _not_authored(body: str) -> str:
    """Why a body with no sentence of the author's own was not scored."""
    reasons = [r.reason for r in authorship.foreign_regions(body)]
    return f"not authored: {max(set(reasons), key=reasons.count) if reasons else 'empty'}"


def _message_signals(
    batch: Sequence[signals.MessageToScore], models: Models
) -> list[signals.MessageSignals]:
    human = [m for m in batch if m.automated_kind is None]
    # Forwarded articles, newsletters, disclaimers and page furniture are blanked (same
    # length, so stored offsets still index the body): no signal reads them.
    own = {
        m.id: authorship.own_text(m.body)
        for m in batch
        if m.automated_kind in (None, domain.AutomatedKind.AUTO_REPLY)
    }
    cut_list = models.split.split_many([own[m.id] for m in human])
    cuts = {m.id: c for m, c in zip(human, cut_list, strict=True)}
    scored = [m for m in human if cuts[m.id] or not m.body.strip()]
    by_text = {own[m.id]: cuts[m.id] for m in scored}
    sentiments = score_texts(
        [own[m.id] for m in scored],
        model=models.sentiment,
        split=by_text.__getitem__,
        band=models.band,
    )
    by_id = dict(zip((m.id for m in scored), sentiments, strict=True))
    out = []
    for m in batch:
        text = own.get(m.id, m.body)
        items: list[domain.OpenItem] = []
        if m.automated_kind is None:
            items = open_items.detect_items(
                text,
                author_side=_side(m),
                sent_at=m.sent_at,
                detector=models.items,
                sentences=cuts[m.id],
            )
            if m.channel_kind in ("zendesk", "tickets"):
                items += _ticket_item(m)
        events = lifecycle.detect_events(
            subject=m.subject,
            body=text,
            author_email=m.author_email,
            sent_at=m.sent_at,
            signature=m.signature,
            author_name=m.author_name,
            author_title=m.author_title,
            automated_kind=m.automated_kind,
            recipients=m.recipients,
        )
        if m.author_internal:  # churn and expansion language count in the customer's words
            events = [e for e in events if e.kind not in CUSTOMER_ONLY]
        skipped = f"automated: {m.automated_kind}" if m.automated_kind else None
        if m.automated_kind is None and m.id not in by_id:
            skipped = _not_authored(m.body)
        out.append(
            signals.MessageSignals(
                message_id=m.id,
                thread_id=m.thread_id,
                sent_at=m.sent_at,
                sentiment=by_id.get(m.id),
                skipped=skipped,
                items=items,
                events=events,
            )
        )
    return out


def _ticket_item(m: signals.MessageToScore) -> list[domain.OpenItem]:
    """A ticket a customer opened is a request we owe until the ticket is solved."""
    if m.author_internal or m.attributes.get("first_comment") != "true":
        return []
    subject = m.subject or m.body[:200]
    return [
        domain.OpenItem(
            kind=domain.ItemKind.REQUEST,
            span=f"{TICKET_SPAN}{subject}",
            sentence=subject,
            start=0,
            end=0,
            owed_by=domain.Side.US,
            confidence=1.0,
        )
    ]


def _solved_at(attributes: Mapping[str, Any]) -> datetime | None:
    """A ticket's ``solved_at`` (ticket exports keep it on each comment), when it parses."""
    value = attributes.get("solved_at") or attributes.get("resolved_at")
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _thread_signals(
    messages: Sequence[signals.ThreadMessage],
    items: Sequence[signals.StoredItem],
    *,
    hours: responsiveness.BusinessHours,
    as_of: datetime,
) -> tuple[list[signals.ReplyLatency], list[signals.ItemStatus]]:
    people = [m for m in messages if not m.machine]
    turns = [
        responsiveness.Turn(
            key=str(m.id),
            thread=str(m.thread_id),
            at=m.sent_at,
            side="us" if m.internal else "them",
            person=str(m.person_id),
            account=str(m.account_id) if m.account_id is not None else None,
            in_reply_to=str(m.in_reply_to) if m.in_reply_to is not None else None,
        )
        for m in people
    ]
    lat = responsiveness.reply_latencies(turns, business=hours)
    latencies = [
        signals.ReplyLatency(
            message_id=int(k),
            answered_by=int(v.answered_by) if v.answered_by is not None else None,
            seconds=v.seconds,
            business_seconds=v.business_seconds,
        )
        for k, v in lat.items()
    ]
    by_message: dict[int, list[signals.StoredItem]] = {}
    for it in items:
        by_message.setdefault(it.message_id, []).append(it)
    by_thread: dict[int, list[signals.ThreadMessage]] = {}
    for m in people:
        by_thread.setdefault(m.thread_id, []).append(m)
    statuses: list[signals.ItemStatus] = []
    for members in by_thread.values():
        stored_id: dict[int, int] = {}
        thread: list[open_items.ThreadMessage] = []
        for n, m in enumerate(members):
            mine = by_message.get(m.id, [])
            stored_id.update((id(s.item), s.id) for s in mine)
            # A ticket's status is its current one: it speaks for the ticket's last message.
            status = m.attributes.get("status") if n == len(members) - 1 else None
            thread.append(
                open_items.ThreadMessage(
                    key=str(m.id),
                    at=m.sent_at,
                    side=domain.Side.US if m.internal else domain.Side.THEM,
                    body=m.body,
                    items=tuple(s.item for s in mine),
                    ticket_status=str(status).lower() if status else None,
                )
            )
        if not stored_id:
            continue
        last = members[-1]
        solved = str(last.attributes.get("status", "")).lower() in ("solved", "closed")
        solved_at = (_solved_at(last.attributes) or last.sent_at) if solved else None
        for st in open_items.track_resolution(thread, as_of=as_of):
            if id(st.item) not in stored_id:
                continue
            if st.item.span.startswith(TICKET_SPAN):  # open until the ticket is solved
                statuses.append(
                    signals.ItemStatus(
                        item_id=stored_id[id(st.item)],
                        status="resolved" if solved else "open",
                        resolution="ticket_solved" if solved else None,
                        resolved_by=last.id if solved else None,
                        resolved_at=solved_at,
                    )
                )
                continue
            statuses.append(
                signals.ItemStatus(
                    item_id=stored_id[id(st.item)],
                    status=st.status,
                    resolution=st.reason,
                    resolved_by=int(st.resolved_by) if st.resolved_by is not None else None,
                    resolved_at=st.resolved_at,
                )
            )
    return latencies, statuses


def score(
    *,
    session: Session,
    settings: Settings,
    models: Models,
    checkpoint: Callable[[], None] = _nothing,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 256,
) -> ScoreReport:
    """Score every message not yet scored, then every thread that changed."""
    started = time.perf_counter()
    ws = repo.get_workspace_id(session, settings.workspace)
    report = ScoreReport(model=models.sentiment.name)
    last = 0
    while batch := signals.unscored_messages(
        session, workspace_id=ws, after_id=last, limit=batch_size
    ):
        results = _message_signals(batch, models)
        signals.save_message_signals(session, workspace_id=ws, results=results)
        checkpoint()
        last = batch[-1].id
        report.messages += len(batch)
        report.automated += sum(1 for m in batch if m.automated_kind is not None)
        if progress is not None:
            progress(len(batch))
    hours = business_hours(settings)
    now = datetime.now(UTC)
    while thread_ids := signals.stale_threads(session, workspace_id=ws, limit=500):
        messages, items = signals.thread_messages(session, workspace_id=ws, thread_ids=thread_ids)
        latencies, statuses = _thread_signals(messages, items, hours=hours, as_of=now)
        signals.save_thread_signals(
            session,
            workspace_id=ws,
            thread_ids=thread_ids,
            latencies=latencies,
            statuses=statuses,
        )
        checkpoint()
        report.threads += len(thread_ids)
    report.totals = signals.signal_counts(session, workspace_id=ws)
    report.seconds = time.perf_counter() - started
    return report
