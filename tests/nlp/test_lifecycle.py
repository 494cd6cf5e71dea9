from __future__ import annotations

import doctest
from datetime import UTC, datetime
from types import ModuleType

import pytest

import tieline.nlp.lifecycle as lifecycle
from tieline.domain import (
    Address,
    AutomatedKind,
    Channel,
    LifecycleEvent,
    LifecycleKind,
    Message,
    RecipientKind,
)
from tieline.nlp import bounces as bounces_module
from tieline.nlp import churn, titles
from tieline.nlp.lifecycle import (
    bounces,
    churn_risk,
    classify_failure,
    departure,
    detect_events,
    detect_message,
    executive,
    executive_title,
    out_of_office,
    return_date,
    sentences,
    title_from_signature,
)

SENT = datetime(2025, 5, 7, 9, 30, tzinfo=UTC)  # a Wednesday
DANA = "dana.whitfield@acme-logistics.com"


def day(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


def events(body: str, *, kind: str | None = None, subject: str = "", **kw: str) -> list[str]:
    """The kinds detect_events finds for a message from Dana."""
    found = detect_events(
        subject=subject, body=body, author_email=DANA, author_name="Dana Whitfield",
        sent_at=SENT, automated_kind=kind, signature=kw.get("signature", ""),
    )  # fmt: skip
    return [e.kind.value for e in found]


@pytest.mark.parametrize("module", [lifecycle, bounces_module, churn, titles])
def test_doctests(module: ModuleType) -> None:
    result = doctest.testmod(module)
    assert result.attempted >= 2 and result.failed == 0


# --------------------------------------------------------------------------- sentences, dates


def test_sentences_join_wrapped_lines_and_keep_paragraphs() -> None:
    text = "I am out of the office until\nMonday 12 May. Back soon.\n\n- item one\n- item two"
    assert sentences(text) == [
        "I am out of the office until Monday 12 May.",
        "Back soon.",
        "- item one",
        "- item two",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I am out of the office until Monday 12 May.", day(2025, 5, 12)),
        ("out until 12 May 2026", day(2026, 5, 12)),
        ("returning on May 20th", day(2025, 5, 20)),
        ("I will be back on the 3rd", day(2025, 6, 3)),  # the 3rd of May has passed
        ("back on the 9th", day(2025, 5, 9)),
        ("back Monday", day(2025, 5, 12)),
        ("until Wednesday", day(2025, 5, 14)),  # sent on a Wednesday: next week's
        ("until next Friday", day(2025, 5, 16)),
        ("back tomorrow", day(2025, 5, 8)),
        ("back next week", day(2025, 5, 12)),
        ("until 5/20", day(2025, 5, 20)),
        ("until 20/5/2025", day(2025, 5, 20)),
        ("on vacation beginning June 1st and ending June 10th", day(2025, 6, 10)),
        ("away until January 6", day(2026, 1, 6)),  # no year, already past: next year
        ("I will reply to your email soon.", None),
        ("until further notice", None),
        ("until February 30", None),
    ],
)
def test_return_date(text: str, expected: datetime | None) -> None:
    assert return_date(text, sent_at=SENT) == expected


def test_return_date_is_aware_utc() -> None:
    found = return_date("back on Friday", sent_at=SENT)
    assert found is not None and found.tzinfo is UTC


# --------------------------------------------------------------------------- out of office


def test_auto_reply_out_of_office_with_date() -> None:
    body = (
        "Thank you for your email.\nI am out of the office until Monday 12 May with limited "
        "access to email. For urgent matters please contact lee@acme-logistics.com."
    )
    [event] = out_of_office(subject="Automatic reply: Q3 review", body=body, author_email=DANA,
                            sent_at=SENT, automated=True)  # fmt: skip
    assert event.kind is LifecycleKind.OUT_OF_OFFICE
    assert event.subject_email == DANA
    assert event.until == day(2025, 5, 12)
    assert "out of the office" in event.evidence
    assert event.confidence == 0.9


