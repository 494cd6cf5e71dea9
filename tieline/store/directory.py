"""The people directory: identities -> people -> accounts, cached for bulk ingest.

Loaded once per ingest run (memory grows with the number of distinct
addresses, not messages); every row it creates is added to the caller's
session, so it commits or rolls back with the batch that needed it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tieline.domain import Participant
from tieline.store.models import Account, AccountDomain, Identity, Person

__all__ = ["PeopleDirectory"]

EMAIL = "email"


class PeopleDirectory:
    """Find or create the person and identity behind each participant address."""

    def __init__(self, session: Session, workspace_id: int) -> None:
        self._session = session
        self._ws = workspace_id
        self._by_email: dict[str, tuple[int, int]] = {}
        self._by_name: dict[tuple[str, str], int] = {}
        self._by_merge: dict[int, int] = {}
        self._people: dict[int, Person] = {}
        self._accounts: dict[str, int] = {}
        self._load()

    def _load(self) -> None:
        ws = self._ws
        for person in self._session.scalars(select(Person).where(Person.workspace_id == ws)):
            self._people[person.id] = person
        rows = self._session.execute(
            select(
                Identity.id, Identity.person_id, Identity.value, Identity.domain, Identity.name_key
            ).where(Identity.workspace_id == ws, Identity.kind == EMAIL)
        )
        for identity_id, person_id, email, domain, key in rows:
            self._by_email[email] = (person_id, identity_id)
            if key:
                self._by_name.setdefault((key, domain), person_id)
        for domain, account_id in self._session.execute(
            select(AccountDomain.domain, AccountDomain.account_id).where(
                AccountDomain.workspace_id == ws
            )
        ):
            self._accounts[domain] = account_id

    def account_for(self, domain: str, name: str) -> int:
        """The account that owns ``domain``, created (or extended) on first sight."""
        account_id = self._accounts.get(domain)
        if account_id is None:
            account = self._session.scalar(
                select(Account).where(Account.workspace_id == self._ws, Account.name == name)
            )
            if account is None:
                account = Account(workspace_id=self._ws, name=name)
                self._session.add(account)
                self._session.flush()
            self._session.add(
                AccountDomain(workspace_id=self._ws, account_id=account.id, domain=domain)
            )
            account_id = self._accounts[domain] = account.id
        return account_id

    def resolve(self, p: Participant) -> tuple[int, int]:
        """(person id, identity id) for a participant, creating what is missing."""
        hit = self._by_email.get(p.email)
        if hit is not None:
            self._refresh(self._people[hit[0]], p)
            return hit
        person_id = self._by_merge.get(p.merge_key) if p.merge_key is not None else None
        if person_id is None and p.name_key and p.merge_key is None:
            person_id = self._by_name.get((p.name_key, p.domain))
        if person_id is None:
            person = Person(
                workspace_id=self._ws,
                name=p.merge_name or p.display_name or p.fallback_name,
                internal=p.internal,
                automated=not p.human,
                account_id=self._account_of(p),
            )
            self._session.add(person)
            self._session.flush()
            self._people[person.id] = person
            person_id = person.id
        else:
            self._refresh(self._people[person_id], p)
        identity = Identity(
            workspace_id=self._ws,
            person_id=person_id,
            kind=EMAIL,
            value=p.email,
            display_name=p.display_name,
            domain=p.domain,
            name_key=p.name_key,
        )
        self._session.add(identity)
        self._session.flush()
        self._by_email[p.email] = (person_id, identity.id)
        if p.merge_key is not None:
            self._by_merge.setdefault(p.merge_key, person_id)
        if p.name_key:
            self._by_name.setdefault((p.name_key, p.domain), person_id)
        return person_id, identity.id

    def _account_of(self, p: Participant) -> int | None:
        if not p.human or p.account_domain is None or p.account_name is None:
            return None
        return self.account_for(p.account_domain, p.account_name)

    def _refresh(self, person: Person, p: Participant) -> None:
        # A person first seen only as a no-reply sender or by bare address
        # gains a name, an account and engagement once they write for real.
        if p.human and person.automated:
            person.automated = False
        better = p.merge_name or p.display_name
        if better and person.name != better and person.name in ("", p.fallback_name):
            person.name = better
        if person.account_id is None and not person.internal:
            person.account_id = self._account_of(p)
        if p.internal and not person.internal:
            person.internal = True
            person.account_id = None
