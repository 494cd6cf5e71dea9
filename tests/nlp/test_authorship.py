from __future__ import annotations

import doctest

import tieline.nlp.authorship as authorship
from tieline.nlp.authorship import authored_share, foreign_regions, has_mojibake, own_text

FORWARDED_NEWS = (
    "Thanks for taking the time to call yesterday. Let me know if I can help.\n\n"
    "I have attached an article from this morning's paper.\n\n"
    "Kevin\n\n"
    "[IMAGE] [IMAGE]  Click here to learn more! [IMAGE]\n\n"
    " Home  | Discussions   | Print  Edition  | Archives  | Site Map\n\n"
    "Budget cuts loom as the state faces a deficit\n"
    "By Jane Doe\n"
    "Times Staff Writer\n\n"
    "SACRAMENTO -- Could the state cancel its contracts? Officials said they will "
    "terminate the agreement with the supplier.\n"
)


def test_doctests() -> None:
    result = doctest.testmod(authorship)
    assert result.attempted >= 2 and result.failed == 0


def test_a_forwarded_web_article_is_foreign_from_its_navigation_bar_on() -> None:
    [region] = foreign_regions(FORWARDED_NEWS)
    assert region.reason == "navigation"
    assert FORWARDED_NEWS[: region.start].rstrip().endswith("Kevin")
    own = own_text(FORWARDED_NEWS)
    assert len(own) == len(FORWARDED_NEWS) and own.count("\n") == FORWARDED_NEWS.count("\n")
    assert "Let me know if I can help." in own and "terminate" not in own
    assert 0.1 < authored_share(FORWARDED_NEWS) < 0.5


def test_a_news_byline_starts_the_article_at_the_rule_line_before_it() -> None:
    text = (
        "Please see the article below, FYI.\n\n"
        + "-" * 40
        + "\nReport: wholesalers overcharged the state\nDON THOMPSON, Associated Press Writer\n\n"
        "The state will cancel the contract, officials said.\n"
    )
    [region] = foreign_regions(text)
    assert region.reason == "news" and text[region.start] == "-"
    assert own_text(text).strip() == "Please see the article below, FYI."


def test_forward_markers_and_notes_headers_start_a_foreign_tail() -> None:
    outlook = "Looks good to me.\n\n-----Original Message-----\nFrom: a@x.com\nCan you cancel?"
    notes = (
        "looks good\n\nMeredith Philipp\n10/13/2000 09:30 AM\n\nTo: Kenneth Lay/Corp/Enron\n"
        "cc: Sherri Sera\n\nSubject: draft\n\nWe will terminate the contract.\n"
    )
    for text in (outlook, notes):
        [region] = foreign_regions(text)
        assert region.reason == "forwarded"
    assert own_text(notes).split() == ["looks", "good", "Meredith", "Philipp"]


def test_disclaimers_and_newsletter_footers_are_foreign_on_their_own() -> None:
    text = (
        "Can you send the signed order form by Friday?\n\n"
        "This e-mail and any attachments are confidential and intended solely for the "
        "addressee. If you are not the intended recipient, please delete it.\n\n"
        "To unsubscribe from this list, click the link in your preferences.\n\n"
        "Thanks, Ana"
    )
    reasons = [r.reason for r in foreign_regions(text)]
    assert reasons == ["disclaimer", "newsletter"]
    own = own_text(text)
    assert "Can you send the signed order form by Friday?" in own and "Thanks, Ana" in own
    assert "confidential" not in own and "unsubscribe" not in own


def test_plain_business_mail_is_all_the_authors() -> None:
    text = (
        "Hi Sam,\n\nThe nightly export failed again. If you are not sure why, could you "
        "forward this to your engineers? We will review it on Friday.\n\nThanks, Dana"
    )
    assert foreign_regions(text) == [] and own_text(text) == text
    assert authored_share(text) == 1.0


def test_mojibake_is_repaired_and_does_not_make_questions() -> None:
    text = "I wrote about what?s new, I attach a copy of?the short version?\nDid you get it?"
    assert has_mojibake(text)
    own = own_text(text)
    assert own == (
        "I wrote about what's new, I attach a copy of the short version.\nDid you get it?"
    )
    # Clean text keeps its question marks, interrogative or not ("Friday at 3?").
    clean = "Friday at 3? Sounds good."
    assert not has_mojibake(clean) and own_text(clean) == clean


def test_garbled_paragraphs_are_foreign() -> None:
    garbled = "\u00e2\u20ac\u0153We\u00e2\u20ac\u2122re in\u00c3\u00a9 \ufffd\ufffd"
    text = "Thanks for the call.\n\n" + garbled
    [region] = foreign_regions(text)
    assert region.reason == "mojibake" and own_text(text).strip() == "Thanks for the call."
