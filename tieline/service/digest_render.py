"""The weekly digest as Markdown, plain text and e-mail HTML (tables and inline CSS only:
mail clients drop stylesheets and never load external assets)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

__all__ = ["render", "render_html", "render_markdown", "render_text", "subject"]

_BAND = {"red": "#c0392b", "yellow": "#b7950b", "green": "#1e8449"}
_FONT = "font-family:Arial,Helvetica,sans-serif;"


def subject(digest: Mapping[str, Any]) -> str:
    s = digest["summary"]
    who = f" for {digest['owner']}" if digest.get("owner") else ""
    return (
        f"Tieline weekly digest {digest['week']}{who}: "
        f"{s['attention']} of {s['accounts']} accounts need attention"
    )


def _health(acc: Mapping[str, Any]) -> str:
    h = acc["health"]
    if h["score"] is None:
        return "health —"
    text = f"health {h['score']:.0f} {h['band'] or ''}".rstrip()
    if h["change"] is not None:
        text += f" ({h['change']:+.1f} vs {h['previous_score']:.0f})"
    return text


def _summary_line(digest: Mapping[str, Any]) -> str:
    s = digest["summary"]
    return (
        f"{s['attention']} of {s['accounts']} accounts need attention: "
        f"{s['health_drops']} health drops, {s['negative_messages']} negative messages, "
        f"{s['aging_items']} aging items we owe, {s['departures']} departures, "
        f"{s['churn_risk']} churn-risk mentions, {s['people_drops']} weaker relationships"
    )


def _owner(acc: Mapping[str, Any]) -> str:
    o = acc.get("owner")
    return f"owner {o['name']} <{o['email']}>" if o and o["email"] != o["name"] else (
        f"owner {o['name']}" if o else "no owner"
    )  # fmt: skip


def render_markdown(digest: Mapping[str, Any]) -> str:
    lines = [
        f"# Weekly digest {digest['week']} — {digest['workspace']}",
        "",
        f"{digest['start']} to {digest['end']}, compared with {digest['previous_week']}"
        + (f"; accounts of {digest['owner']}" if digest.get("owner") else "") + ".",
        "",
        _summary_line(digest) + ".",
    ]  # fmt: skip
    for acc in digest["accounts"]:
        lines += ["", f"## [{acc['name']}]({acc['link']})", ""]
        lines.append(f"{_health(acc)} · relationship {acc['relationship']['score'] or '—'}/5 · "
                     f"{_owner(acc)}")  # fmt: skip
        if acc["flags"]["raised"]:
            lines.append(f"flags: {', '.join(f.replace('_', ' ') for f in acc['flags']['raised'])}")
        lines.append("")
        if not acc["items"]:
            lines.append("- nothing new this week")
        for item in acc["items"]:
            lines.append(f"- **{item['kind'].replace('_', ' ')}** {item['text']} "
                         f"([open]({item['link']}))")  # fmt: skip
    return "\n".join(lines) + "\n"


def render_text(digest: Mapping[str, Any]) -> str:
    """The plain-text alternative of the e-mail."""
    lines = [
        f"Weekly digest {digest['week']} - {digest['workspace']}",
        f"{digest['start']} to {digest['end']}, compared with {digest['previous_week']}"
        + (f"; accounts of {digest['owner']}" if digest.get("owner") else ""),
        "",
        _summary_line(digest),
    ]  # fmt: skip
    for acc in digest["accounts"]:
        lines += ["", f"{acc['name']} - {_health(acc)} - {_owner(acc)}", f"  {acc['link']}"]
        for item in acc["items"]:
            lines.append(f"  * {item['text']}")
            lines.append(f"    {item['link']}")
        if not acc["items"]:
            lines.append("  * nothing new this week")
    return "\n".join(lines) + "\n"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def render_html(digest: Mapping[str, Any]) -> str:
    """A single-column, table-based e-mail body with inline styles."""
    cell = f"{_FONT}font-size:14px;color:#222;padding:6px 8px;border-bottom:1px solid #eee;"
    rows: list[str] = []
    for acc in digest["accounts"]:
        band = acc["health"]["band"] or ""
        color = _BAND.get(band, "#555")
        rows.append(
            f'<tr><td colspan="2" style="{_FONT}padding:16px 8px 4px 8px;'
            f'border-top:2px solid {color};">'
            f'<a href="{_e(acc["link"])}" style="{_FONT}font-size:17px;font-weight:bold;'
            f'color:#1a5276;text-decoration:none;">{_e(acc["name"])}</a>'
            f'<span style="{_FONT}font-size:13px;color:{color};padding-left:8px;">'
            f"{_e(_health(acc))}</span>"
            f'<div style="{_FONT}font-size:12px;color:#777;">relationship '
            f"{_e(acc['relationship']['score'] or '—')}/5 · {_e(_owner(acc))}"
            + (f" · flags: {_e(', '.join(acc['flags']['raised']).replace('_', ' '))}"
               if acc["flags"]["raised"] else "")
            + "</div></td></tr>"
        )  # fmt: skip
        for item in acc["items"] or [{"kind": "", "text": "nothing new this week",
                                      "link": acc["link"]}]:  # fmt: skip
            rows.append(
                f'<tr><td style="{cell}width:130px;color:#777;font-size:12px;'
                f'text-transform:uppercase;">{_e(item["kind"].replace("_", " "))}</td>'
                f'<td style="{cell}">{_e(item["text"])} '
                f'<a href="{_e(item["link"])}" style="color:#1a5276;">open</a></td></tr>'
            )
    title = f"Weekly digest {digest['week']} — {digest['workspace']}"
    scope = f"{digest['start']} to {digest['end']}, compared with {digest['previous_week']}" + (
        f"; accounts of {digest['owner']}" if digest.get("owner") else ""
    )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title></head>"
        '<body style="margin:0;padding:0;background:#f4f6f7;">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        'style="background:#f4f6f7;"><tr><td align="center" style="padding:16px;">'
        '<table role="presentation" width="640" cellpadding="0" cellspacing="0" border="0" '
        'style="background:#ffffff;border:1px solid #ddd;">'
        f'<tr><td colspan="2" style="{_FONT}padding:16px 8px;background:#1a5276;color:#fff;">'
        f'<div style="{_FONT}font-size:20px;font-weight:bold;color:#fff;">{_e(title)}</div>'
        f'<div style="{_FONT}font-size:13px;color:#d6eaf8;">{_e(scope)}</div></td></tr>'
        f'<tr><td colspan="2" style="{_FONT}font-size:14px;padding:12px 8px;color:#222;">'
        f"{_e(_summary_line(digest))}.</td></tr>"
        + "".join(rows)
        + "</table></td></tr></table></body></html>\n"
    )


def render(digest: Mapping[str, Any], format: str) -> str:
    """``md``, ``html`` or ``text``."""
    renderers = {"md": render_markdown, "html": render_html, "text": render_text}
    if format not in renderers:
        raise ValueError(f"unknown digest format {format!r}")
    return renderers[format](digest)
