"""Hand-written account archetypes as typed inputs, for the health scoring path.

Each archetype is a year of one customer's conversation with us (people, messages,
open items, lifecycle events) that tells one story a CSM knows. They are separate from
the demo: the demo is one workspace's story, these pin the health rules one at a time.
Builders only; the expectations live in ``test_archetypes.py``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tieline.domain import Channel, EventFact, Interaction, ItemFact, ItemKind, Side, Stakeholder

AS_OF = datetime(2026, 6, 30, 18, tzinfo=UTC)
HOUR = 3600.0
CSM, AE, SUPPORT = 1, 2, 3
OURS = [
    Stakeholder(CSM, "Sam Ortiz", True, email="sam@vendor.io"),
    Stakeholder(AE, "Jordan Blake", True, email="jordan@vendor.io"),
    Stakeholder(SUPPORT, "Mei Chen", True, email="mei@vendor.io"),
]
_ids = itertools.count(10_000)
_pids = itertools.count(100)


def ago(days: float) -> datetime:
    return AS_OF - timedelta(days=days)


@dataclass
class Account:
    """One archetype's inputs, built up by the helpers below."""

    name: str
    people: list[Stakeholder] = field(default_factory=list)
    messages: list[Interaction] = field(default_factory=list)
    items: list[ItemFact] = field(default_factory=list)
    events: list[EventFact] = field(default_factory=list)

    def person(
        self,
        name: str,
        title: str = "",
        *,
        departed_at: datetime | None = None,
        departure_evidence: str = "",
    ) -> int:
        pid = next(_pids)
        email = name.lower().replace(" ", ".") + "@" + self.name.lower().replace(" ", "") + ".com"
        self.people.append(
            Stakeholder(
                pid,
                name,
                False,
                self.name,
                title=title,
                email=email,
                departed_at=departed_at,
                departure_evidence=departure_evidence,
            )  # fmt: skip
        )
        return pid

    def exchange(
        self,
        them: int,
        days_ago: float,
        *,
        tone: float = 0.3,
        us: int = CSM,
        we_answer_h: float | None = 3.0,
        they_answer_h: float = 5.0,
        subject: str = "Check-in",
        cc: tuple[int, ...] = (),
        channel: Channel = Channel.EMAIL,
    ) -> int:
        """They write to us, we answer (after ``we_answer_h``, or never); returns their id."""
        at = ago(days_ago)
        theirs = next(_ids)
        answered = we_answer_h is not None
        self.messages.append(
            Interaction(
                theirs,
                channel,
                at,
                them,
                to=(us,),
                cc=cc,
                sentiment=tone,
                reply_seconds=None if we_answer_h is None else we_answer_h * HOUR,
                answered=answered,
                answered_by=us if answered else None,
                subject=subject,
            )  # fmt: skip
        )
        if answered:
            self.messages.append(
                Interaction(
                    next(_ids),
                    channel,
                    at + timedelta(hours=we_answer_h or 0),
                    us,
                    to=(them,),
                    cc=cc,
                    sentiment=0.3,
                    reply_seconds=they_answer_h * HOUR,
                    answered=True,
                    answered_by=them,
                    subject=f"RE: {subject}",
                )  # fmt: skip
            )
        return theirs

    def outreach(self, to: tuple[int, ...], days_ago: float, *, subject: str = "Following up",
                 cc: tuple[int, ...] = ()) -> None:  # fmt: skip
        """A message from us that nobody answers."""
        self.messages.append(
            Interaction(
                next(_ids),
                Channel.EMAIL,
                ago(days_ago),
                CSM,
                to=to,
                cc=cc,
                answered=False,
                subject=subject,
            )  # fmt: skip
        )

    def owe(self, message_id: int, asked_days_ago: float, resolved_days_ago: float | None) -> None:
        """A request in their message that we owe, resolved (or not) some days later."""
        self.items.append(
            ItemFact(
                next(_ids),
                message_id,
                0,
                ItemKind.REQUEST,
                Side.US,
                ago(asked_days_ago),
                resolved_at=None if resolved_days_ago is None else ago(resolved_days_ago),
            )  # fmt: skip
        )

    def event(self, kind: str, message_id: int, author: int, text: str) -> None:
        at = next(m.sent_at for m in self.messages if m.message_id == message_id)
        self.events.append(EventFact(kind, at, message_id, author, evidence=text))


def healthy_multi_threaded() -> Account:
    """Four people, weekly two-way traffic, warm tone, quick answers, a VP involved."""
    a = Account("Harbor Freight")
    ops = a.person("Dana Whitfield", "Operations Manager")
    it = a.person("Raj Patel", "IT Lead")
    fin = a.person("Lee Park", "VP Finance")
    user = a.person("Nina Gomez", "Planner")
    for d in range(360, 0, -7):
        a.exchange(ops, d, tone=0.45)
    for d in range(355, 0, -12):
        a.exchange(it, d, tone=0.35, us=SUPPORT, channel=Channel.SLACK)
    for d in range(350, 0, -30):
        a.exchange(fin, d, tone=0.3, us=AE, subject="Quarterly review")
    for d in range(340, 0, -15):
        a.exchange(user, d, tone=0.4)
    return a


