from __future__ import annotations

from tieline.domain import Address
from tieline.ingest.identity import (
    DomainPolicy,
    Exclusion,
    account_name_for,
    builtin_domains,
    clean_display_name,
    government_host,
    is_role_mailbox,
    name_from_address,
    name_key,
    registrable_domain,
)

POLICY = DomainPolicy(
    internal_domains=frozenset({"northwind.io"}),
    freemail_domains=frozenset({"gmail.com"}),
    account_domains={"acme-logistics.com": "Acme Logistics Inc."},
    merges={"ravi.home@gmail.com": (0, "Ravi Kumar")},
)


def test_registrable_domain() -> None:
    assert registrable_domain("mail.eu.acme.com") == "acme.com"
    assert registrable_domain("mail.acme.co.uk") == "acme.co.uk"
    assert registrable_domain("acme.io") == "acme.io"


def test_account_names() -> None:
    assert account_name_for("mail.acme-logistics.com") == "Acme Logistics"
    assert POLICY.account_name("acme-logistics.com") == "Acme Logistics Inc."


def test_names() -> None:
    assert name_key("Renée  O'Brien") == "renee obrien"
    assert name_key("Sam") is None
    assert name_from_address("dana.whitfield@acme.com") == "Dana Whitfield"
    assert name_from_address("info@acme.com") == ""


def test_participants() -> None:
    internal = POLICY.participant(Address("sam@eu.northwind.io", "Sam Ortiz"))
    assert internal.internal and internal.account_domain is None
    customer = POLICY.participant(Address("Dana@Mail.Acme-Logistics.com", "Dana W"))
    assert customer.email == "dana@mail.acme-logistics.com"
    assert customer.account_domain == "acme-logistics.com"
    assert customer.account_name == "Acme Logistics Inc."
    free = POLICY.participant(Address("ravi.home@gmail.com", "Ravi K"), human=False)
    assert free.account_domain is None and free.merge_key == 0 and not free.human
    assert free.merge_name == "Ravi Kumar"


def test_registrable_domain_keeps_provinces_and_states() -> None:
    assert registrable_domain("jeff.lam@bchydro.bc.ca".split("@")[1]) == "bchydro.bc.ca"
    assert registrable_domain("energy.state.ca.us") == "state.ca.us"
    assert registrable_domain("houston.rr.com") == "rr.com"


def test_name_key_tolerates_middle_initials_and_order() -> None:
    assert name_key("Vince J Kaminski") == name_key("Vince Kaminski") == "vince kaminski"
    assert name_key("Vince J. Kaminski") == "vince kaminski"
    assert name_key("Kaminski, Vince J") == "vince kaminski"
    assert name_key("Steven J Kean Jr") == "steven kean"
    assert name_key("Susan J Mara") == name_key("Susan Mara")
    # First names and surnames are not initials: these stay apart.
    assert name_key("J Kaminski") != name_key("Vince Kaminski")
    assert name_key("Mary Anne Smith") == "mary anne smith"


def test_non_names_never_key() -> None:
    for junk in (
        "e-mail",
        "E-Mail",
        "email",
        "undisclosed-recipients",
        "Undisclosed Recipients",
        "dana@acme.com",
        "Acme Support",
        "Sales Team",
        "Customer Service",
        "Info Desk",
        "Enron Announcements",
        "Acme Inc",
        "legal",
        "user 123",
    ):
        assert name_key(junk) is None, junk


def test_display_names_that_are_not_names_are_dropped() -> None:
    assert clean_display_name("e-mail", "x@acme.com") == ""
    assert clean_display_name("'dana@acme.com'", "dana@acme.com") == ""
    assert clean_display_name("undisclosed-recipients", "") == ""
    assert clean_display_name("vkaminski", "vkaminski@aol.com") == ""
    assert clean_display_name("Dana Whitfield", "dana@acme.com") == "Dana Whitfield"
    assert clean_display_name("Acme Support", "support@acme.com") == "Acme Support"


def test_role_mailboxes() -> None:
    for role in (
        "support@acme.com",
        "info@acme.com",
        "sales@acme.com",
        "sales-team@acme.com",
        "no-reply@acme.com",
        "help+billing@acme.com",
    ):
        assert is_role_mailbox(role), role
    assert not is_role_mailbox("dana.whitfield@acme.com")
    assert not is_role_mailbox("salesman.joe@acme.com")


