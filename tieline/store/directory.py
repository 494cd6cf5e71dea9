"""The people directory: identities -> people -> accounts, cached for bulk ingest.

A person has identities of several kinds: email addresses, Slack user ids,
ticket-system user ids. A participant is found by any of them (email first),
and the identities it brings that are new are added to the person it resolves
to, so a Slack user with a profile email joins the person behind that address.
Loaded once per ingest run (memory grows with the number of identities, not
messages); every row it creates is added to the caller's session, so it
commits or rolls back with the batch that needed it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tieline.domain import IdentityKind, Participant
from tieline.store.models import Account, AccountDomain, Identity, Person
from tieline.store.storable import person_name, storable_participant

__all__ = ["PeopleDirectory"]

Key = tuple[str, str]  # (identity kind, value)


class PeopleDirectory:
    """Find or create the person and identities behind each participant."""

    def __init__(self, session: Session, workspace_id: int) -> None:
        self._session = session
        self._ws = workspace_id
        self._by_key: dict[Key, tuple[int, int]] = {}
        self._by_name: dict[tuple[str, str], int] = {}
        self._by_merge: dict[int, int] = {}
        self._people: dict[int, Person] = {}
        self._accounts: dict[str, int] = {}  # domain -> account, as stored
        self._by_account_name: dict[str, int] = {}
        # A participant seen before resolves the same way: most messages come
        # from a few hundred people, so this skips the lookups below.
        self._memo: dict[Participant, tuple[int, int]] = {}
        self._load()

    def reload(self) -> None:
        """Forget what was cached and read the directory again.

        After a rollback the rows this directory created may be gone (and another
        ingest may have added some): the caches must not hand out their ids.
        """
        for cache in (self._by_key, self._by_name, self._by_merge, self._people,
                      self._accounts, self._by_account_name, self._memo):  # fmt: skip
            cache.clear()
        self._load()

    def _load(self) -> None:
        ws = self._ws
        for person in self._session.scalars(select(Person).where(Person.workspace_id == ws)):
            self._people[person.id] = person
        rows = self._session.execute(
            select(
                Identity.id, Identity.person_id, Identity.kind, Identity.value, Identity.domain,
                Identity.name_key,
            ).where(Identity.workspace_id == ws)
        )  # fmt: skip
        for identity_id, person_id, kind, value, domain, key in rows:
            self._by_key[(kind, value)] = (person_id, identity_id)
            if key and domain:
                self._by_name.setdefault((key, domain), person_id)
        for domain, account_id in self._session.execute(
            select(AccountDomain.domain, AccountDomain.account_id).where(
                AccountDomain.workspace_id == ws
            )
        ):
            self._accounts[domain] = account_id

    def resolve(self, p: Participant) -> tuple[int, int]:
        """(person id, identity id) for a participant, creating what is missing.

        The identity returned is the source-system id when there is one (the
        Slack user behind a Slack message), else the email address.
        """
        hit = self._memo.get(p)
        if hit is None:
            hit = self._memo[p] = self._resolve(storable_participant(p))
        return hit

    def _resolve(self, p: Participant) -> tuple[int, int]:
        keys: list[Key] = [(kind.value, value) for kind, value in p.ids]
        if p.email:
            keys.append((IdentityKind.EMAIL.value, p.email))
        if not keys:  # connectors name every participant; this is a bug upstream
            raise ValueError(f"participant {p.display_name!r} has neither an email nor an id")
        primary = keys[0]
        hit = self._by_key.get(primary)
        if hit is not None and all(k in self._by_key for k in keys[1:]):
            self._refresh(self._people[hit[0]], p)  # the hot path: everything known
            return hit
        person_id, rule = self._find(p, keys)
        if person_id is None:
            given = p.merge_name or p.display_name
            person = Person(
                workspace_id=self._ws,
                name=person_name(given or p.fallback_name),
                name_derived=not given and bool(p.fallback_name),
                internal=p.internal,
                automated=not p.human,
                title=p.title,
                account_id=self._account_of(p),
            )
            self._session.add(person)
            self._session.flush()
            self._people[person.id] = person
            person_id = person.id
        else:
            self._refresh(self._people[person_id], p)
        for key in keys:
            if key not in self._by_key:
                self._add_identity(person_id, key, p, rule)
        if p.merge_key is not None:
            self._by_merge.setdefault(p.merge_key, person_id)
        if p.name_key and p.domain:
            self._by_name.setdefault((p.name_key, p.domain), person_id)
        return self._by_key[primary]

    def _find(self, p: Participant, keys: list[Key]) -> tuple[int | None, str | None]:
        """The person a participant belongs to, and the rule that joins its new ids."""
        # Email first: an address is the strongest link between channels.
        for key in sorted(keys, key=lambda k: k[0] != IdentityKind.EMAIL.value):
            hit = self._by_key.get(key)
            if hit is not None:
                return hit[0], None
        if p.merge_key is not None:
            return self._by_merge.get(p.merge_key), "config"
        if p.name_key and p.domain:
            return self._by_name.get((p.name_key, p.domain)), "name"
        return None, None

    def _add_identity(self, person_id: int, key: Key, p: Participant, rule: str | None) -> None:
        is_email = key[0] == IdentityKind.EMAIL.value
        evidence: dict[str, str] = {}
        if rule == "name":
            evidence = {"display_name": p.display_name, "domain": p.domain,
                        "joined": self._people[person_id].name}  # fmt: skip
        identity = Identity(
            workspace_id=self._ws,
            person_id=person_id,
            kind=key[0],
            value=key[1],
            display_name=p.display_name,
            domain=p.domain if is_email else "",
            name_key=p.name_key if is_email else None,
            joined_by=rule,
            join_evidence=evidence,
        )
        self._session.add(identity)
        self._session.flush()
        self._by_key[key] = (person_id, identity.id)

    def _account_of(self, p: Participant) -> int | None:
        if not p.human or p.internal:
            return None
        if p.account_domain is not None:
            # Only accounts that exist (declared, promoted, discovered): a domain that is
            # none of these waits until the account rules make it one.
            return self._accounts.get(p.account_domain)
        if p.account_hint:
            return self._account_named(p.account_hint)
        return None

    def _account_named(self, name: str) -> int:
        account_id = self._by_account_name.get(name)
        if account_id is None:
            account = self._session.scalar(
                select(Account).where(Account.workspace_id == self._ws, Account.name == name)
            )
            if account is None:  # named by the config ([slack_channel_accounts])
                account = Account(workspace_id=self._ws, name=name, origin="config")
                self._session.add(account)
                self._session.flush()
            account_id = self._by_account_name[name] = account.id
        return account_id

    def _refresh(self, person: Person, p: Participant) -> None:
        # A person first seen only as a no-reply sender or by bare address
        # gains a name, an account and engagement once they write for real.
        if p.human and person.automated:
            person.automated = False
        better = person_name(p.merge_name or p.display_name)
        derived = person.name_derived or person.name in ("", p.fallback_name)
        if better and person.name != better and derived:
            person.name = better
            person.name_derived = False
        if p.title and not person.title:
            person.title = p.title
        if person.account_id is None and not person.internal:
            person.account_id = self._account_of(p)
        if p.internal and not person.internal:
            person.internal = True
            person.account_id = None
