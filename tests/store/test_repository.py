from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tieline.domain import Address, Channel, Message, Participant, RecipientKind, Skipped
from tieline.ingest.threads import build_threads
from tieline.store import queries
from tieline.store import repository as repo
from tieline.store.directory import PeopleDirectory
from tieline.store.models import Account, Identity, MessageRecipient, Person, Thread
from tieline.store.models import Message as MessageRow


def participant(email: str, name: str = "", **kw: object) -> Participant:
    domain = email.rpartition("@")[2]
    internal = domain == "northwind.io"
    values: dict[str, object] = {
        "email": email,
        "display_name": name,
        "fallback_name": "",
        "name_key": name.lower() if " " in name else None,
        "domain": domain,
        "internal": internal,
        "account_domain": None if internal else domain,
        "account_name": None if internal else domain.split(".")[0].title(),
    }
    values.update(kw)
    return Participant(**values)  # type: ignore[arg-type]


def test_directory_merges_by_name_within_a_domain_only(session: Session) -> None:
    ws = repo.ensure_workspace(session, "w")
    d = PeopleDirectory(session, ws)
    a = d.resolve(participant("dana@acme.com", "Dana Whitfield"))
    b = d.resolve(participant("dana.whitfield@acme.com", "Dana Whitfield"))
    c = d.resolve(participant("dana@globex.com", "Dana Whitfield"))
    assert a[0] == b[0] != c[0]
    assert a[1] != b[1]
    session.commit()
    # A fresh directory (next run) finds the same people from the database.
    d2 = PeopleDirectory(session, ws)
    assert d2.resolve(participant("d.whitfield@acme.com", "Dana Whitfield"))[0] == a[0]
    # The directory never makes accounts: the account rules do (service.accounts).
    assert session.scalar(select(func.count()).select_from(Account)) == 0
    joined = session.scalar(select(Identity).where(Identity.value == "dana.whitfield@acme.com"))
    assert joined is not None and joined.joined_by == "name"
    assert joined.join_evidence["domain"] == "acme.com"


def test_directory_attaches_people_to_existing_accounts_only(session: Session) -> None:
    ws = repo.ensure_workspace(session, "w")
    acme = repo.configure_account(session, workspace_id=ws, name="Acme", domains=["acme.com"])
    d = PeopleDirectory(session, ws)
    dana = session.get(Person, d.resolve(participant("dana@acme.com", "Dana Whitfield"))[0])
    lee = session.get(Person, d.resolve(participant("lee@globex.com", "Lee Park"))[0])
    assert dana is not None and dana.account_id == acme
    assert lee is not None and lee.account_id is None
    derived = session.get(
        Person, d.resolve(participant("sam.lee@acme.com", "", fallback_name="Sam Lee"))[0]
    )
    assert derived is not None and derived.name == "Sam Lee" and derived.name_derived
    d.resolve(participant("sam.lee@acme.com", "Samuel Lee", fallback_name="Sam Lee"))
    assert derived.name == "Samuel Lee" and not derived.name_derived


def test_directory_explicit_merge_and_late_engagement(session: Session) -> None:
    ws = repo.ensure_workspace(session, "w")
    repo.configure_account(session, workspace_id=ws, name="Umbrella", domains=["umbrella.org"])
    d = PeopleDirectory(session, ws)
    bot = d.resolve(participant("marcus@umbrella.org", "", human=False))
    person = session.get(Person, bot[0])
    assert person is not None and person.automated and person.account_id is None
    home = d.resolve(
        participant(
            "marcus.home@gmail.com", "Marcus L.", account_domain=None, account_name=None,
            merge_key=0, merge_name="Marcus Lee",
        )
    )  # fmt: skip
    work = d.resolve(participant("marcus@umbrella.org", "Marcus Lee"))
    assert work[0] == bot[0] != home[0]
    assert not person.automated and person.account_id is not None
    assert person.name == "Marcus Lee"
    again = d.resolve(participant("m.lee@other.org", "X", merge_key=0, merge_name="Marcus Lee"))
    assert again[0] == home[0]


def _msg(external_id: str, day: int, **kw: object) -> Message:
    values: dict[str, object] = {
        "external_id": external_id,
        "channel": Channel.EMAIL,
        "sent_at": datetime(2026, 3, day, 12, tzinfo=UTC),
        "author": Address("dana@acme.com", "Dana Whitfield"),
        "subject": "Plan",
        "body": "hello",
        "recipients": ((RecipientKind.TO, Address("sam@northwind.io", "Sam Ortiz")),),
        "content_hash": external_id,
    }
    values.update(kw)
    return Message(**values)  # type: ignore[arg-type]


