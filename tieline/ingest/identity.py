"""Who is who: address classification and person/account keys, without a database.

Rules, in order:

1. An address listed in a config ``[[people]]`` merge belongs to that person.
2. An address seen before keeps its person.
3. A new address whose display name is a person's full name (two words or more;
   middle initials tolerated) matches a known person's at the **same registrable
   domain** joins that person (``dana@acme.com`` and ``dana.whitfield@acme.com``,
   both "Dana Whitfield"). Display names that are not names (``e-mail``, an
   address, ``undisclosed-recipients``, a role such as "Acme Support") and role
   mailboxes (``support@``, ``info@``) never merge anyone. Equal names at
   different domains are never merged automatically: that is what explicit
   merges are for.
4. Otherwise it is a new person, named by its display name or, without one, by a
   name derived from the address (``vince.kaminski@`` -> "Vince Kaminski").

Our own domains (``internal_domains``, their subdomains and ``own_domains``) are
internal. Some domains never become accounts by themselves
(:meth:`DomainPolicy.excluded`): free-mail and internet providers, help-desk, CRM
and notification platforms (lists kept in ``tieline/ingest/data``), news and
mass-mail senders, government domains, and siblings of our own domains
(``enron.net`` beside ``enron.com``). Which of the other domains are accounts is
decided by the service: declared customers, or two-way conversation.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from tieline.domain import Address, Participant

__all__ = [
    "AddressClass",
    "DomainPolicy",
    "Exclusion",
    "account_name_for",
    "builtin_domains",
    "clean_display_name",
    "government_host",
    "is_role_mailbox",
    "name_from_address",
    "name_key",
    "plausible_email",
    "registrable_domain",
]

# Second-level labels under which registrations happen one level deeper (acme.co.uk),
# and Canadian provinces (bchydro.bc.ca) and US states (energy.state.ca.us ...).
_SECOND_LEVEL = frozenset(
    {"co", "com", "net", "org", "gov", "ac", "edu", "ltd", "plc", "gob", "or", "ne", "go",
     "gouv", "govt", "mil", "nic", "nhs", "police", "sch"}
)  # fmt: skip
_PROVINCES = frozenset({"ab", "bc", "mb", "nb", "nl", "ns", "nt", "nu", "on", "pe", "qc", "sk"})
_US_STATES = frozenset(
    "al ak az ar ca co ct de dc fl ga hi id il in ia ks ky la me md ma mi mn ms mo mt ne nv "
    "nh nj nm ny nc nd oh ok or pa ri sc sd tn tx ut vt va wa wv wi wy".split()
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
    levels such as ``co.uk`` or ``com.au``, Canadian provinces and US states keep
    three labels.
    """
    labels = domain.lower().strip(".").split(".")
    if len(labels) <= 2:
        return ".".join(labels)
    tld, second = labels[-1], labels[-2]
    if len(tld) == 2 and (
        second in _SECOND_LEVEL
        or (tld == "ca" and second in _PROVINCES)
        or (tld == "us" and second in _US_STATES)
    ):
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def account_name_for(domain: str) -> str:
    """A readable default account name: ``acme-logistics.com`` -> ``Acme Logistics``."""
    label = registrable_domain(domain).split(".")[0]
    return " ".join(part.capitalize() for part in re.split(r"[-_]+", label) if part)


class Exclusion:
    """Why a domain never becomes an account by itself (the reasons, as shown)."""

    FREEMAIL = "free-mail or internet provider"
    PLATFORM = "help-desk, CRM or notification platform"
    NEWS = "news or mass-mail sender"
    GOVERNMENT = "government"
    OWN = "one of our own domains"


@cache
def _domain_list(name: str) -> frozenset[str]:
    text = resources.files("tieline.ingest").joinpath("data", name).read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def builtin_domains() -> dict[str, frozenset[str]]:
    """The packaged domain lists, by exclusion reason (``tieline/ingest/data/*.txt``)."""
    return {
        Exclusion.FREEMAIL: _domain_list("freemail.txt"),
        Exclusion.PLATFORM: _domain_list("platforms.txt"),
        Exclusion.NEWS: _domain_list("news.txt"),
    }


_GOV_LABELS = frozenset({"gov", "govt", "gouv", "gob", "gv", "mil"})