def test_derived_names() -> None:
    assert name_from_address("vince.kaminski@enron.com") == "Vince Kaminski"
    assert name_from_address("susan_j_mara@enron.com") == "Susan J Mara"
    assert name_from_address("j.kaminski@enron.com") == ""  # an initial is not a first name
    assert name_from_address("support.team@acme.com") == ""
    assert name_from_address("market_participant_ab1@calpx.com") == ""


def test_role_mailbox_and_non_name_display_never_carry_a_name_key() -> None:
    shared = POLICY.participant(Address("support@acme-logistics.com", "Dana Whitfield"))
    assert shared.name_key is None and shared.display_name == "Dana Whitfield"
    junk = POLICY.participant(Address("dana.whitfield@acme-logistics.com", "e-mail"))
    assert junk.display_name == "" and junk.name_key is None
    assert junk.fallback_name == "Dana Whitfield"


ENRON = DomainPolicy(
    internal_domains=frozenset({"enron.com"}),
    freemail_domains=frozenset(),
    account_domains={},
    merges={},
    own_domains=frozenset({"enrononline.co.uk"}),
)


def test_domains_that_never_become_accounts_by_themselves() -> None:
    cases = {
        "earthlink.net": Exclusion.FREEMAIL, "juno.com": Exclusion.FREEMAIL,
        "netzero.net": Exclusion.FREEMAIL, "pacbell.net": Exclusion.FREEMAIL,
        "houston.rr.com": Exclusion.FREEMAIL, "mindspring.com": Exclusion.FREEMAIL,
        "bellatlantic.net": Exclusion.FREEMAIL, "aol.com": Exclusion.FREEMAIL,
        "msn.com": Exclusion.FREEMAIL, "hotmail.com": Exclusion.FREEMAIL,
        "acme.zendesk.com": Exclusion.PLATFORM, "freshdesk.com": Exclusion.PLATFORM,
        "intercom.io": Exclusion.PLATFORM, "hubspot.com": Exclusion.PLATFORM,
        "salesforce.com": Exclusion.PLATFORM, "mcsv.net": Exclusion.PLATFORM,
        "docusign.net": Exclusion.PLATFORM, "calendly.com": Exclusion.PLATFORM,
        "nytimes.com": Exclusion.NEWS, "wsj.com": Exclusion.NEWS, "reuters.com": Exclusion.NEWS,
        "ferc.gov": Exclusion.GOVERNMENT, "mail.house.gov": Exclusion.GOVERNMENT,
        "army.mil": Exclusion.GOVERNMENT, "hmrc.gov.uk": Exclusion.GOVERNMENT,
        "gov.bc.ca": Exclusion.GOVERNMENT, "state.wy.us": Exclusion.GOVERNMENT,
        "ferc.fed.us": Exclusion.GOVERNMENT, "ec.europa.eu": Exclusion.GOVERNMENT,
        "enron.net": Exclusion.OWN, "ect.enron.com": Exclusion.OWN,
        "enrononline.co.uk": Exclusion.OWN,
    }  # fmt: skip
    for host, reason in cases.items():
        assert ENRON.excluded(host) == reason, host
    for customer in ("caiso.com", "bracepatt.com", "stanford.edu", "bchydro.bc.ca",
                     "governance.com", "acme.com"):  # fmt: skip
        assert ENRON.excluded(customer) is None, customer
    assert not government_host("gov.acme.com")
    assert len(builtin_domains()[Exclusion.FREEMAIL]) > 250


def test_excluded_domains_and_accounts() -> None:
    # Free-mail, platforms and our own domains can never be an account's domain; news and
    # government ones can, when a customer list declares them.
    assert ENRON.classify("x@earthlink.net").account_domain is None
    assert ENRON.classify("x@acme.zendesk.com").account_domain is None
    assert ENRON.classify("x@enron.net").account_domain is None
    assert ENRON.classify("x@ferc.gov").account_domain == "ferc.gov"
    assert ENRON.classify("x@ferc.gov").excluded == Exclusion.GOVERNMENT
    assert ENRON.classify("x@enrononline.co.uk").internal
    assert not ENRON.classify("x@enron.net").internal