def _add(session: Session, ws: int, source: int, msgs: list[Message]) -> int:
    d = PeopleDirectory(session, ws)

    def resolve(m: Message) -> tuple[tuple[int, int], list[tuple[str, int, int]]]:
        author = d.resolve(participant(m.author.email, m.author.name))
        return author, [
            (k.value, *d.resolve(participant(a.email, a.name))) for k, a in m.recipients
        ]

    return repo.add_messages(
        session, workspace_id=ws, source_id=source, messages=msgs, resolve=resolve
    )


def test_add_messages_is_idempotent_and_rethread_stable(session: Session) -> None:
    ws = repo.ensure_workspace(session, "w")
    src = repo.ensure_source(session, workspace_id=ws, kind="email", name="email")
    batch = [
        _msg("b", 3, subject="Re: Plan", in_reply_to="a"),
        _msg("a", 2),
        _msg("a", 2),  # duplicate inside the batch
        _msg("c", 4, subject="Other"),
    ]
    assert _add(session, ws, src, batch) == 3
    assert _add(session, ws, src, batch) == 0
    assert session.scalar(select(func.count()).select_from(MessageRecipient)) == 3
    assert repo.rethread(session, workspace_id=ws, build=build_threads) == 2
    threads = {t.key: t for t in session.scalars(select(Thread))}
    assert set(threads) == {"a", "c"} and threads["a"].message_count == 2
    stamp = threads["a"].last_at
    assert stamp == datetime(2026, 3, 3, 12, tzinfo=UTC)
    # An earlier parent arriving later re-keys the thread; stale rows go away.
    _add(session, ws, src, [_msg("z", 1), _msg("a2", 2, in_reply_to="z", body="again")])
    session.execute(update(MessageRow).where(MessageRow.external_id == "a").values(in_reply_to="z"))
    assert repo.rethread(session, workspace_id=ws, build=build_threads) == 2
    keys = {t.key: t.message_count for t in session.scalars(select(Thread))}
    assert keys == {"z": 4, "c": 1}
    assert repo.rethread(session, workspace_id=ws, build=build_threads) == 2


def test_skipped_records_dedupe_by_locator(session: Session) -> None:
    ws = repo.ensure_workspace(session, "w")
    src = repo.ensure_source(session, workspace_id=ws, kind="email", name="email")
    skipped = [Skipped("f#0", "missing Date"), Skipped("f#9", "empty body")]
    assert repo.add_skipped(session, workspace_id=ws, source_id=src, skipped=skipped) == 2
    assert repo.add_skipped(session, workspace_id=ws, source_id=src, skipped=skipped) == 0
    s = queries.stats(session, workspace_id=ws)
    assert s["sources"][0]["skipped_by_reason"] == {"empty body": 1, "missing Date": 1}


def test_configure_account_takes_over_auto_named_account(session: Session) -> None:
    from tieline.store import accounts

    ws = repo.ensure_workspace(session, "w")
    accounts.make_account(
        session, workspace_id=ws, name="Acme", domains=["acme.com"], origin="discovered"
    )
    d = PeopleDirectory(session, ws)
    pid, _ = d.resolve(participant("dana@acme.com", "Dana Whitfield"))
    auto = session.get(Person, pid)
    assert auto is not None
    acc = repo.configure_account(
        session, workspace_id=ws, name="Acme Logistics", domains=["acme.com", "acme.co.uk"]
    )
    session.refresh(auto)
    assert auto.account_id == acc
    assert [(a.name, a.origin) for a in session.scalars(select(Account))] == [
        ("Acme Logistics", "config")
    ]
    listed = queries.list_accounts(session, workspace_id=ws)
    assert listed[0].domains == ("acme.co.uk", "acme.com") and listed[0].people == 1
    assert session.scalar(select(func.count()).select_from(Identity)) == 1


def test_directory_links_chat_and_ticket_ids_to_email_people(session: Session) -> None:
    from tieline.domain import IdentityKind

    ws = repo.ensure_workspace(session, "w")
    d = PeopleDirectory(session, ws)
    by_mail = d.resolve(participant("dana@acme.com", "Dana Whitfield"))
    slack = ((IdentityKind.SLACK, "T1:U9"),)
    via_slack = d.resolve(participant("dana@acme.com", "Dana W", ids=slack, title="VP Ops"))
    assert via_slack[0] == by_mail[0] and via_slack[1] != by_mail[1]  # the Slack identity
    person = session.get(Person, by_mail[0])
    assert person is not None and person.title == "VP Ops"
    # Later messages name only the Slack id: same person, same identity.
    only_id = participant("", "Dana W", ids=slack, domain="", account_domain=None)
    assert d.resolve(only_id) == via_slack
    # A ticket user with no email is a person of their own until something links them.
    ticket = participant("", "D. Whitfield", ids=((IdentityKind.ZENDESK, "acme:42"),),
                         domain="", account_domain=None, account_name=None)  # fmt: skip
    assert d.resolve(ticket)[0] != by_mail[0]
    kinds = sorted(k for (k,) in session.execute(select(Identity.kind)))
    assert kinds == ["email", "slack", "zendesk"]
