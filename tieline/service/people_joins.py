"""One person per human: the joins that need the whole workspace, run after ingest.

- **Same name, same organisation**: people whose full names match (middle initials
  tolerated: "Vince J Kaminski" = "Vince Kaminski") at the same registrable domain
  are one person, also when the name arrived after the address (a first message
  without a display name) or was derived from it (``vince.kaminski@``). Names that
  are not names, role mailboxes and free-mail domains never join this way.
- **A personal address of a known customer**: a free-mail address joins an external
  person when its display name matches exactly one person of an account whose
  threads it writes in.

Each join records its rule and evidence on the identities that moved
(``Identity.joined_by``, ``join_evidence``); ``people split`` undoes one and pins
the identity so these rules leave it alone afterwards.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.orm import Session

from tieline.ingest.identity import DomainPolicy, Exclusion, is_role_mailbox, name_key
from tieline.store import people as store
from tieline.store.people import NamedPerson

__all__ = ["join_freemail", "join_same_names"]


def _key(p: NamedPerson) -> str | None:
    if not p.emails or all(is_role_mailbox(e) for e in p.emails):
        return None
    return name_key(p.name)


def _merge_same_names(session: Session, ws: int, policy: DomainPolicy) -> int:
    groups: dict[tuple[str, str], list[NamedPerson]] = defaultdict(list)
    for p in store.named_people(session, workspace_id=ws):
        key = _key(p)
        if key is None or p.pinned:
            continue
        for email in p.emails:
            if is_role_mailbox(email):
                continue
            cls = policy.classify(email)
            ours = cls.internal or cls.excluded == Exclusion.OWN
            if not ours and cls.account_domain is None:
                continue  # two John Smiths at gmail.com are two people
            # All of our domains are one organisation (enron.com, enron.net).
            groups[(key, "(ours)" if ours else cls.domain)].append(p)
    # Union the groups: one person may bridge two domains (acme.com and acme.co.uk).
    parent: dict[int, int] = {}

    def root(i: int) -> int:
        while parent.get(i, i) != i:
            i = parent[i]
        return i

    evidence: dict[int, tuple[str, str]] = {}
    for (key, dom), members in groups.items():
        ids = sorted({m.id for m in members})
        for other in ids[1:]:
            a, b = root(ids[0]), root(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
                evidence[max(a, b)] = (key, dom)
    folded: dict[int, list[int]] = defaultdict(list)
    for i in parent:
        if root(i) != i:
            folded[root(i)].append(i)
    names = {p.id: p.name for ms in groups.values() for p in ms}
    for target, others in sorted(folded.items()):
        key, dom = evidence[others[0]]
        store.merge_people(
            session, workspace_id=ws, target_id=target, others=sorted(others), rule="name",
            evidence={"name": names[target], "domain": dom, "key": key,
                      "names": sorted({names[o] for o in others})},
        )  # fmt: skip
    return sum(len(o) for o in folded.values())


def _join_freemail(session: Session, ws: int, policy: DomainPolicy) -> int:
    people = store.named_people(session, workspace_id=ws)
    personal = [
        p
        for p in people
        if not p.internal and not p.pinned and not p.name_derived and p.account_id is None
        and p.emails and p.other_identities == 0
        and all(policy.classify(e).freemail for e in p.emails) and _key(p) is not None
    ]  # fmt: skip
    if not personal:
        return 0
    shared = store.thread_accounts(session, workspace_id=ws, authors=[p.id for p in personal])
    accounts = sorted({a for by_account in shared.values() for a in by_account})
    members = store.account_people(session, workspace_id=ws, account_ids=accounts)
    joined = 0
    for p in personal:
        key = _key(p)
        matches = [
            (account_id, person_id, name)
            for account_id, threads in shared.get(p.id, {}).items()
            for person_id, name in members.get(account_id, [])
            if person_id != p.id and name_key(name) == key
        ]
        if len({person_id for _, person_id, _ in matches}) != 1:
            continue  # nobody, or two namesakes: leave it to a person to decide
        account_id, person_id, name = matches[0]
        threads = sorted(shared[p.id][account_id])
        store.merge_people(
            session, workspace_id=ws, target_id=person_id, others=[p.id], rule="free-mail name",
            evidence={"name": p.name, "matched": name, "account_id": account_id,
                      "threads": threads[:20], "emails": list(p.emails)},
        )  # fmt: skip
        joined += 1
    return joined


def join_same_names(*, session: Session, workspace_id: int, policy: DomainPolicy) -> int:
    """Fold people of the same full name at the same organisation; how many were folded."""
    return _merge_same_names(session, workspace_id, policy)


def join_freemail(*, session: Session, workspace_id: int, policy: DomainPolicy) -> int:
    """Join free-mail addresses to the one customer of their name (needs the accounts:
    run after the account rules); how many joined."""
    return _join_freemail(session, workspace_id, policy)
