"""HTML bodies (email text/html parts, Zendesk ``html_body``) convert in time linear in
their size whatever they hold, keep their text and structure, and stop at a size cap.

The hostile inputs run at full size in a subprocess with a generous timeout: the regular
expressions this converter replaced took minutes on each (150 KB of ``<`` took 8 s and
1 MB over 150 s); the linear parser takes about a second for all of them together on a
loaded machine. Nothing here compares wall-clock times.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from tests.conftest import DATA
from tieline.ingest.cleaning import clean_body
from tieline.ingest.htmltext import MAX_HTML_CHARS, MAX_QUOTE_MARKS, html_to_text

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120  # seconds for every hostile input at 1 MB together

HOSTILE = {
    "lt": '"<" * 10**6',
    "unclosed_script": '"<script" * 150_000',
    "unclosed_blockquote": '"<blockquote" * 90_000',
    "nested_blockquote": '"<blockquote>" * 80_000 + "bottom"',
    "nested_div": '"<div>" * 100_000 + "bottom"',
    "misnested": '"<b><p>" * 80_000 + "bottom"',
    "nested_table": '"<table><tr><td>" * 30_000 + "bottom"',
    "attributes": '"<p " + "a=1 " * 100_000 + ">text"',
    "comments": '"<!--" * 200_000',
}


def _run(script: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], cwd=ROOT, capture_output=True,
        text=True, timeout=TIMEOUT, check=True,
    )  # fmt: skip
    out: dict[str, Any] = json.loads(done.stdout)
    return out


def test_hostile_html_converts_within_the_timeout_and_stops_at_the_cap() -> None:
    cases = ", ".join(f"{name!r}: {expr}" for name, expr in HOSTILE.items())
    out = _run(f"""
        import json
        from tieline.ingest.htmltext import html_to_text
        cases = {{{cases}}}
        print(json.dumps({{name: [len(html), html_to_text(html)] for name, html in cases.items()}}))
    """)
    for name, (size, text) in out.items():
        assert len(text) <= MAX_HTML_CHARS + 100, name
        if size > MAX_HTML_CHARS:
            assert text.endswith(f"{size - MAX_HTML_CHARS:,} more not converted]"), name
    assert out["lt"][1].startswith("<" * 1000)  # text, not markup
    assert "bottom" in out["nested_table"][1]  # under the cap
    assert out["attributes"][1].startswith("text")


def test_hostile_html_through_zendesk_and_email_readers(tmp_path: Path) -> None:
    """The Zendesk ``html_body`` and an HTML-only email use the same converter."""
    export = json.loads((DATA / "tickets" / "zendesk_export.json").read_text())
    comment = export["tickets"][1]["comments"][0]
    assert comment["id"] == 2001 and "html_body" in comment
    comment["html_body"] = "<p>Please reissue it.</p>" + "<blockquote>" * 200_000
    path = tmp_path / "zendesk.json"
    path.write_text(json.dumps(export))
    out = _run(f"""
        import json
        from email.message import EmailMessage
        from pathlib import Path
        from tieline.domain import Message
        from tieline.ingest.email import parse_message
        from tieline.ingest.tickets import read_zendesk_export
        bodies = {{r.external_id: r.body for r in read_zendesk_export(Path({str(path)!r}))
                  if isinstance(r, Message)}}
        msg = EmailMessage()
        msg["From"], msg["To"] = "a@acme.com", "b@northwind.io"
        msg["Date"], msg["Message-ID"] = "Mon, 2 Mar 2026 10:00:00 +0000", "<x@acme.com>"
        msg.set_content("<p>Renewal looks good.</p>" + "<" * 10**6, subtype="html")
        mail = parse_message("hostile.eml", msg.as_bytes())
        print(json.dumps({{"zendesk": bodies["zendesk:102:2001"], "email": mail.body}}))
    """)
    assert out["zendesk"].startswith("Please reissue it.\n")
    assert out["zendesk"].endswith(" more not converted]")
    assert out["email"].startswith("Renewal looks good.\n")


def test_deep_nesting_keeps_what_follows_and_bounds_quote_marks() -> None:
    html = "<p>Reply</p>" + "<blockquote>old<br>" * 5000 + "</blockquote>" * 5000 + "<p>after</p>"
    text = html_to_text(html)
    lines = text.split("\n")
    assert lines[0] == "Reply" and lines[-1] == "after" and len(lines) == 5002
    assert lines[1] == "> old" and lines[-2] == "> " * MAX_QUOTE_MARKS + "old"
    assert len(text) < len(html)  # the quote marks grow with depth only up to the cap
    deep = html_to_text("<div>" * 40_000 + "deep" + "</div>" * 40_000 + "<p>after</p>")
    assert deep == "deep\nafter"


def test_structure_survives_for_quote_stripping() -> None:
    html = (  # as Gmail writes a reply
        "<html><head><title>Re: renewal</title><style>p{color:red}</style></head><body>"
        "<div>Hi Sam,</div><div>Yes, Tuesday works.<br>Best,<br>Dana</div>"
        '<div class="gmail_quote"><div>On Mon, 2 Mar 2026, Sam &lt;s@x.io&gt; wrote:<br></div>'
        "<blockquote><p>Can we meet?</p><blockquote>Earlier</blockquote></blockquote></div>"
        "<script>alert(1)</script><!-- tracking --></body></html>"
    )
    text = html_to_text(html)
    assert text == (
        "Hi Sam,\nYes, Tuesday works.\nBest,\nDana\n"
        "On Mon, 2 Mar 2026, Sam <s@x.io> wrote:\n> Can we meet?\n> > Earlier"
    )
    cleaned = clean_body(text)
    assert cleaned.text == "Hi Sam,\nYes, Tuesday works." and cleaned.signature == "Best,\nDana"
    assert cleaned.quoted.endswith("> Can we meet?\n> > Earlier")


def test_text_whitespace_entities_and_encodings() -> None:
    html = (
        '<?xml version="1.0" encoding="iso-8859-1"?><meta charset="latin1">'
        "<p>caf\u00e9 &amp; cr\u00e8me\x00,\n   wrapped  line</p><pre>  a\n  b</pre>"
        "<table><tr><td>Plan</td><td>Seats</td></tr><tr><td>Pro</td><td>40</td></tr></table>"
    )
    assert (
        html_to_text(html) == "caf\u00e9 & cr\u00e8me,\nwrapped line\n  a\n  b\nPlan Seats\nPro 40"
    )
    assert html_to_text("no markup at all") == "no markup at all"
    assert html_to_text("") == html_to_text("<!-- only a comment -->") == ""
    assert html_to_text("a<br><br><br><br>b") == "a\n\nb"  # at most one blank line


def test_the_cap_drops_the_rest_with_a_note() -> None:
    text = html_to_text("<p>kept</p>" + "<p>dropped</p>" * 10, max_chars=11)
    assert text == "kept\n\n[HTML body cut at 11 characters: 140 more not converted]"


def test_source_lines_stay_lines_so_banners_are_found() -> None:
    """Plain text pasted into HTML (common in exported mail) keeps its lines: the forward
    banner still starts a line, and the quoted history is split off."""
    html = "<p>Any interest?\n-------- Forwarded by Sam Kean on 08/28/2000\nOld invitation.</p>"
    text = html_to_text(html)
    assert text.split("\n")[1].startswith("-------- Forwarded by")
    cleaned = clean_body(text)
    assert cleaned.text == "Any interest?" and cleaned.quoted.endswith("Old invitation.")