@pytest.mark.parametrize(
    "body",
    ["I am on parental leave and will return in September.", "I'm on vacation, back on the 9th.",
     "I am travelling with limited access to email."],
)  # fmt: skip
def test_auto_reply_absence_phrases(body: str) -> None:
    assert events(body, kind="auto_reply") == ["out_of_office"]


def test_out_of_office_from_subject_only() -> None:
    [event] = out_of_office(subject="Out of Office", body="Thanks for your message.",
                            author_email=DANA, sent_at=SENT, automated=True)  # fmt: skip
    assert event.evidence == "Out of Office" and event.until is None


def test_auto_reply_without_absence_is_nothing() -> None:
    assert events("Thanks, we received your ticket and will reply within a day.",
                  kind="auto_reply") == []  # fmt: skip


def test_human_announces_absence_with_lower_confidence() -> None:
    [event] = out_of_office(subject="Re: plan", body="Sounds good. I will be on vacation "
                            "beginning June 1st and ending June 10th.", author_email=DANA,
                            sent_at=SENT, automated=False)  # fmt: skip
    assert event.confidence == 0.5 and event.until == day(2025, 6, 10)


@pytest.mark.parametrize(
    "body",
    ["Sorry for the delay, I was on vacation last week.", "Rick is on vacation and I am "
     "monitoring his email.", "I will not be out of the office next week."],
)  # fmt: skip
def test_human_absence_needs_own_present_or_future(body: str) -> None:
    assert out_of_office(subject="", body=body, author_email=DANA, sent_at=SENT,
                         automated=False) == []  # fmt: skip


# --------------------------------------------------------------------------- departures


def test_auto_reply_no_longer_with_names_replacement() -> None:
    body = (
        "Dana Whitfield is no longer with Acme Logistics.\n\nPlease contact Lee Park at "
        "lee.park@acme-logistics.com going forward."
    )
    [event] = departure(body=body, author_email=DANA, automated=True)
    assert event == LifecycleEvent(
        LifecycleKind.DEPARTURE, "Dana Whitfield is no longer with Acme Logistics.", DANA,
        None, "lee.park@acme-logistics.com", 0.9,
    )  # fmt: skip


def test_departure_wins_over_out_of_office_in_detect_events() -> None:
    assert events("I have left the company. Please email lee@acme-logistics.com instead.",
                  kind="auto_reply") == ["departure"]  # fmt: skip


def test_ordinary_out_of_office_is_not_a_departure() -> None:
    body = (
        "I am on vacation until Monday. In my absence please contact lee@acme-logistics.com "
        "instead."
    )
    assert events(body, kind="auto_reply") == ["out_of_office"]
    assert departure(body=body, author_email=DANA, automated=True) == []


def test_leaving_for_vacation_is_not_leaving_the_company() -> None:
    assert departure(body="I'll be leaving for vacation tomorrow, back on the 19th.",
                     author_email=DANA) == []  # fmt: skip
    assert events("I'll be leaving for vacation tomorrow.") == ["out_of_office"]
    [event] = departure(body="I am leaving the company at the end of the month.",
                        author_email=DANA)  # fmt: skip
    assert event.subject_email == DANA


def test_human_last_day_has_lower_confidence() -> None:
    [event] = departure(body="Hi all,\nToday is my last day at Acme. It has been a pleasure.",
                        author_email=DANA)  # fmt: skip
    assert event.confidence == 0.6 and event.evidence == "Today is my last day at Acme."


@pytest.mark.parametrize(
    "body",
    ["My last day in the Portland area will be March 31.",  # a move, not a departure
     "I have left the documents on your desk.", "I'm leaving Houston on Friday.",
     "Is Kim no longer with the company?", "I am not leaving the company.",
     "My last day in the office before my vacation is Friday.",
     "A lack of rain has left the Pacific Northwest short of water."],
)  # fmt: skip
def test_departure_negatives(body: str) -> None:
    assert departure(body=body, author_email=DANA) == []


