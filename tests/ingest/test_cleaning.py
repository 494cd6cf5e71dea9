from __future__ import annotations

from tieline.ingest.cleaning import clean_body, html_to_text


def test_gmail_style_quote_and_dash_signature() -> None:
    body = (
        "Works for me.\n\n-- \nSam Ortiz\nCSM\n\n"
        "On Mon, 2 Mar 2026 at 09:14, Dana <dana@acme.com> wrote:\n> Can we meet?\n"
    )
    c = clean_body(body)
    assert c.text == "Works for me."
    assert c.signature.endswith("Sam Ortiz\nCSM")
    assert c.quoted.startswith("On Mon, 2 Mar 2026") and "> Can we meet?" in c.quoted


def test_outlook_original_message_block() -> None:
    body = (
        "Approved.\n\n-----Original Message-----\nFrom: Lay, Kenneth\n"
        "Sent: Monday, April 30, 2001 9:15 AM\nTo: Smith, John\nSubject: RE: budget\n\nOld text."
    )
    c = clean_body(body)
    assert c.text == "Approved."
    assert "Old text." in c.quoted


def test_interleaved_quotes_and_closing() -> None:
    c = clean_body("> is it ready?\nYes.\n> and the report?\nTomorrow.\n\nThanks,\nSam")
    assert c.text == "Yes.\nTomorrow."
    assert c.quoted == "> is it ready?\n> and the report?"
    assert c.signature == "Thanks,\nSam"


def test_forward_banner_moves_forwarded_text_to_quoted() -> None:
    c = clean_body("FYI, see below.\n\n---------- Forwarded message ---------\nFrom: a@b.c\nHi")
    assert c.text == "FYI, see below."
    assert c.quoted.startswith("---------- Forwarded message")


def test_plain_message_is_untouched() -> None:
    text = "The export ran at 2am.\n\nNo errors in the log."
    assert clean_body(text).text == text
    assert clean_body(text).quoted == "" and clean_body(text).signature == ""


def test_huge_body_is_cut_not_stalled() -> None:
    c = clean_body("First line.\n" + "x" * 200_000)
    assert c.text.startswith("First line.")
    assert len(c.text) + len(c.quoted) >= 200_000


def test_html_to_text_keeps_blocks_and_quotes() -> None:
    html = (
        "<div>Hello <b>team</b>,</div><p>Numbers&nbsp;attached.</p>"
        "<blockquote>old <i>stuff</i></blockquote><style>p{}</style>"
    )
    text = html_to_text(html)
    assert "Hello team," in text and "Numbers attached." in text
    assert "> old stuff" in text and "p{}" not in text


def test_sign_off_above_dash_signature_and_lists_stay_in_body() -> None:
    c = clean_body(
        "Action items:\n- send the quote\n- book the QBR\n\nThanks,\nSam\n\n-- \nSam Ortiz\nCSM"
    )
    assert c.text == "Action items:\n- send the quote\n- book the QBR"
    assert c.signature.startswith("Thanks,\nSam") and c.signature.endswith("CSM")


def test_thanks_inside_a_sentence_is_not_a_signature() -> None:
    c = clean_body("Thanks, that works for us.\nSee you Tuesday.")
    assert c.text == "Thanks, that works for us.\nSee you Tuesday." and c.signature == ""


def test_other_languages_go_through_the_library() -> None:
    c = clean_body("Passt, danke!\n\nAm 2. März 2026 um 09:14 schrieb Dana <d@acme.de>:\n> Termin?")
    assert c.text == "Passt, danke!"
    assert "schrieb" in c.quoted