def government_host(host: str) -> bool:
    """``ferc.gov``, ``mail.house.gov``, ``army.mil``, ``gov.uk``, ``gov.bc.ca``,
    ``gc.ca``, US state and local government (``state.wy.us``, ``ferc.fed.us``),
    EU institutions."""
    labels = host.lower().strip(".").split(".")
    tld = labels[-1]
    if tld in ("gov", "mil"):
        return True
    if len(labels) >= 2 and len(tld) == 2 and labels[-2] in _GOV_LABELS:
        return True
    regions = _PROVINCES | _US_STATES
    if len(labels) >= 3 and len(tld) == 2 and labels[-3] in _GOV_LABELS and labels[-2] in regions:
        return True
    tail = ".".join(labels[-2:])
    return tail in ("gc.ca", "europa.eu", "fed.us") or (
        tld == "us" and len(labels) >= 3 and labels[-2] in _US_STATES
    )


def _on_list(host: str, domains: frozenset[str]) -> bool:
    labels = host.split(".")
    return any(".".join(labels[i:]) in domains for i in range(len(labels) - 1))


_LOCAL_SEPARATORS = re.compile(r"[._-]+")

# Local parts of shared and role mailboxes: whoever signs, they are not one person.
_ROLE_LOCALS = frozenset(
    """support info information sales help helpdesk service services team office admin
    administrator billing accounts accounting finance invoices marketing newsletter news
    notifications notification alerts alert webmaster hostmaster postmaster mailer-daemon
    noreply no-reply donotreply do-not-reply hr jobs careers recruiting contact contactus
    enquiries inquiries press media feedback security operations ops legal orders
    customerservice customercare care hello hi mail email inbox reception frontdesk
    it root abuse privacy compliance registrar events marketplace partners
    """.split()
)
# Words that make a display name a role, a group or an organisation, not a person.
_NOT_NAME_WORDS = frozenset(
    """mail email e-mail recipients recipient undisclosed unknown suppressed list lists
    daemon mailer postmaster delivery subsystem system noreply donotreply reply
    support info information sales help helpdesk service services team office desk admin
    administrator billing accounts accounting finance marketing newsletter news
    notifications notification alerts alert webmaster jobs careers recruiting contact
    enquiries inquiries press media feedback security operations department dept group
    center centre customer customers announcements announcement mailbox inbox staff all
    everyone employees inc llc ltd corp corporation company plc gmbh associates partners
    llp lp the and of for
    """.split()
)
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq", "mba", "cpa"})
_NON_ALPHA = re.compile(r"[^a-z ]+")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def is_role_mailbox(email: str) -> bool:
    """``support@``, ``info@``, ``sales-team@`` ...: a shared inbox, not one person."""
    local = email.partition("@")[0].split("+")[0].lower()
    parts = [p for p in _LOCAL_SEPARATORS.split(local) if p]
    return local in _ROLE_LOCALS or any(p in _ROLE_LOCALS for p in parts)


def name_from_address(email: str) -> str:
    """A display name derived from ``first.last@``; empty when the local part is not a name.

    >>> name_from_address("vince.kaminski@enron.com"), name_from_address("jsmith@acme.com")
    ('Vince Kaminski', '')
    """
    if is_role_mailbox(email):
        return ""
    local = email.partition("@")[0].split("+")[0]
    parts = [p for p in _LOCAL_SEPARATORS.split(local) if p]
    if not 2 <= len(parts) <= 4 or not all(p.isalpha() for p in parts):
        return ""
    if len(parts[0]) < 2 or len(parts[-1]) < 2:  # "j.kaminski": an initial is not a name
        return ""
    return " ".join(p.capitalize() for p in parts)


def clean_display_name(name: str, email: str = "") -> str:
    """The display name, or "" when it is no name at all: an address, ``e-mail``,
    ``undisclosed-recipients``, the bare local part of the address."""
    text = name.strip().strip("'\"").strip()
    if not text or "@" in text:
        return ""
    folded = " ".join(_NON_ALPHA.sub(" ", _fold(text)).split())
    local = _fold(email.partition("@")[0])
    if not folded or folded in ("e mail", "email", "mail", "unknown", "no name"):
        return ""
    if folded.startswith("undisclosed") or "recipient" in folded:
        return ""
    if local and _fold(text) == local:  # "vkaminski" <vkaminski@aol.com>
        return ""
    return text