def test_leaving_named_org_matches_author_domain() -> None:
    assert len(departure(body="I am leaving Acme after six great years.", author_email=DANA)) == 1


def test_colleague_announces_departure_of_named_address() -> None:
    body = (
        "Kim Novak (kim.novak@acme-logistics.com) has left the company. Please contact "
        "lee@acme-logistics.com for open tickets."
    )
    [event] = departure(body=body, author_email=DANA)
    assert event.subject_email == "kim.novak@acme-logistics.com"
    assert event.contact_email == "lee@acme-logistics.com"
    # Without an address there is nobody to flag.
    assert departure(body="Kim has left the company.", author_email=DANA) == []


# --------------------------------------------------------------------------- bounces

GMAIL = """** Address not found **

Your message wasn't delivered to kim@acme.com because the address couldn't be found.

The response from the remote server was:
550 5.1.1 The email account that you tried to reach does not exist.
"""

DSN = """This is the mail system at host mx.example.com.

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; kim@acme.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <kim@acme.com>: Recipient address rejected: User unknown

Final-Recipient: rfc822; sam@acme.com
Action: delayed
Status: 4.2.2
Diagnostic-Code: smtp; 452 4.2.2 Mailbox full
"""


def test_bounce_gmail_style_is_permanent() -> None:
    [event] = bounces(body=GMAIL, exclude=["me@northwind.io"])
    assert event.kind is LifecycleKind.BOUNCE and event.subject_email == "kim@acme.com"
    assert event.evidence.startswith("permanent") and event.confidence == 0.9


def test_bounce_dsn_one_event_per_recipient_permanent_vs_temporary() -> None:
    found = {e.subject_email: e for e in bounces(body=DSN)}
    assert set(found) == {"kim@acme.com", "sam@acme.com"}
    assert found["kim@acme.com"].evidence.startswith("permanent")
    assert found["kim@acme.com"].confidence == 0.9
    assert found["sam@acme.com"].evidence.startswith("temporary")
    assert found["sam@acme.com"].confidence == 0.2


def test_bounce_postfix_line_and_quoted_original_ignored() -> None:
    body = (
        "I'm sorry to have to inform you that your message could not be delivered.\n\n"
        "<kim@acme.com>: host mx.acme.com said: 550 mailbox unavailable\n\n"
        "------ This is a copy of the message, including all the headers. ------\n"
        "From: me@northwind.io\nTo: kim@acme.com, bob@acme.com\n"
    )
    assert [(e.subject_email, e.confidence) for e in bounces(body=body)] == [("kim@acme.com", 0.9)]


def test_bounce_excludes_daemon_and_original_sender() -> None:
    body = (
        "Delivery to the following recipients has been delayed:\n  kim@acme.com\n"
        "mailer-daemon@mx.acme.com will retry. Sent by me@northwind.io"
    )
    [event] = bounces(body=body, exclude=["me@northwind.io"])
    assert event.subject_email == "kim@acme.com" and event.evidence.startswith("temporary")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("550 5.1.1 user unknown", ("permanent", 0.9)), ("5.7.1 message rejected as spam",
     ("permanent", 0.7)), ("552 5.2.2 mailbox full", ("temporary", 0.2)), ("Mailbox full",
     ("temporary", 0.2)), ("Server: Microsoft SMTPSVC(5.0.2195.1600) failed permanently",
     ("permanent", 0.7)), ("No such user here", ("permanent", 0.9)), ("hello", ("unclear", 0.4))],
)  # fmt: skip
def test_classify_failure(text: str, expected: tuple[str, float]) -> None:
    assert classify_failure(text) == expected


def test_detect_events_routes_bounces() -> None:
    found = detect_events(subject="Undeliverable: Q3", body=GMAIL, author_email=
                          "mailer-daemon@googlemail.com", sent_at=SENT, automated_kind="bounce",
                          recipients=["me@northwind.io"])  # fmt: skip
    assert [(e.kind, e.subject_email) for e in found] == [(LifecycleKind.BOUNCE, "kim@acme.com")]


