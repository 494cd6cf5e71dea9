"""Lifecycle events (issue #3): out-of-office, departures, bounces, churn risk, executives.

Rules, not a model: each detector is a pure function of one message's cleaned text
and headers that returns :class:`~tieline.domain.LifecycleEvent` values carrying the
sentence or line that evidences them. :func:`detect_events` composes them per message;
the service layer stores each event with its message. Bounces, churn risk and
expansion and executives live in :mod:`~tieline.nlp.bounces`, :mod:`~tieline.nlp.churn`,
:mod:`~tieline.nlp.expansion` and :mod:`~tieline.nlp.titles`; this module re-exports them.
The caller passes the author's own text (:func:`tieline.nlp.authorship.own_text`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from tieline.domain import Address, AutomatedKind, LifecycleEvent, LifecycleKind, Message
from tieline.nlp.bounces import _EMAIL, _I, _event, bounces, classify_failure
from tieline.nlp.churn import churn_risk, sentences
from tieline.nlp.expansion import expansion
from tieline.nlp.titles import executive, executive_title, title_from_signature

__all__ = [
    "bounces",
    "churn_risk",
    "classify_failure",
    "departure",
    "detect_events",
    "detect_message",
    "executive",
    "executive_title",
    "expansion",
    "out_of_office",
    "return_date",
    "sentences",
    "title_from_signature",
]

# The moved detectors' doctests still run with ``doctest.testmod`` of this module.
# --------------------------------------------------------------------------- dates

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WDAY = r"(?:mon|tue(?:s)?|wed(?:nes)?|thu(?:r(?:s)?)?|fri|sat(?:ur)?|sun)(?:day)?\.?"
_ANCHOR = re.compile(
    r"\b(?:until|till|til|through|thru|to|ending|back(?: in the office| in| at work)?"
    r"|return(?:s|ing)?(?: to (?:the office|work))?|resum(?:e|es|ing)(?: work)?)"
    r"\s+(?:on\s+|by\s+)?(?:the\s+)?",
    _I,
)
_DATE = re.compile(
    rf"(?:(?P<next>next\s+)?(?P<wd>{_WDAY})(?![a-z]),?\s*(?:the\s+)?)?"
    rf"(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+(?P<m1>{_MONTH})"
    rf"|(?P<m2>{_MONTH})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?!\d)"
    rf"|(?P<a>\d{{1,2}})[/.](?P<b>\d{{1,2}})(?:[/.](?P<y0>\d{{2,4}}))?(?![\d/])"
    rf"|(?P<d3>\d{{1,2}})(?:st|nd|rd|th)\b)?"
    rf"(?:,?\s+(?P<y>(?:19|20)\d\d)\b)?",
    _I,
)
_WDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _resolve(m: re.Match[str], sent: date) -> date | None:
    g = m.groupdict()
    if g["y0"] and g["a"]:
        g["y"] = g["y0"] if len(g["y0"]) == 4 else "20" + g["y0"][-2:]
    month = day = None
    if g["m1"] or g["m2"]:
        month = _MONTHS.index((g["m1"] or g["m2"])[:3].lower()) + 1
        day = int(g["d1"] or g["d2"])
    elif g["a"]:  # numeric: month/day (US) unless the first number can't be a month
        a, b = int(g["a"]), int(g["b"])
        month, day = (b, a) if a > 12 else (a, b)
    if month is not None and day is not None:
        try:
            if g["y"]:
                return date(int(g["y"]), month, day)
            found = date(sent.year, month, day)
            return found if found >= sent - timedelta(days=7) else date(sent.year + 1, month, day)
        except ValueError:
            return None
    if g["d3"]:  # "back on the 3rd": the next such day of a month
        day, y, mo = int(g["d3"]), sent.year, sent.month
        for _ in range(3):
            try:
                if (found := date(y, mo, day)) >= sent:
                    return found
            except ValueError:
                pass
            y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
        return None
    if g["wd"]:
        ahead = (_WDAYS.index(g["wd"][:3].lower()) - sent.weekday()) % 7 or 7
        return sent + timedelta(days=ahead + (7 if g["next"] and ahead < 7 else 0))
    return None


def return_date(text: str, *, sent_at: datetime) -> datetime | None:
    """The first stated return date in ``text`` ("until Monday 12 May"), midnight UTC.

    Dates without a year are the next such date after ``sent_at`` (a week's grace);
    numeric dates read month/day unless the first number is over 12.

    >>> sent = datetime(2025, 5, 7, 9, tzinfo=UTC)  # a Wednesday
    >>> return_date("I am out of the office until Monday 12 May.", sent_at=sent)
    datetime.datetime(2025, 5, 12, 0, 0, tzinfo=datetime.timezone.utc)
    >>> [return_date(t, sent_at=sent).day for t in ("Back on the 3rd", "back tomorrow")]
    [3, 8]
    """
    sent = (sent_at if sent_at.tzinfo else sent_at.replace(tzinfo=UTC)).astimezone(UTC).date()
    for anchor in _ANCHOR.finditer(text):
        rest = text[anchor.end() :]
        if re.match(r"tomorrow\b", rest, _I):
            found: date | None = sent + timedelta(days=1)
        elif re.match(r"next week\b", rest, _I):
            found = sent + timedelta(days=7 - sent.weekday())
        else:
            m = _DATE.match(rest)
            found = _resolve(m, sent) if m and m.group(0).strip() else None
        if found is not None:
            return datetime(found.year, found.month, found.day, tzinfo=UTC)
    return None


# --------------------------------------------------------------------------- absences

_ABSENT = (
    r"(?:out of (?:the |my )?office|ooo\b|on (?:annual |parental |maternity |paternity |"
    r"medical |sick |study |extended |holiday |personal )?leave|on (?:vacation|holidays?|pto|"
    r"sabbatical|a (?:business )?trip|business travel)|away from (?:the |my )?(?:office|desk|"
    r"e-?mail)|(?:limited|no|intermittent|restricted) (?:access to (?:my )?)?e-?mail"
    r"|(?:currently|presently) (?:away|out|travell?ing)|travell?ing (?:on business|with limited)"
    r"|out sick|off sick|on annual leave|leaving (?:for|on) (?:vacation|holiday|a trip|leave))"
)
_ABSENT_RE = re.compile(rf"\b{_ABSENT}", _I)
# A person announcing their own absence: "I will be on vacation", "I'm out of the office".
_OWN_ABSENCE = re.compile(
    rf"\b(?:i|we)\s*(?:'ll|will|am|'m|shall|are|'re)\s+(?P<gap>(?:[\w,]+\s+){{0,3}}?){_ABSENT}",
    _I,
)
_OOO_SUBJECT = re.compile(r"\b(?:out of (?:the )?office|ooo|on vacation|on leave)\b", _I)
_NEGATION = re.compile(r"\b(?:not|never|no|nor|if|whether|rumou?rs?)\b|n't\b", _I)


def out_of_office(
    *, subject: str, body: str, author_email: str, sent_at: datetime, automated: bool
) -> list[LifecycleEvent]:
    """An OUT_OF_OFFICE event when the author says they are temporarily away.

    Auto-replies need only an absence phrase (confidence 0.9); mail a person wrote needs
    the author announcing it in the first person, present or future (confidence 0.5).

    >>> sent = datetime(2025, 5, 7, tzinfo=UTC)
    >>> [e.until.day for e in out_of_office(subject="Automatic reply", sent_at=sent,
    ...  body="I am on leave until 12 May.", author_email="a@x.com", automated=True)]
    [12]
    """
    for sentence in sentences(body):
        if automated and _ABSENT_RE.search(sentence):
            confidence = 0.9
        elif (m := _OWN_ABSENCE.search(sentence)) and not _NEGATION.search(m.group("gap")):
            confidence = 0.5
        else:
            continue
        until = return_date(sentence, sent_at=sent_at) or (
            return_date(body, sent_at=sent_at) if automated else None
        )
        return [_event(LifecycleKind.OUT_OF_OFFICE, sentence, author_email, confidence, until)]
    if automated and _OOO_SUBJECT.search(subject):
        until = return_date(body, sent_at=sent_at)
        return [_event(LifecycleKind.OUT_OF_OFFICE, subject, author_email, 0.8, until)]
    return []


# --------------------------------------------------------------------------- departures

_NOUN = r"(?:company|firm|organi[sz]ation|business|employ|group|team|role|position|job)"
_STRONG_LEFT = re.compile(
    r"\bno longer (?:with|at|employed|working (?:for|at|with)|part of|a member of|"
    r"an? employees?|represents?)\b"
    rf"|\b(?:has|have|had|'ve) (?:now |recently |officially )?(?:left|departed(?: from)?|"
    rf"resigned from) (?:the |our |this |my )?{_NOUN}\b"
    r"|\b(?:today|tomorrow|this|friday|(?:mon|tues|wednes|thurs)day) (?:is|was|will be) "
    r"(?:my|his|her|their) (?:very )?last day\b"
    r"|\b(?:my|his|her|their) last day (?:at|with|here|in the office|of work|of employment|"
    r"is|was|will be)\b"
    r"|\b(?:i|he|she|has|have|'ve|am|'m|is) (?:now |recently |officially )?(?:resigned|retired|"
    r"retiring|stepped down|stepping down|moved on from)\b",
    _I,
)
# Leaving/left an organisation by name: checked against the author's domain below.
_LEFT_ORG = re.compile(
    rf"\b(?i:(?:i|we) (?:have|'ve) (?:now )?left|(?:i am|i'm|i will be|i'll be|we are) "
    rf"(?:leaving|departing)) (?i:the |my )?(?:(?P<noun>(?i:{_NOUN}))\b|(?P<org>[A-Z][\w&'-]+))",
)
_TEMPORARY = re.compile(rf"{_ABSENT}|\b(?:vacation|holidays?|trip|leave of absence)\b", _I)
_HANDOVER = re.compile(
    r"\b(?:going forward|from now on|instead|in (?:his|her|my|their) place|successor|"
    r"(?:has )?replac(?:ed|es|ing) (?:me|him|her)|tak(?:en|ing) over)\b",
    _I,
)
_CONTACT = re.compile(r"\b(?:contact|reach|e-?mail|write|direct|forward|replac|successor|tak)", _I)
_FIRST_PERSON = re.compile(r"\b(?:i|my|me|we|our)\b|\bi'", _I)


def _org_stems(author_email: str) -> set[str]:
    labels = author_email.rpartition("@")[2].lower().split(".")[:-1]
    return {p for label in labels for p in re.split(r"[-_]", label) if len(p) > 2}


def departure(
    *, body: str, author_email: str, author_name: str = "", automated: bool = False
) -> list[LifecycleEvent]:
    """A DEPARTURE event when the message says its author (or a named address) has left.

    An auto-reply is about its mailbox's owner (0.9; 0.6 for a bare "contact X going
    forward" hand-over); mail a person wrote counts in the first person (0.6), or for
    the address named in the sentence (0.6). A temporary absence never counts.

    >>> [e.contact_email for e in departure(body="Dana is no longer with Acme. Please "
    ...  "contact lee@acme.com instead.", author_email="dana@acme.com", automated=True)]
    ['lee@acme.com']
    """
    sents = sentences(body)
    stems = _org_stems(author_email)
    temporary = any(_TEMPORARY.search(s) for s in sents)
    for i, sentence in enumerate(sents):
        if sentence.endswith("?") or _TEMPORARY.search(sentence):
            continue
        m = _STRONG_LEFT.search(sentence)
        if m is None and (o := _LEFT_ORG.search(sentence)):
            if o.group("noun") or o.group("org").lower() in stems:
                m = o
            elif re.search(r"\b(?:to join|new (?:role|position|job|opportunit))", sentence, _I):
                m = o
        strong = m is not None
        if m is None and automated and not temporary and _HANDOVER.search(sentence):
            if _CONTACT.search(sentence) and _EMAIL.search(sentence):
                m = _HANDOVER.search(sentence)
        if m is None:
            continue
        clause = re.split(r"[,;:]|\bbut\b", sentence[: m.start()])[-1]
        if _NEGATION.search(clause):
            continue
        named = [e.lower() for e in _EMAIL.findall(sentence) if e.lower() != author_email]
        contacts = [
            e.lower()
            for s in sents[i : i + 3]
            if _CONTACT.search(s)
            for e in _EMAIL.findall(s)
            if e.lower() != author_email
        ]
        if (
            automated
            or _FIRST_PERSON.search(sentence[: m.end()])
            or (author_name and author_name.lower() in clause.lower())
        ):
            who, confidence = author_email, (0.9 if strong else 0.6) if automated else 0.6
        elif named and not _CONTACT.search(sentence[: sentence.lower().find(named[0])]):
            who, confidence = named[0], 0.6
        else:
            continue  # a third person we cannot name by address
        contact = next((c for c in contacts if c != who), "")
        return [_event(LifecycleKind.DEPARTURE, sentence, who, confidence, contact=contact)]
    return []


# --------------------------------------------------------------------------- composition


def detect_events(
    *,
    subject: str,
    body: str,
    author_email: str,
    sent_at: datetime,
    signature: str = "",
    author_name: str = "",
    author_title: str = "",
    automated_kind: str | None = None,
    recipients: Sequence[str | Address] = (),
) -> list[LifecycleEvent]:
    """Every lifecycle event one message evidences; the pipeline calls this per message.

    Bounces yield BOUNCE events only; auto-replies a DEPARTURE, else an OUT_OF_OFFICE;
    other machine mail nothing. Mail a person wrote may also yield CHURN_RISK and EXPANSION
    (meant for customer text: the caller decides whose) and EXECUTIVE events for the author and for
    recipients whose :class:`~tieline.domain.Address` carries an executive title.
    """
    author_email = author_email.lower()
    addresses = [r.email if isinstance(r, Address) else r for r in recipients]
    if automated_kind == AutomatedKind.BOUNCE:
        return bounces(body=body, exclude=[author_email, *addresses])
    if automated_kind not in (None, AutomatedKind.AUTO_REPLY):
        return []
    automated = automated_kind == AutomatedKind.AUTO_REPLY
    events = departure(
        body=body, author_email=author_email, author_name=author_name, automated=automated
    )
    if not any(e.subject_email == author_email for e in events):
        events += out_of_office(
            subject=subject, body=body, author_email=author_email, sent_at=sent_at,
            automated=automated,
        )  # fmt: skip
    if automated:
        return events
    events += churn_risk(body)
    events += expansion(body)
    events += executive(email=author_email, title=author_title, signature=signature,
                        name=author_name)  # fmt: skip
    for r in recipients:
        if isinstance(r, Address) and r.title:
            events += executive(email=r.email.lower(), title=r.title)
    return events


def detect_message(message: Message, *, author_title: str = "") -> list[LifecycleEvent]:
    """:func:`detect_events` for a :class:`~tieline.domain.Message` as a connector read it."""
    return detect_events(
        subject=message.subject,
        body=message.body,
        signature=message.signature,
        author_email=message.author.email,
        author_name=message.author.name,
        author_title=author_title or message.author.title,
        sent_at=message.sent_at,
        automated_kind=message.automated_kind,
        recipients=[addr for _, addr in message.recipients],
    )