def name_key(name: str) -> str | None:
    """A comparable form of a person's full name, or None when it is no name to merge on.

    Middle initials and suffixes are left out ("Vince J Kaminski" = "Vince Kaminski"),
    "Last, First" is turned around; roles, groups and companies are not names.

    >>> name_key("Vince J. Kaminski"), name_key("Kaminski, Vince"), name_key("e-mail")
    ('vince kaminski', 'vince kaminski', None)
    """
    if "@" in name:
        return None
    folded = _fold(name).replace("'", "").replace("\u2019", "")
    last, comma, first = folded.partition(",")
    if comma and last.strip() and first.strip() and "," not in first:
        folded = f"{first} {last}"
    raw = folded.replace(".", " ").split()
    if any(w.strip("-") in _NOT_NAME_WORDS for w in raw):
        return None
    words = [w for w in _NON_ALPHA.sub(" ", folded).split() if w not in _SUFFIXES]
    if len(words) < 2 or any(w in _NOT_NAME_WORDS for w in words):
        return None
    if any(c.isdigit() for c in folded):
        return None
    if len(words) > 2:
        words = [words[0], *(w for w in words[1:-1] if len(w) > 1), words[-1]]
    if len(words[-1]) < 2:  # "Smith J": an initial last is not a surname
        return None
    return " ".join(words)


@dataclass(frozen=True, slots=True)
class AddressClass:
    email: str
    domain: str  # registrable domain
    internal: bool
    freemail: bool
    # Why this domain never becomes an account by itself (None: it may).
    excluded: str | None = None

    @property
    def account_domain(self) -> str | None:
        """The domain an account may own: none for us, free-mail and platforms.

        News and government domains are kept: a declared customer may own them.
        """
        never = (Exclusion.FREEMAIL, Exclusion.PLATFORM, Exclusion.OWN)
        return None if self.internal or self.freemail or self.excluded in never else self.domain


@dataclass(frozen=True, slots=True)
class DomainPolicy:
    """What the workspace says about domains and people (from config)."""

    internal_domains: frozenset[str]
    freemail_domains: frozenset[str]
    account_domains: dict[str, str]  # domain -> configured account name
    merges: dict[str, tuple[int, str | None]]  # email -> (index, name) of its [[people]] entry
    # More of our own domains (they are internal too) and the packaged domain lists.
    own_domains: frozenset[str] = frozenset()
    lists: dict[str, frozenset[str]] = field(default_factory=builtin_domains)

    def _ours(self, host: str) -> bool:
        mine = self.internal_domains | self.own_domains
        return any(host == d or host.endswith("." + d) for d in mine)

    def excluded(self, domain: str) -> str | None:
        """Why ``domain`` (a host or registrable domain) never becomes an account by itself."""
        host = domain.lower().strip(".")
        reg = registrable_domain(host)
        if self._ours(host):
            return Exclusion.OWN
        # A sibling of one of ours (enron.net beside enron.com) is ours too.
        label = reg.split(".")[0]
        if any(registrable_domain(d).split(".")[0] == label for d in self.internal_domains):
            return Exclusion.OWN
        if host in self.freemail_domains or reg in self.freemail_domains:
            return Exclusion.FREEMAIL
        for reason, domains in self.lists.items():
            if _on_list(host, domains):
                return reason
        if government_host(host):
            return Exclusion.GOVERNMENT
        return None

    def classify(self, email: str) -> AddressClass:
        host = email.rpartition("@")[2].lower()
        reg = registrable_domain(host)
        internal = self._ours(host)
        excluded = None if internal else self.excluded(host)
        return AddressClass(
            email=email.lower(),
            domain=reg,
            internal=internal,
            freemail=excluded == Exclusion.FREEMAIL,
            excluded=excluded,
        )

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
        display = clean_display_name(address.name, cls.email)
        role = is_role_mailbox(cls.email)
        return Participant(
            email=cls.email,
            display_name=display,
            fallback_name=name_from_address(cls.email),
            name_key=name_key(display) if display and not role else None,
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
