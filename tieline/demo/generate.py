"""Deterministic generator of the bundled demo workspace that ``tieline demo`` ingests.

The demo is the shared Customer Success mailbox of **Northwind Analytics**
(``northwind.io``): CSMs Sam Ortiz and Priya Natarajan, account executive Jordan
Blake, support engineer Mei Chen and VP Customer Success Helen Adeyemi, over the
six months ending 2026-11-20, with four customers:

* **Acme Logistics** - healthy and multi-threaded: warm tone, replies within hours
  both ways, SSO setup, a UK rollout, a QBR, a seat expansion and a forecasting pilot.
* **Globex** - single-threaded through one operations manager, who goes dark in
  early October; the CSM's check-ins go unanswered for the last ~45 days.
* **Initech** - the champion leaves (an out-of-office "no longer with Initech",
  then a bounce); a new, cautious owner re-evaluates the tool, then warms up.
* **Umbrella Health** - a bug left open for months, late or missing answers, an
  escalation to their VP and CFO, pricing pushback and churn-risk language ahead
  of a December renewal.

Conversations live in ``data/script.txt`` (people in ``data/people.txt``).
The generator adds greetings, sign-offs,
signatures, quoted history (Gmail, Outlook and iPhone style), headers and
timestamps in business hours of each sender's time zone, all drawn from
``random.Random(seed)``: the output is byte-for-byte reproducible. Regenerate the
committed mbox with ``python -m tieline.demo.generate``.
"""

from __future__ import annotations

import html
import quopri
import random
import re
import textwrap
from base64 import b64encode
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime, formataddr
from pathlib import Path

__all__ = ["DEFAULT_PATH", "build_messages", "write_mbox"]

DEFAULT_PATH = Path(__file__).with_name("data") / "northwind.mbox"


def _data(name: str) -> str:
    """The people table and the conversation script live beside the mbox, in data/."""
    return (Path(__file__).with_name("data") / name).read_text(encoding="utf-8")


# key | display name | address | title | zone client signature-style
# client: g = Gmail/Workspace, o = Outlook, v = a system; zones: ny chi la uk.
_COMPANIES = {
    "northwind.io": "Northwind Analytics",
    "acme-logistics.com": "Acme Logistics",
    "acmelogistics.co.uk": "Acme Logistics UK Ltd",
    "globex.com": "Globex Corporation",
    "initech.io": "Initech",
    "umbrellahealth.org": "Umbrella Health",
}
_AREA = {"ny": "+1 (646) 555-01", "chi": "+1 (312) 555-01", "la": "+1 (415) 555-01"}

# Script: "# <account> <YYYY-MM-DD HH:MM sender-local> <subject>" starts a thread;
# "= <sender> [> to ...] [; cc ...] [+1d4h] [flags]" is a message replying to the one above
# (to all of it, without "> ..."), sent that long after it. Body: one line per paragraph
# ("\" continues a line), "- " / "1. " items join the line above; greetings, sign-offs and
# quotes are added. {checkin}, {bump}, {news} bodies are composed from the lists below.
_FLAGS = {
    "noref": "a reply with only a 'Re:' subject, no In-Reply-To/References",
    "early": "placed in the mbox before its parent",
    "thrid": "carries a Gmail X-GM-THRID header",
    "html": "HTML-only body",
    "latin1": "iso-8859-1 body and encoded-word display name",
    "nodate": "no Date and no Received header: malformed, must be skipped",
    "auto": "out-of-office auto-reply (Auto-Submitted: auto-replied)",
    "bounce": "multipart/report delivery failure for the parent's first recipient",
    "mobile": "iPhone reply",
    "late": "written in the evening",
    "curt": "an unhappy customer: bare greeting, plain 'Regards'",
    "bulk": "newsletter with List-Unsubscribe and Precedence: bulk",
    "sys": "no-reply notification",
}
_CHECKIN = (
    (
        "I know the ERP migration is eating most of your week, so I'll keep this short.",
        "I hope the migration is going smoothly and the cutover date is holding.",
        "I wanted to follow up now that October is well underway.",
    ),
    (
        "Once you move to the new ERP, the NetSuite connector will need repointing, and I'd like "
        "to make sure the inventory dashboards don't go stale during the switch.",
        "Logins from Globex have dropped over the last few weeks. I assume that's the migration, "
        "but I want to make sure nothing on our side is getting in the way.",
        "We've shipped a stock-out forecast since we last spoke, and I think your planners would "
        "get a lot out of it.",
    ),
    (
        "Would 20 minutes sometime next week work?",
        "If it's easier, reply with a date that suits and I'll work around it.",
        "If someone else is covering while you're heads-down, I'm happy to talk to them instead.",
    ),
)
_BUMP = (
    ("Just bumping this back to the top of your inbox.", "Circling back on my note below.",
     "Following up on this in case it got buried during the migration."),
    ("A one-line reply is plenty.", "Happy to work around your schedule.",
     "Even a quick 'not now' would help me plan."),
)  # fmt: skip
_NEWS = (
    ("Why net revenue retention beats logo churn", "Three CS leaders on the metric they report."),
    ("Five signals that predict churn 90 days out", "Fading executive engagement tops the list."),
    ("Run a QBR your customer wants to attend", "Spend the first ten minutes on their goals."),
    ("The renewal season playbook", "Start 120 days out and map every stakeholder."),
    ("Is the health score dead?", "Why composite scores can hide the signal you need."),
    ("Onboarding in 30 days or less", "Time to first value still predicts year-one retention."),
    ("Multi-threading 101", "Accounts with three engaged contacts renew far more often."),
    ("What 400 exit interviews taught us", "Most churn decisions are made months in advance."),
    ("AI in customer success: a hype check", "Where it saves hours today, and where it doesn't."),
    ("The hidden cost of slow support replies", "Every extra day to first response adds up."),
    ("Expansion without the hard sell", "Let usage data start the conversation."),
    ("Pricing pages that convert in 2026", "We read 120 SaaS pricing pages so you don't have to."),
)


