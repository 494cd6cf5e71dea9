from __future__ import annotations

from tieline.domain import Address
from tieline.ingest.identity import (
    DomainPolicy,
    account_name_for,
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
    assert name_key("Renée  O'Brien") == "renee o brien"
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