# --------------------------------------------------------------------------- churn risk


@pytest.mark.parametrize(
    "text",
    ["We are evaluating other vendors for next year.", "Honestly we're looking at competitors.",
     "We will not be renewing our contract in March.", "We won't renew.",
     "Please cancel our subscription effective June 1.", "I want to cancel my Spotify premium",
     "Legal asked us to terminate the agreement.", "We need to downgrade our plan.",
     "Budget cuts mean we have to revisit this.", "We're switching to Salesforce next quarter.",
     "We are moving to a different provider.", "Procurement is issuing an RFP in Q3.",
     "We have decided not to renew the license."],
)  # fmt: skip
def test_churn_risk_positive(text: str) -> None:
    [event] = churn_risk(text)
    assert event.kind is LifecycleKind.CHURN_RISK and event.evidence == text
    assert event.subject_email == "" and 0.5 <= event.confidence <= 1.0


@pytest.mark.parametrize(
    "text",
    ["Can we cancel the meeting on Friday?", "We are not planning to cancel our subscription.",
     "We are renewing for another year!", "Please cancel my order, it was a mistake.",
     "We're moving to a new office in June.", "No need to switch to another vendor.",
     "How do I downgrade to iOS 10?", "We responded to the RFP yesterday.",
     "The renewal is on track."],
)  # fmt: skip
def test_churn_risk_negative(text: str) -> None:
    assert churn_risk(text) == []


def test_churn_risk_returns_evidence_sentence_only() -> None:
    [event] = churn_risk("Thanks for the call. Frankly, we are evaluating alternative "
                         "solutions. Talk soon.")  # fmt: skip
    assert event.evidence == "Frankly, we are evaluating alternative solutions."


def test_churn_risk_not_for_machine_mail() -> None:
    assert events("Cancel your subscription at any time.", kind="bulk") == []
    assert events("We won't renew our contract.") == ["churn_risk"]


# --------------------------------------------------------------------------- executives


@pytest.mark.parametrize(
    ("title", "expected"),
    [("CEO", True), ("Chief Revenue Officer", True), ("VP Operations", True), ("SVP, Sales", True),
     ("Senior Vice President", True), ("Head of Procurement", True), ("Co-Founder", True),
     ("Owner", True), ("Managing Director", True), ("General Manager, EMEA", True),
     ("Executive Vice President and Chief of Staff", True), ("Account Executive", False),
     ("Executive Assistant to the CEO", False), ("Product Owner", False),
     ("Chief of Staff", False), ("Former CFO", False), ("Director of IT", False),
     ("Assistant Vice President", False), ("Operations Manager", False), ("", False)],
)  # fmt: skip
def test_executive_title(title: str, expected: bool) -> None:
    assert executive_title(title) is expected


def test_directors_are_opt_in() -> None:
    assert executive_title("Director of IT", include_directors=True)
    assert not executive_title("Executive Assistant to the Director", include_directors=True)


@pytest.mark.parametrize(
    ("signature", "title"),
    [("Dana Whitfield\nVP Operations\nAcme Logistics", "VP Operations"),
     ("Best regards,\n\nDana Whitfield\nChief Financial Officer\n+1 555 0100", "Chief Financial "
      "Officer"), ("-- \nDana Whitfield, Head of Procurement", "Head of Procurement"),
     ("Dana Whitfield\ndana.whitfield@acme-logistics.com\n+1 555 0100", ""),
     ("Operations Manager | Acme Logistics", "Operations Manager"), ("", "")],
)  # fmt: skip
def test_title_from_signature(signature: str, title: str) -> None:
    assert title_from_signature(signature, "Dana Whitfield") == title