@dataclass(frozen=True, slots=True)
class _Person:
    key: str
    name: str
    email: str
    title: str
    zone: str
    client: str
    sig: str
    phone: str

    @property
    def first(self) -> str:
        return self.name.split()[0]

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2]

    @property
    def plain(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass(slots=True)
class _Spec:
    account: str
    subject: str
    start: datetime | None  # sender-local time of a thread's first message
    sender: str
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    delay: timedelta = timedelta(hours=2)
    flags: set[str] = field(default_factory=set)
    body: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Mail:
    n: int
    spec: _Spec
    sender: _Person
    to: list[_Person]
    cc: list[_Person]
    utc: datetime
    parent: _Mail | None
    tindex: bytes  # Outlook Thread-Index: 22 bytes per thread, 5 more per reply
    subject: str = ""
    text: str = ""  # the plain text that a reply quotes
    raw: bytes = b""

    @property
    def msgid(self) -> str:
        return f"demo-{self.n:04d}.{self.spec.account}@mail.{self.sender.domain}"

    @property
    def refs(self) -> list[str]:
        return [*self.parent.refs, self.parent.msgid] if self.parent else []


def _people() -> dict[str, _Person]:
    out: dict[str, _Person] = {}
    for i, line in enumerate(_data("people.txt").strip().splitlines()):
        key, name, email, title, rest = line.split("|")
        zone, client, sig = rest.split()
        phone = f"+44 20 7946 0{i:03d}" if zone == "uk" else f"{_AREA[zone]}{i:02d}"
        out[key] = _Person(key, name, email, title, zone, client, sig, phone)
    return out


def _parse() -> list[list[_Spec]]:
    threads: list[list[_Spec]] = []
    account, subject, start = "", "", None
    for line in _data("script.txt").replace("\\\n", "").strip().splitlines():
        if line.startswith("# "):
            _, account, day, hm, subject = line.split(" ", 4)
            start = datetime.fromisoformat(f"{day} {hm}")
            threads.append([])
        elif line.startswith("= "):
            spec = _Spec(account, subject, start, line.split()[1])
            start, target = None, spec.to
            for tok in line.split()[2:]:
                if tok in (">", ";"):
                    target = spec.to if tok == ">" else spec.cc
                elif tok.startswith("+"):
                    n = {u: int(v) for v, u in re.findall(r"(\d+)([dhm])", tok)}
                    spec.delay = timedelta(
                        n.get("d", 0), hours=n.get("h", 0), minutes=n.get("m", 0)
                    )
                elif tok in _FLAGS:
                    spec.flags.add(tok)
                else:
                    target.append(tok)
            threads[-1].append(spec)
        elif line.strip():  # one line is one paragraph; list items join the line above
            body = threads[-1][-1].body
            if body and re.match(r"(- |\d\. )", line):
                body[-1] += "\n" + line
            else:
                body.append(line)
    return threads


def _local(utc: datetime, zone: str) -> datetime:
    """Fixed offsets are enough for May-November 2026: summer time ends Oct 25 / Nov 1."""
    if zone == "uk":
        hours = 1 if utc < datetime(2026, 10, 25, 1, tzinfo=UTC) else 0
    else:
        hours = {"ny": -4, "chi": -5, "la": -7}[zone]
        if utc >= datetime(2026, 11, 1, 6, tzinfo=UTC):
            hours -= 1
    return utc.astimezone(timezone(timedelta(hours=hours)))


def _business_hours(utc: datetime, zone: str, rng: random.Random) -> datetime:
    local = _local(utc, zone)
    if local.hour >= 18:
        local = (local + timedelta(days=1)).replace(hour=8, minute=rng.randint(0, 59))
    elif local.hour < 8:
        local = local.replace(hour=8, minute=rng.randint(0, 59))
    while local.weekday() >= 5:
        local = (local + timedelta(days=1)).replace(hour=8, minute=rng.randint(5, 59))
    return local.astimezone(UTC)


def _ew(text: str, charset: str = "utf-8") -> str:
    """RFC 2047 Q-encoded words, each at most 75 characters."""
    words: list[str] = []
    cur, pre = "", f"=?{charset}?q?"
    for ch in text:
        safe = ch.isascii() and (ch.isalnum() or ch in "-!*+/")
        enc = ch if safe else "_" if ch == " " else "".join(f"={b:02X}" for b in ch.encode(charset))
        if len(pre) + len(cur) + len(enc) + 2 > 75:
            words, cur = [*words, cur], ""
        cur += enc
    return " ".join(f"{pre}{w}?=" for w in [*words, cur])


def _addrs(people: list[_Person], charset: str = "utf-8") -> str:
    out = [
        formataddr((p.name, p.email)) if p.name.isascii() else f"{_ew(p.name, charset)} <{p.email}>"
        for p in people
    ]
    return ", ".join(out) if len(", ".join(out)) < 70 else ",\n ".join(out)


def _quote(m: _Mail) -> str:
    """The parent in the sender's client style: Outlook block, iPhone or Gmail '>' quoting."""
    if (p := m.parent) is None:
        return ""
    d = _local(p.utc, m.sender.zone)
    if m.sender.client == "o":
        sent = f"{d:%A, %B} {d.day}, {d.year} {(d.hour - 1) % 12 + 1}:{d:%M} {'AP'[d.hour // 12]}M"
        cc = f"\nCc: {'; '.join(c.plain for c in p.cc)}" if p.cc else ""
        return (
            f"-----Original Message-----\nFrom: {p.sender.plain}\nSent: {sent}\n"
            f"To: {'; '.join(t.plain for t in p.to)}{cc}\nSubject: {p.subject}\n\n{p.text}"
        )
    if "mobile" in m.spec.flags:
        when = f"{d.day} {d:%b %Y}, at {d:%H:%M}"
    else:
        when = f"{d:%a}, {d.day} {d:%b %Y} at {d:%H:%M}"
    lines = (">" + ln if ln[:1] == ">" else f"> {ln}" if ln else ">" for ln in p.text.split("\n"))
    return f"On {when}, {p.sender.plain} wrote:\n" + "\n".join(lines)


def _greeting(m: _Mail, rng: random.Random) -> str:
    names = [t.first for t in m.to]
    if "curt" in m.spec.flags and len(names) == 1:
        return f"{names[0]},"
    if m.parent and rng.random() < 0.3 or not names or "mobile" in m.spec.flags:
        return ""
    if len(names) > 2:
        return rng.choice(("Hi all,", "Hi everyone,", "Hello all,"))
    forms = ["Hi {},", "Hello {},"] if m.sender.client == "o" else ["Hi {},", "Hi {},"]
    if m.sender.client == "o" and _local(m.utc, m.sender.zone).hour < 12:
        forms.append("Good morning {},")
    if m.parent and len(names) == 1 and m.sender.sig == "dash":
        forms.append("{},")
    return rng.choice(forms).format(" and ".join(names))


def _signoff(m: _Mail, rng: random.Random) -> str:
    p = m.sender
    company = _COMPANIES.get(p.domain, "")
    if "mobile" in m.spec.flags:
        return "Sent from my iPhone"
    if p.sig == "dash":
        closing = rng.choice(("Thanks,", "Best,", "Cheers,", "Thanks!", "Talk soon,"))
        return f"{closing}\n{p.first}\n\n-- \n{p.name}\n{p.title} | {company}\n{p.phone}"
    if p.sig == "regards":
        closing = rng.choice(("Best regards,", "Kind regards,", "Regards,", "Many thanks,"))
        closing = "Regards," if "curt" in m.spec.flags else closing
        phone = f"T: {p.phone}" if p.client == "o" else p.phone
        return f"{closing}\n{p.name}\n{p.title}\n{company}\n{phone}"
    return f"{rng.choice(('Thanks,', 'Thx,'))}\n{p.first}"


def _compose(m: _Mail, deck: dict[str, list[str]]) -> list[str]:
    """The paragraphs of a message; {checkin}, {bump}, {news} are drawn from the decks."""
    body = m.spec.body
    if body == ["{checkin}"]:
        return [" ".join(deck[f"checkin{i}"].pop() for i in range(3))]
    if body == ["{bump}"]:
        return [" ".join(deck[f"bump{i}"].pop() for i in range(2))]
    if body != ["{news}"]:
        return body
    issue = 140 + (m.utc - datetime(2026, 6, 2, tzinfo=UTC)).days // 7
    stories = [deck["news"].pop().split("|") for _ in range(3)]
    m.subject = f"SaaS Weekly #{issue}: {stories[0][0]}"
    return [
        f"SaaS Weekly | Issue #{issue}\nThe week's best reads for customer success teams.",
        *(
            f"{i}. {t}\n{b}\nhttps://saasweekly.com/r/{issue}-{i}"
            for i, (t, b) in enumerate(stories, 1)
        ),
        f"You are receiving this because you subscribed at saasweekly.com.\n"
        f"Unsubscribe: https://saasweekly.com/u/{issue}-7f3a",
    ]


def _wrap(paragraphs: list[str], client: str) -> str:
    if client == "o":  # Outlook sends long lines; quoted-printable folds them
        return "\n\n".join(paragraphs)
    return "\n\n".join(
        "\n".join(
            textwrap.fill(ln, 72, subsequent_indent="  " * (ln[:2] == "- "), break_on_hyphens=False)
            for ln in para.split("\n")
        )
        for para in paragraphs
    )


def _html(greeting: str, paras: list[str], signoff: str, quote: str) -> str:
    esc = html.escape
    out = ['<div dir="ltr">', f"<div>{esc(greeting)}</div><div><br></div>"]
    for para in paras:
        lines = para.split("\n")
        out += [f"<div>{esc(ln)}</div>" for ln in lines if ln[:2] != "- "]
        items = [f"<li>{esc(ln[2:])}</li>" for ln in lines if ln[:2] == "- "]
        out += ["<ul>", *items, "</ul>"] if items else ["<div><br></div>"]
    out.append(f'<div class="gmail_signature">{esc(signoff).replace(chr(10), "<br>")}</div>')
    attr, _, quoted = quote.partition("\n")
    text = "<br>\n".join(esc(ln[2:] if ln[:2] == "> " else ln[1:]) for ln in quoted.split("\n"))
    style = "margin:0 0 0 .8ex;border-left:1px #ccc solid;padding-left:1ex"
    out += [
        '</div><br><div class="gmail_quote">',
        f'<div dir="ltr" class="gmail_attr">{esc(attr)}<br></div>',
        f'<blockquote class="gmail_quote" style="{style}">\n{text}\n</blockquote></div>',
    ]
    return "\n".join(out) + "\n"


def _bounce(m: _Mail, rng: random.Random) -> tuple[str, bytes]:
    """An Exchange-style non-delivery report for the parent's first recipient."""
    assert m.parent is not None
    p, b = m.parent, f"NDR_{m.n:04d}_{rng.getrandbits(48):012x}"
    lost, sent = p.to[0].email, format_datetime(_local(p.utc, p.sender.zone))
    parts = [
        'Content-Type: text/plain; charset="us-ascii"\n\nDelivery has failed to these '
        f"recipients or groups:\n\n{lost}\nThe email address you entered couldn't be found. "
        "Please check the recipient's email\naddress and try to resend the message. If the "
        "problem continues, contact your helpdesk.\n",
        f"Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx1.initech.io\n"
        f"Arrival-Date: {sent}\n\nFinal-Recipient: rfc822; {lost}\nAction: failed\n"
        "Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 RESOLVER.ADR.RecipNotFound; not found\n",
        f"Content-Type: text/rfc822-headers\n\nFrom: {_addrs([p.sender])}\nTo: {_addrs(p.to)}\n"
        f"Subject: {p.subject}\nDate: {sent}\nMessage-ID: <{p.msgid}>\n",
    ]
    body = "This is a multi-part message in MIME format.\n\n"
    body += "".join(f"--{b}\n{part}\n" for part in parts) + f"--{b}--\n"
    return f'multipart/report; report-type=delivery-status;\n boundary="{b}"', body.encode()


def _body(m: _Mail, rng: random.Random, deck: dict[str, list[str]]) -> tuple[str, str, bytes]:
    """Fill ``m.text``; return Content-Type, Content-Transfer-Encoding and the payload."""
    flags, client = m.spec.flags, m.sender.client
    if "bounce" in flags:
        ctype, payload = _bounce(m, rng)
        return ctype, "7bit", payload
    paras = _compose(m, deck)
    if flags & {"auto", "sys", "bulk"}:
        m.text = _wrap(paras, client)
    else:
        greeting, signoff, quote = _greeting(m, rng), _signoff(m, rng), _quote(m)
        main = "\n\n".join(x for x in (greeting, _wrap(paras, client), signoff) if x)
        m.text = main + ("\n\n" + quote if quote else "")
        if "html" in flags:
            text = _html(greeting, paras, signoff, quote).encode()
            return 'text/html; charset="UTF-8"', "quoted-printable", quopri.encodestring(text)
    if "latin1" in flags:
        return 'text/plain; charset="iso-8859-1"', "8bit", (m.text + "\n").encode("iso-8859-1")
    if client != "o" and m.text.isascii():
        return 'text/plain; charset="UTF-8"', "7bit", (m.text + "\n").encode()
    charset = "us-ascii" if m.text.isascii() else "UTF-8"
    payload = quopri.encodestring((m.text + "\n").encode())
    return f'text/plain; charset="{charset}"', "quoted-printable", payload


def _render(m: _Mail, rng: random.Random, deck: dict[str, list[str]]) -> None:
    flags, sender, spec = m.spec.flags, m.sender, m.spec
    prefix = "Automatic reply: " if "auto" in flags else "Undeliverable: " * ("bounce" in flags)
    if m.parent and not prefix:
        prefix = "RE: " if sender.client == "o" else "Re: "
    m.subject = prefix + spec.subject
    ctype, cte, payload = _body(m, rng, deck)  # may set the subject of a newsletter
    charset = "iso-8859-1" if "latin1" in flags else "utf-8"
    topic = m.subject.removeprefix(prefix)
    if not topic.isascii():
        topic = _ew(topic, charset)
    h: list[tuple[str, str]] = []
    if sender.domain != "northwind.io" and "nodate" not in flags:
        rcpt = next((p for p in m.to + m.cc if p.domain == "northwind.io"), m.to[0])
        relay, ip, smtp_id = f"mail.{sender.domain}", 10 + m.n % 200, rng.getrandbits(40)
        stamp = format_datetime(m.utc + timedelta(seconds=2))
        trace = f"from {relay} ({relay} [203.0.113.{ip}])\n        by mx.northwind.io"
        h.append(
            (
                "Received",
                f"{trace} with ESMTPS id {smtp_id:010x}\n        for <{rcpt.email}>; {stamp}",
            )
        )
    h.append(("MIME-Version", "1.0"))
    if "nodate" not in flags:
        h.append(("Date", format_datetime(_local(m.utc, sender.zone))))
    h.append(("Message-ID", f"<{m.msgid}>"))
    if m.parent and "noref" not in flags:
        h.append(("In-Reply-To", f"<{m.parent.msgid}>"))
        h.append(("References", "\n ".join(f"<{r}>" for r in m.refs)))
    h += [("Subject", prefix + topic), ("From", _addrs([sender], charset))]
    h += [("To", _addrs(m.to, charset))] + ([("Cc", _addrs(m.cc, charset))] if m.cc else [])
    if sender.client == "o":
        h += [("Thread-Topic", topic), ("Thread-Index", b64encode(m.tindex).decode())]
        h.append(("X-Mailer", "Microsoft Outlook 16.0"))
    if "thrid" in flags:
        h.append(("X-GM-THRID", str(1_800_000_000_000_000_000 + rng.randrange(10**17))))
    if "mobile" in flags:
        h.append(("X-Mailer", "iPhone Mail (22B83)"))
    if flags & {"auto", "bounce", "sys"}:
        h.append(("Auto-Submitted", "auto-generated" if "sys" in flags else "auto-replied"))
    if "auto" in flags:
        h.append(("X-Auto-Response-Suppress", "All"))
    if "bulk" in flags:
        unsubscribe = (
            f"<https://saasweekly.com/u/{m.n}-7f3a>,\n <mailto:unsubscribe@saasweekly.com>"
        )
        h += [("List-Id", "SaaS Weekly <weekly.saasweekly.com>"), ("Precedence", "bulk")]
        h += [
            ("List-Unsubscribe", unsubscribe),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ]
    h += [("Content-Type", ctype), ("Content-Transfer-Encoding", cte)]
    m.raw = "".join(f"{k}: {v}\n" for k, v in h).encode("ascii") + b"\n" + payload


def _when(spec: _Spec, sender: _Person, parent: _Mail | None, rng: random.Random) -> datetime:
    if spec.start is not None:
        local = spec.start.replace(
            tzinfo=_local(spec.start.replace(tzinfo=UTC), sender.zone).tzinfo
        )
        utc = local.astimezone(UTC) + timedelta(minutes=rng.randint(0, 9))
    else:
        assert parent is not None
        slack = min(120, max(3, int(spec.delay.total_seconds() // 600)))  # minutes of jitter
        utc = parent.utc + spec.delay + timedelta(minutes=rng.randint(0, slack))
    utc += timedelta(seconds=rng.randint(0, 59))
    if "late" in spec.flags:  # an evening email from home
        return _local(utc, sender.zone).replace(hour=21, minute=rng.randint(0, 50)).astimezone(UTC)
    if spec.flags & {"auto", "bounce", "bulk"}:
        return utc
    return _business_hours(utc, sender.zone, rng)


def _generate(seed: int) -> list[_Mail]:
    rng = random.Random(seed)
    people = _people()
    decks = {f"checkin{i}": list(o) for i, o in enumerate(_CHECKIN)}
    decks |= {f"bump{i}": list(o) for i, o in enumerate(_BUMP)}
    decks["news"] = [f"{title}|{blurb}" for title, blurb in _NEWS]
    for deck in decks.values():
        rng.shuffle(deck)
    mails: list[_Mail] = []
    for thread in _parse():
        parent: _Mail | None = None
        for spec in thread:
            sender = people[spec.sender]
            if spec.to or parent is None:
                to, cc = [people[k] for k in spec.to], [people[k] for k in spec.cc]
            else:  # reply to all
                to = [parent.sender] if parent.sender != sender else parent.to
                cc = [p for p in parent.to + parent.cc if p not in to and p != sender]
            if spec.flags & {"auto", "bounce"}:
                cc = []
            utc = _when(spec, sender, parent, rng)
            tindex = parent.tindex + rng.randbytes(5) if parent else rng.randbytes(22)
            m = _Mail(len(mails) + 1, spec, sender, to, cc, utc, parent, tindex)
            _render(m, rng, decks)
            mails.append(m)
            parent = m
    order = sorted(mails, key=lambda m: (m.utc, m.n))
    for m in mails:
        if "early" in m.spec.flags and m.parent is not None:
            order.remove(m)
            order.insert(order.index(m.parent), m)
    return order


def _mbox_bytes(mails: list[_Mail]) -> bytes:
    """mboxrd: a ``From `` separator per message, body lines matching ``>*From `` get a ``>``."""
    out = bytearray()
    for m in mails:
        u = m.utc
        out += f"From {m.sender.email} {u:%a %b} {u.day:2d} {u:%H:%M:%S %Y}\n".encode()
        for line in m.raw.splitlines(keepends=True):
            out += b">" + line if re.match(rb">*From ", line) else line
        out += b"\n"
    return bytes(out)


def build_messages(seed: int = 7) -> list[bytes]:
    """The demo mailbox as raw RFC 5322 messages, in mbox order."""
    return [m.raw for m in _generate(seed)]


def write_mbox(path: Path, seed: int = 7) -> int:
    """Write the demo mailbox to ``path``; return the number of messages."""
    mails = _generate(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_mbox_bytes(mails))
    return len(mails)


if __name__ == "__main__":
    print(f"wrote {write_mbox(DEFAULT_PATH)} messages to {DEFAULT_PATH}")