def expanding() -> Account:
    """Healthy, three people, more traffic lately and an explicit ask for more seats."""
    a = Account("Summit Foods")
    champ = a.person("Olivia Grant", "Head of Planning")
    it = a.person("Tom Reyes", "IT Manager")
    vp = a.person("Ana Silva", "VP Operations")
    for d in range(360, 60, -9):
        a.exchange(champ, d, tone=0.4)
    for d in range(60, 0, -4):
        a.exchange(champ, d, tone=0.5)
    for d in range(350, 0, -14):
        a.exchange(it, d, tone=0.3, us=SUPPORT)
    for d in range(300, 0, -30):
        a.exchange(vp, d, tone=0.35, us=AE)
    ask = a.exchange(vp, 12, tone=0.6, us=AE, subject="Seats for the EU depots")
    a.event("expansion", ask, vp, "We'd like to add 40 seats for the EU depots next quarter.")
    return a


def noisy_but_happy() -> Account:
    """Lots of traffic, blunt venting and many requests, all answered and resolved fast."""
    a = Account("Chatterbox Media")
    lead = a.person("Kim Novak", "Product Owner")
    dev = a.person("Ravi Shah", "Developer")
    ops = a.person("Jo Berg", "Ops Lead")
    tones = [0.8, -0.55, 0.7, 0.5, -0.3, 0.8, 0.6, -0.6, 0.7, 0.5]
    for i, d in enumerate(range(360, 0, -3)):
        who = (lead, dev, ops)[i % 3]
        mid = a.exchange(who, d, tone=tones[i % len(tones)], we_answer_h=1.5,
                         us=(CSM, SUPPORT)[i % 2], subject="Quick one")  # fmt: skip
        if i % 2 == 0:
            a.owe(mid, d, d - 1.5 if d > 5 else None)
    return a


def calm_single_threaded() -> Account:
    """One friendly contact who writes about monthly; nobody else ever answers."""
    a = Account("Quietwater Labs")
    only = a.person("Grace Liu", "Office Manager")
    other = a.person("Ben Ode", "Director")
    for d in range(350, 0, -26):
        a.exchange(only, d, tone=0.35, subject="Monthly check-in", cc=())
    for d in (200, 120, 40):
        a.outreach((other,), d, subject="Introducing our roadmap")
    return a


def slow_to_answer_vendor() -> Account:
    """Engaged customer, two people, but we take days to answer and requests linger."""
    a = Account("Patient Corp")
    p1 = a.person("Hugo Marin", "Analytics Lead")
    p2 = a.person("Ivy Chen", "Analyst")
    for d in range(360, 0, -8):
        mid = a.exchange(p1, d, tone=0.0, we_answer_h=80.0, subject="Report question")
        if d < 90:
            a.owe(mid, d, d - 20 if d > 45 else None)
    for d in range(355, 0, -20):
        a.exchange(p2, d, tone=-0.05, we_answer_h=70.0)
    return a


def champion_departed() -> Account:
    """The champion carried the account and left 40 days ago; nobody has stepped up."""
    a = Account("Pivot Systems")
    champ = a.person(
        "Laura Benson", "Director of Operations", departed_at=ago(40),
        departure_evidence="Laura is no longer with Pivot Systems",
    )  # fmt: skip
    other = a.person("Ken Ito", "Analyst")
    for d in range(360, 42, -5):
        a.exchange(champ, d, tone=0.4)
    for d in range(300, 0, -75):
        a.exchange(other, d, tone=0.1)
    for d in (30, 15):
        a.outreach((other,), d, subject="Who takes over from Laura?")
    return a


def explicit_churn_notice() -> Account:
    """Healthy until last week, when the economic buyer wrote that they will not renew."""
    a = Account("Exit Logistics")
    ops = a.person("Marcus Lee", "Operations Manager")
    cfo = a.person("Diane Foster", "CFO")
    user = a.person("Sofia Alvarez", "Planner")
    for d in range(360, 0, -7):
        a.exchange(ops, d, tone=0.3)
    for d in range(350, 0, -20):
        a.exchange(user, d, tone=0.25, us=SUPPORT)
    for d in range(330, 30, -60):
        a.exchange(cfo, d, tone=0.1, us=AE)
    notice = a.exchange(cfo, 8, tone=-0.4, us=AE, subject="Renewal")
    text = "We have decided not to renew and will move to another vendor in December."
    a.event("churn_risk", notice, cfo, text)
    return a


def gone_dark() -> Account:
    """Two people who wrote for ten months, then silence for 60 days while we kept writing."""
    a = Account("Dark Harbor")
    p1 = a.person("Karen Mills", "Operations Manager")
    p2 = a.person("Eli Brandt", "Planner")
    for d in range(360, 60, -6):
        a.exchange(p1, d, tone=0.2)
    for d in range(340, 70, -25):
        a.exchange(p2, d, tone=0.2)
    for d in (50, 38, 25, 14, 5):
        a.outreach((p1,), d, cc=(p2,))
    return a


def mass_mailing_only() -> Account:
    """A domain that only ever received our newsletters and announcements."""
    a = Account("Cisco")
    readers = [a.person(n) for n in ("Al Byrne", "Bea Cole", "Cy Dunn")]
    for d in range(350, 0, -14):
        a.outreach(tuple(readers[:2]), d, subject="Northwind newsletter", cc=(readers[2],))
    return a


ARCHETYPES = {
    "healthy multi-threaded": healthy_multi_threaded,
    "expanding": expanding,
    "noisy but happy": noisy_but_happy,
    "calm single-threaded": calm_single_threaded,
    "slow-to-answer vendor": slow_to_answer_vendor,
    "champion departed": champion_departed,
    "explicit churn notice": explicit_churn_notice,
    "gone dark": gone_dark,
    "mass mailing only": mass_mailing_only,
}