def test_executive_event_from_signature_and_recipient_titles() -> None:
    [event] = executive(email=DANA, signature="Dana Whitfield\nVP Operations\nAcme",
                        name="Dana Whitfield")  # fmt: skip
    assert event.evidence == "signature title: VP Operations" and event.subject_email == DANA
    assert executive(email=DANA, signature="Dana Whitfield\nAccount Executive") == []
    found = detect_events(subject="Re: renewal", body="Looping in our CFO.", author_email=DANA,
                          sent_at=SENT, recipients=[Address("cfo@acme.com", "Ann", title="CFO"),
                                                    "ops@acme.com"])  # fmt: skip
    assert [(e.kind, e.subject_email) for e in found] == [(LifecycleKind.EXECUTIVE, "cfo@acme.com")]


def test_detect_message_unpacks_a_domain_message() -> None:
    message = Message(
        external_id="m1", channel=Channel.EMAIL, sent_at=SENT,
        author=Address(DANA, "Dana Whitfield"), subject="Automatic reply: hello",
        body="I am out of the office until Monday 12 May.",
        recipients=((RecipientKind.TO, Address("me@northwind.io")),),
        automated_kind=AutomatedKind.AUTO_REPLY,
    )  # fmt: skip
    [event] = detect_message(message)
    assert event.kind is LifecycleKind.OUT_OF_OFFICE and event.until == day(2025, 5, 12)


@pytest.mark.parametrize(
    "text",
    ["Won\u2019t renew prime if this isn't fixed.", "Funny how I can't cancel my account.",
     "It's not allowing me to log in to cancel my membership.", "Thinking of switching from @tmo!"],
)  # fmt: skip
def test_churn_risk_tweet_forms(text: str) -> None:
    assert len(churn_risk(text)) == 1


@pytest.mark.parametrize(
    "text", ["My PS+ wasn't able to renew.", "I am considering cancelling the trip."]
)
def test_churn_risk_failures_and_objectless_cancel_are_not_risk(text: str) -> None:
    assert churn_risk(text) == []


# --------------------------------------------------------------------------- churn precision


@pytest.mark.parametrize(
    "text",
    [
        "We switched to Boot three years ago and never looked back.",  # a past story
        "Smith said the state will cancel the contract next year.",  # reported speech
        "The state faces budget cuts of $2 billion.",  # a third party's budget
        "Enron may be forced to cancel contracts with the utilities.",  # a third party
        'Analysts wrote that "customers are evaluating other vendors" this quarter.',  # quoted
        "We migrated to Postgres last month.",  # a library, not a vendor relationship
    ],
)
def test_churn_risk_is_about_our_relationship_only(text: str) -> None:
    assert churn_risk(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "I was told we are switching to another vendor.",  # reported, but our own side
        "Our budget was cut, so we need to revisit the contract.",
        "We switched to a cheaper provider last week.",  # past, but a vendor
        "Thinking of switching from @tmo!",  # subjectless tweet
    ],
)
def test_churn_risk_keeps_the_customers_own_words(text: str) -> None:
    assert len(churn_risk(text)) == 1


def test_churn_risk_in_forwarded_news_and_mojibake_is_not_the_customers() -> None:
    from tieline.nlp.authorship import own_text

    body = (
        "Please see the article below.\n\n"
        + "-" * 30
        + "\nBudget cuts hit the state\nBy Jane Doe\nAssociated Press Writer\n\n"
        "We will not renew the contract, the governor's office said.\n"
    )
    assert events(body) == ["churn_risk"]  # the raw body fires: a quoted governor
    assert events(own_text(body)) == []
    # Decoding damage: "we?ll cancel our subscription?" is still the customer's risk.
    assert events(own_text("Honestly we?ll cancel our subscription?")) == ["churn_risk"]


def test_departure_in_forwarded_news_is_not_the_authors() -> None:
    from tieline.nlp.authorship import own_text

    body = (
        "FYI.\n\n-----Original Message-----\nFrom: x@y.com\nSent: Monday\nTo: me\n"
        "Subject: bye\n\nToday is my last day at Acme.\n"
    )
    assert "departure" in events(body)
    assert events(own_text(body)) == []
