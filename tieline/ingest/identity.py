"""Who is who: address classification and person/account keys, without a database.

Rules, in order:

1. An address listed in a config ``[[people]]`` merge belongs to that person.
2. An address seen before keeps its person.
3. A new address whose display name (at least two words) matches a known
   person's at the **same registrable domain** joins that person
   (``dana@acme.com`` and ``dana.whitfield@acme.com``, both "Dana Whitfield").
   Equal names at different domains are never merged automatically: that is
   what explicit merges are for.
4. Otherwise it is a new person.

Our own domains (``internal_domains``, and their subdomains) are internal;
free-mail domains never become accounts; every other domain maps to the
account configured for it or to one named after it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from tieline.domain import Address, Participant

__all__ = [
    "AddressClass",
    "DomainPolicy",
    "account_name_for",
    "name_from_address",
    "name_key",
    "plausible_email",
    "registrable_domain",
]

# Second-level labels under which registrations happen one level deeper (acme.co.uk).
_SECOND_LEVEL = frozenset(
    {"co", "com", "net", "org", "gov", "ac", "edu", "ltd", "plc", "gob", "or", "ne", "go"}
)


# An address as people and mail servers write it: no spaces, quotes, brackets or markup
# (a ticket system's "<b>x</b>@evil.io" must not become a person or an account).
# Letters may be any script's (internationalized addresses); a domain has a dot.
_EMAIL = re.compile(
    r"[\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*"
    r"@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_](?:[\w-]{0,61}[^\W_])?"
)


def plausible_email(email: str) -> bool:
    """Whether ``email`` is shaped like a deliverable address (RFC 5321 lengths).

    >>> plausible_email("dana@acme.io"), plausible_email("<b>x</b>@evil.io")
    (True, False)
    """
    local, _, domain = email.rpartition("@")
    return (
        len(email) <= 254 and len(local) <= 64 and len(domain) <= 253
        and _EMAIL.fullmatch(email) is not None
    )  # fmt: skip


def registrable_domain(domain: str) -> str:
    """The organisation's domain of a host name: ``mail.eu.acme.co.uk`` -> ``acme.co.uk``.

    A compact heuristic instead of the full public-suffix list: ccTLD second
    levels such as ``co.uk`` or ``com.au`` keep three labels.
    """
    labels = domain.lower().strip(".").split(".")
    if len(labels) <= 2:
        return ".".join(labels)
    if len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def account_name_for(domain: str) -> str:
    """A readable default account name: ``acme-logistics.com`` -> ``Acme Logistics``."""
    label = registrable_domain(domain).split(".")[0]
    return " ".join(part.capitalize() for part in re.split(r"[-_]+", label) if part)


_LOCAL_SEPARATORS = re.compile(r"[._-]+")


def name_from_address(email: str) -> str:
    """A display name guessed from ``first.last@``; empty when the local part is not a name.

    >>> name_from_address("dana.whitfield@acme.com"), name_from_address("jsmith@acme.com")
    ('Dana Whitfield', '')
    """
    local = email.partition("@")[0].split("+")[0]
    parts = [p for p in _LOCAL_SEPARATORS.split(local) if p]
    if len(parts) not in (2, 3) or not all(p.isalpha() for p in parts):
        return ""
    return " ".join(p.capitalize() for p in parts)


_NON_ALNUM = re.compile(r"[^a-z0-9 ]+")


def name_key(name: str) -> str | None:
    """A comparable form of a full name, or None when it is too thin to merge on."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = _NON_ALNUM.sub(" ", folded).split()
    return " ".join(words) if len(words) >= 2 else None


@dataclass(frozen=True, slots=True)
class AddressClass:
    email: str
    domain: str  # registrable domain
    internal: bool
    freemail: bool

    @property
    def account_domain(self) -> str | None:
        return None if self.internal or self.freemail else self.domain


@dataclass(frozen=True, slots=True)
class DomainPolicy:
    """What the workspace says about domains and people (from config)."""

    internal_domains: frozenset[str]
    freemail_domains: frozenset[str]
    account_domains: dict[str, str]  # domain -> configured account name
    merges: dict[str, tuple[int, str | None]]  # email -> (index, name) of its [[people]] entry

    def classify(self, email: str) -> AddressClass:
        host = email.rpartition("@")[2].lower()
        reg = registrable_domain(host)
        internal = any(host == d or host.endswith("." + d) for d in self.internal_domains)
        freemail = host in self.freemail_domains or reg in self.freemail_domains
        return AddressClass(email=email.lower(), domain=reg, internal=internal, freemail=freemail)

    def account_name(self, domain: str) -> str:
        return self.account_domains.get(domain) or account_name_for(domain)

    def participant(self, address: Address, *, human: bool = True) -> Participant:
        """Classify one address of a message into what the people directory needs."""
        if not address.email:  # a chat or ticket user we know only by id
            return Participant(
                email="", display_name=address.name, fallback_name="", name_key=None,
                domain="", internal=False, account_domain=None, account_name=None,
                human=human, ids=address.ids, title=address.title,
            )  # fmt: skip
        cls = self.classify(address.email)
        account_domain = cls.account_domain
        merge = self.merges.get(cls.email)
        return Participant(
            email=cls.email,
            display_name=address.name,
            fallback_name=name_from_address(cls.email),
            name_key=name_key(address.name) if address.name else None,
            domain=cls.domain,
            internal=cls.internal,
            account_domain=account_domain,
            account_name=self.account_name(account_domain) if account_domain else None,
            merge_key=merge[0] if merge else None,
            merge_name=merge[1] if merge else None,
            human=human,
            ids=address.ids,
            title=address.title,
        )
