"""Customers are declared or earned, never assumed; one message, one person.

Each test writes a small mailbox of .eml files (us: northwind.io) and ingests it through
``service.ingest_email``, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tieline import service
from tieline.config import AccountRules, Settings
from tieline.errors import Conflict
from tieline.store.models import Identity, Message, MessageLocation

MakeSettings = Callable[..., Settings]
US = "sam@northwind.io"


class Mailbox:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.n = 0

    def mail(self, sender: str, to: str, day: int, subject: str, body: str, *,
             msgid: str | None = None, folder: str = "inbox", hour: int = 10,
             cc: str = "") -> None:  # fmt: skip
        self.n += 1
        (self.root / folder).mkdir(exist_ok=True)
        headers = [
            f"Message-ID: <{msgid or f'm{self.n}@test'}>",
            f"Date: Mon, {day:02d} Mar 2026 {hour:02d}:00:00 +0000",
            f"From: {sender}",
            f"To: {to}",
            *([f"Cc: {cc}"] if cc else []),
            f"Subject: {subject}",
        ]
        text = "\n".join(headers) + f"\n\n{body}\n"
        (self.root / folder / f"{self.n}.eml").write_text(text)


def conversation(box: Mailbox, them: str, *, day: int = 2, answered: bool = True) -> None:
    box.mail(them, f"Sam Ortiz <{US}>", day, "Question", f"Hello from {them}, can you help?")
    if answered:
        address = them.split("<")[-1].rstrip(">")
        box.mail(f"Sam Ortiz <{US}>", address, day + 1, "Re: Question", f"Sure, {address}.")


def ingest(session: Session, settings: Settings, box: Mailbox) -> service.IngestReport:
    report = service.ingest_email(session=session, settings=settings, paths=[box.root])
    session.commit()
    return report


def accounts(session: Session, settings: Settings) -> dict[str, tuple[str, ...]]:
    return {a.name: a.domains for a in service.list_accounts(session=session, settings=settings)}


def test_discovered_mode_needs_two_way_human_conversation(
    session: Session, make_settings: MakeSettings, tmp_path: Path
) -> None:
    box = Mailbox(tmp_path / "mail")
    conversation(box, "Dana Whitfield <dana@acme.com>")
    conversation(box, "Lee Park <lee@globex.com>", answered=False)  # they wrote, we never did
    box.mail(f"Sam Ortiz <{US}>", "kim@initech.io", 4, "Offer", "Our offer.")  # we wrote only
    # Never accounts by themselves, however two-way: ISP, help desk, news, government, ours.
    for them in ("Pat Roe <pat@earthlink.net>", "Help <help@acme.zendesk.com>",
                 "Reporter Jones <j.jones@nytimes.com>", "Ann Clerk <ann.clerk@ferc.gov>",
                 "Nils Berg <nils.berg@northwind.net>"):  # fmt: skip
        conversation(box, them, day=10)
    settings = make_settings()
    report = ingest(session, settings, box)
    assert report.accounts_mode == "discovered" and report.candidates == 1
    assert accounts(session, settings) == {"Acme": ("acme.com",)}
    [acme] = service.list_candidates(session=session, settings=settings).candidates
    assert (acme.domain, acme.inbound, acme.outbound, acme.two_way) == ("acme.com", 1, 1, 1)
    # A stricter rule: two messages each way.
    strict = make_settings(account_rules=AccountRules(min_inbound=2))
    service.refresh_accounts(session=session, settings=strict, workspace_id=1)
    session.commit()
    assert accounts(session, strict) == {}
    # Declared mode without a list: nothing is an account, Acme stays a candidate.
    declared = make_settings(account_rules=AccountRules(mode="declared"))
    ingest(session, declared, box)
    assert accounts(session, declared) == {}
    assert [
        c.domain for c in service.list_candidates(session=session, settings=declared).candidates
    ] == ["acme.com"]


def test_customer_list_import_declares_and_candidates_wait(
    session: Session, make_settings: MakeSettings, tmp_path: Path
) -> None:
    box = Mailbox(tmp_path / "mail")
    conversation(box, "Dana Whitfield <dana@acme.com>")
    conversation(box, "Lee Park <lee@globex.com>")
    conversation(box, "Ann Clerk <ann.clerk@energy.ca.gov>")
    settings = make_settings()
    ingest(session, settings, box)
    assert set(accounts(session, settings)) == {"Acme", "Globex"}  # discovered
    customers = tmp_path / "customers.csv"
    customers.write_text(
        "Account ID,Account Name,Domain,CSM,Segment,ARR,Renewal\n"
        'CRM-1,Acme Logistics,acme.com; acme.co.uk,Sam@Northwind.io,enterprise,"$120,000",'
        "2026-09-30\n"
        "CRM-2,California Energy Commission,energy.ca.gov,,public,,\n"
        ",Broken Row,,,,,\n"
        "CRM-3,Us,northwind.io,,,,\n"
    )
    report = service.import_customers(session=session, settings=settings, path=customers)
    session.commit()
    # Acme was discovered already: found by its domain, it is updated, not new.
    assert (report.new, report.updated, report.skipped, report.mode) == (1, 1, 2, "declared")
    # Only the list is the book now; a government domain is an account once declared.
    listed = {a.name: a for a in service.list_accounts(session=session, settings=settings)}
    assert set(listed) == {"Acme Logistics", "California Energy Commission"}
    assert listed["Acme Logistics"].domains == ("acme.co.uk", "acme.com")
    acme = listed["Acme Logistics"]
    assert acme.origin == "import" and acme.people == 1
    assert (acme.external_id, acme.owner, acme.segment, acme.arr, str(acme.renewal_on)) == (
        "CRM-1",
        "sam@northwind.io",
        "enterprise",
        120000.0,
        "2026-09-30",
    )
    assert listed["California Energy Commission"].people == 1
    cands = service.list_candidates(session=session, settings=settings)
    assert cands.mode == "declared" and [c.domain for c in cands.candidates] == ["globex.com"]
    # Re-import upserts by external id (renamed, fields kept), then by domain.
    customers.write_text("external_id,name,domains,arr\nCRM-1,Acme Corp,acme.com,130000\n")
    again = service.import_customers(session=session, settings=settings, path=customers)
    session.commit()
    assert (again.new, again.updated) == (0, 1)
    assert "Acme Corp" in accounts(session, settings)
    ingest(session, settings, box)  # re-ingestion changes none of it
    assert set(accounts(session, settings)) == {"Acme Corp", "California Energy Commission"}


def test_promote_and_ignore_survive_reingestion(
    session: Session, make_settings: MakeSettings, tmp_path: Path
) -> None:
    box = Mailbox(tmp_path / "mail")
    conversation(box, "Dana Whitfield <dana@acme.com>")
    conversation(box, "Lee Park <lee@globex.com>")
    conversation(box, "Kim Ode <kim@initech.io>")
    settings = make_settings(accounts=[{"name": "Acme", "domains": ["acme.com"]}])
    ingest(session, settings, box)
    assert set(accounts(session, settings)) == {"Acme"}  # declared by the config
    ids = {
        c.domain: c.id
        for c in service.list_candidates(session=session, settings=settings).candidates
    }
    assert set(ids) == {"globex.com", "initech.io"}
    promoted = service.promote_candidate(
        session=session, settings=settings, ref=str(ids["globex.com"])
    )
    ignored = service.ignore_candidate(session=session, settings=settings, ref="initech.io")
    session.commit()
    assert (promoted.status, promoted.account, ignored.status) == ("promoted", "Globex", "ignored")
    with pytest.raises(Conflict):
        service.ignore_candidate(session=session, settings=settings, ref="acme.com")
    ingest(session, settings, box)
    assert set(accounts(session, settings)) == {"Acme", "Globex"}
    assert service.list_candidates(session=session, settings=settings).candidates == []
    decided = service.list_candidates(session=session, settings=settings, status="all").candidates
    assert {(c.domain, c.status) for c in decided} == {("globex.com", "promoted"),
                                                       ("initech.io", "ignored")}  # fmt: skip
    # Even in discovered mode, an ignored domain stays out.
    discovered = make_settings(accounts=[{"name": "Acme", "domains": ["acme.com"]}],
                               account_rules=AccountRules(mode="discovered"))  # fmt: skip
    ingest(session, discovered, box)
    assert set(accounts(session, discovered)) == {"Acme", "Globex"}


def test_copies_of_one_email_are_stored_once_with_their_locations(
    session: Session, make_settings: MakeSettings, tmp_path: Path
) -> None:
    box = Mailbox(tmp_path / "mail")
    body = "The draft statement is attached.\nPlease comment by Friday."
    for folder, msgid, hour in (("inbox", "a@x", 10), ("sent", "b@x", 10), ("all", "c@x", 17)):
        box.mail(f"Sam Ortiz <{US}>", "dana@acme.com", 2, "Draft", body, msgid=msgid,
                 folder=folder, hour=hour)  # fmt: skip
    # The same text the next day, and a different text at the same time: other messages.
    box.mail(f"Sam Ortiz <{US}>", "dana@acme.com", 3, "Draft", body, msgid="d@x")
    box.mail(f"Sam Ortiz <{US}>", "dana@acme.com", 2, "Draft", "Other text.", msgid="e@x")
    settings = make_settings()
    report = ingest(session, settings, box)
    assert report.new_messages == 3 and report.duplicates == 2
    stored = session.scalars(select(Message.external_id).order_by(Message.id)).all()
    assert len(stored) == 3 and "d@x" in stored and "e@x" in stored
    locations = session.execute(select(MessageLocation.external_id, MessageLocation.locator)).all()
    assert len(locations) == 2 and all(loc.endswith(".eml") for _, loc in locations)
    again = ingest(session, settings, box)
    assert again.new_messages == 0
    assert session.scalar(select(func.count()).select_from(MessageLocation)) == 2
    # A reply naming a copy's Message-ID threads with the message stored in its place.
    kept = session.scalar(
        select(Message.external_id).where(Message.external_id.in_(["a@x", "b@x", "c@x"]))
    )
    assert kept is not None
    copy = next(i for i in ("a@x", "b@x", "c@x") if i != kept)
    reply = box.root / "inbox" / "reply.eml"
    reply.write_text(
        "Message-ID: <r@x>\nDate: Tue, 03 Mar 2026 09:00:00 +0000\nFrom: dana@acme.com\n"
        f"To: {US}\nSubject: Comments\nIn-Reply-To: <{copy}>\n\nLooks good.\n"
    )
    ingest(session, settings, box)
    threads = dict(session.execute(select(Message.external_id, Message.thread_id)).all())
    assert threads["r@x"] == threads[kept]


def test_people_join_by_name_never_by_non_names(
    session: Session, make_settings: MakeSettings, tmp_path: Path
) -> None:
    box = Mailbox(tmp_path / "mail")
    # Named only later, then a second address with the middle initial; one derived name.
    box.mail("vince.kaminski@acme.com", US, 2, "One", "First, no display name.")
    box.mail("Vince J Kaminski <vince.kaminski@acme.com>", US, 3, "Two", "Now with a name.")
    box.mail("Vince Kaminski <vkaminski@acme.com>", US, 4, "Three", "Another address.")
    box.mail("susan.mara@acme.com", US, 5, "Four", "Derived name only.")
    box.mail("Susan J Mara <smara@acme.com>", US, 6, "Five", "Written name.")
    # Names that are not names never join anyone.
    box.mail("e-mail <x1@acme.com>", US, 7, "Six", "Broken header one.")
    box.mail("e-mail <x2@acme.com>", US, 8, "Seven", "Broken header two.")
    box.mail("Acme Support <support@acme.com>", US, 9, "Eight", "Ticket 1.")
    box.mail("Acme Support <help@acme.com>", US, 10, "Nine", "Ticket 2.")
    box.mail("Vince Kaminski <vince@globex.com>", US, 11, "Ten", "Same name, other company.")
    settings = make_settings()
    ingest(session, settings, box)
    people = service.list_people(session=session, settings=settings)
    by_email = {e: p for p in people for e in p.emails}
    vince = by_email["vince.kaminski@acme.com"]
    assert vince.name == "Vince J Kaminski" and not vince.name_derived
    assert set(vince.emails) == {"vince.kaminski@acme.com", "vkaminski@acme.com"}
    assert by_email["smara@acme.com"].id == by_email["susan.mara@acme.com"].id
    assert by_email["x1@acme.com"].id != by_email["x2@acme.com"].id
    assert by_email["x1@acme.com"].name == ""
    assert by_email["support@acme.com"].id != by_email["help@acme.com"].id
    assert by_email["vince@globex.com"].id != vince.id
    rules = {v: j for v, j in session.execute(select(Identity.value, Identity.joined_by))}
    assert rules["vkaminski@acme.com"] == "name" and rules["x2@acme.com"] is None
    derived = [p for p in people if p.name_derived]
    assert {p.name for p in derived} == set()  # every derived name met a written one here


def test_a_free_mail_address_joins_the_one_customer_of_its_name(
    session: Session, make_settings: MakeSettings, tmp_path: Path
) -> None:
    box = Mailbox(tmp_path / "mail")
    conversation(box, "Dana Whitfield <dana@acme.com>")
    box.mail("Dana Whitfield <dana.w.home@gmail.com>", US, 5, "Re: Question",
             "From home: one more thing.", cc="dana@acme.com")  # fmt: skip
    box.mail("Jo Smith <jo.smith@gmail.com>", US, 6, "Hi", "Nobody of that name is known.")
    settings = make_settings()
    ingest(session, settings, box)
    by_email = {e: p for p in service.list_people(session=session, settings=settings)
                for e in p.emails}  # fmt: skip
    dana = by_email["dana@acme.com"]
    assert by_email["dana.w.home@gmail.com"].id == dana.id and dana.account == "Acme"
    assert by_email["jo.smith@gmail.com"].account is None
    home = session.scalar(select(Identity).where(Identity.value == "dana.w.home@gmail.com"))
    assert home is not None and home.joined_by == "free-mail name"
    assert home.join_evidence["matched"] == "Dana Whitfield" and home.join_evidence["threads"]
    # people split undoes it, for good.
    split = service.split_identity(session=session, settings=settings, kind="email",
                                   value="dana.w.home@gmail.com")  # fmt: skip
    session.commit()
    assert split.id != dana.id
    ingest(session, settings, box)
    again = {e: p for p in service.list_people(session=session, settings=settings)
             for e in p.emails}  # fmt: skip
    assert again["dana.w.home@gmail.com"].id == split.id != again["dana@acme.com"].id
