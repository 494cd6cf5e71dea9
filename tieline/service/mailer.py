"""Sending the digest by e-mail over SMTP: one multipart/alternative message, plain text
first and HTML second (clients show the last part they can render)."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from tieline.errors import TielineError

__all__ = ["build_message", "send"]


def build_message(
    *, subject: str, sender: str, to: Sequence[str], text: str, html: str
) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def send(
    *,
    host: str,
    port: int,
    sender: str,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str,
    starttls: bool = False,
    username: str | None = None,
    password: str | None = None,
    timeout: float = 30.0,
) -> EmailMessage:
    """Send the text + HTML message through the SMTP server at ``host:port``."""
    if not to:
        raise TielineError("no recipient for the digest", 400)
    msg = build_message(subject=subject, sender=sender, to=to, text=text, html=html)
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            if starttls:
                smtp.starttls()
            if username:
                smtp.login(username, password or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise TielineError(f"could not send the digest via {host}:{port}: {exc}", 502) from exc
    return msg
