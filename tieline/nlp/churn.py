"""Churn risk: sentences of customer text that voice a risk of leaving.

Also home of :func:`sentences`, the line-aware sentence splitter the lifecycle
detectors share (re-exported by :mod:`tieline.nlp.lifecycle`).
"""

from __future__ import annotations

import re

from tieline.domain import LifecycleEvent, LifecycleKind
from tieline.nlp.bounces import _I, _event

__all__ = ["about_us", "churn_risk", "sentences"]

_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")
_LINE_END = re.compile(r"[.!?:;]$")
_BULLET = re.compile(r"^(?:[-*\u2022]|\d+[.)])\s")
_GREETING = re.compile(
    r"^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))\b.{0,40},$", re.I
)


def sentences(text: str) -> list[str]:
    """Split text into sentences; hard-wrapped lines are joined back first.

    >>> sentences("I am away until\\nMonday. Back soon!\\n\\nThanks")
    ['I am away until Monday.', 'Back soon!', 'Thanks']
    """
    out: list[str] = []
    text = text.replace("\u2019", "'")  # curly apostrophes: "won\u2019t" is "won't"
    for para in re.split(r"\n\s*\n", text):
        chunks: list[str] = []
        for line in (ln.strip() for ln in para.splitlines()):
            if not line:
                continue
            # A line that ends a sentence, or a list item, starts a new chunk.
            last = chunks[-1] if chunks else ""
            if (
                last
                and not _LINE_END.search(last)
                and not _BULLET.match(line)
                and not (len(chunks) == 1 and _GREETING.match(last))
            ):
                chunks[-1] += " " + line
            else:
                chunks.append(line)
        out += [s.strip() for c in chunks for s in _SENT_END.split(c) if s.strip()]
    return out


_OBJECT = (
    r"(?:subscriptions?|contracts?|accounts?|plans?|services?|licen[cs]es?|memberships?|"
    r"agreements?|renewals?|seats|premium|deal|partnership|relationship)"
)
_VENDOR = (
    r"(?:vendors?|providers?|suppliers?|solutions?|options|alternatives|platforms?|tools?|"
    r"products?|competitors?|offerings|partners)"
)
# (pattern, confidence). Patterns that are themselves negative ("not renewing") are
# listed in _RISK_NEGATIVE and are not cancelled by a negation before them.
_RISK = [
    (
        rf"\b(?:evaluat|assess|compar|explor|review|consider|look(?:ing)? (?:at|into)"
        rf"|talk(?:ing)? to"
        rf"|shop(?:ping)? around for)\w* (?:other|alternative|competing|different|new|a few|"
        rf"several|some) {_VENDOR}",
        0.8,
    ),
    (r"\b(?:looking at|talking to|speaking with|evaluating) (?:your |a )?competitors?\b", 0.8),
    (r"\bshop(?:ping)? around\b", 0.6),
    (
        rf"\bcancel(?:l?ing|l?ed|lation(?: of)?|s)? (?:my |our |the |this |your )?"
        rf"(?:[\w-]+ ){{0,2}}"
        rf"{_OBJECT}\b",
        0.8,
    ),
    (
        rf"\bterminat(?:e|es|ed|ing|ion of) (?:my |our |the |this )?(?:[\w-]+ ){{0,2}}{_OBJECT}\b",
        0.8,
    ),
    (
        r"\b(?:close|closing|end|ending) (?:my|our|the) (?:[\w-]+ )?"
        r"(?:account|subscription|contract)",
        0.7,
    ),
    (
        rf"\bdowngrad(?:e|es|ed|ing) (?:my |our |the )?(?:[\w-]+ )?(?:{_OBJECT}|tier|package)\b"
        r"|\bdowngrad\w* to (?:the |a )?(?:free|basic|starter|lower|cheaper|smaller)\b",
        0.7,
    ),
    (
        r"\bbudget (?:cuts?|reductions?|freeze)\b|\bcut(?:ting)? (?:our|the) budget\b"
        r"|\bbudget (?:has been|was|is being|got) (?:cut|slashed|reduced)\b",
        0.55,  # .55: only with the author's own organisation in the sentence (below)
    ),
    (
        rf"\b(?:switch|mov|migrat|transition|go)(?:e|es|ed|ing)? (?:over )?(?:to|with) "
        rf"(?:a |an |another |a different |a new |a competing |a cheaper )?"
        rf"(?:{_VENDOR}|competitor)",
        0.7,
    ),
    (
        r"\b(?:switch|migrat)(?:e|es|ed|ing)? (?:over )?(?:to|from) (?-i:[A-Z][\w.&-]+|@\w+)",
        0.55,  # a product name may be a library ("Boot"): needs the vendor context below
    ),
    (r"\b(?:thinking (?:of|about)|considering) (?:leaving|switching|dropping)\b", 0.7),
    (r"\b(?:don't|do not|no longer) want to be (?:a|your) customer", 0.8),
    (r"\b(?:turn(?:ed)? off|disabl\w*|cancel\w*) (?:the |my |our )?auto-?\s?renew", 0.7),
    (
        r"\b(?:issu|run|releas|send|sen|put)\w* (?:out )?(?:an? )?(?:RFP|request for proposals?)\b",
        0.6,
    ),
    (r"\btake (?:my|our) business elsewhere\b", 0.8),
]
_RISK_NEGATIVE = [
    (
        r"(?:\bnot|n't|\bnever) (?:be |going to |planning to |plan to |intend to |likely to )?"
        r"renew(?:ing|al|ed)?\b|\bwon't (?:be )?renew"
        r"|\b(?:decided|decide|chosen|chose) (?:not to|against) renew"
        r"|\bnon-?renewal\b|\bwill not (?:be )?renew",
        0.9,
    ),
]
_RISK_RE = [(re.compile(p, _I), c) for p, c in _RISK]
_RISK_NEG_RE = [(re.compile(p, _I), c) for p, c in _RISK_NEGATIVE]
# "no plans to cancel", "don't want to switch", "without cancelling".
# Only in the few words before a cue; "can't cancel" still wants to cancel.
_RISK_NEGATION = re.compile(
    r"\b(?:not|never|no|nor|without|avoid|instead of|rather than)\b|(?<!ca)n't\b", _I
)


# Reported speech, third-party stories and the past: not the author's relationship.
_REPORTED = re.compile(
    r"\b(?:said|says|told|according to|reported(?:ly)?|reports|announced|quoted)\b", _I
)
_PAST_STORY = re.compile(r"\b(?:ago|used to|in the past|back in (?:19|20)\d\d|years back)\b", _I)
_FIRST_PERSON = re.compile(r"\b(?:we|our|us|i|my|me|ours)\b|\b(?:we|i)'", _I)
_VENDOR_CONTEXT = re.compile(
    rf"@\w+|\b(?:you|your|{_VENDOR}|{_OBJECT}|competitors?|cheaper|pricing|price)\b", _I
)
_QUOTED = re.compile(r"[\"\u201c][^\"\u201c\u201d]{8,}[\"\u201d]")
# A third party as the subject: "Enron may be forced to cancel", "The state faces cuts".
_THIRD_PARTY = re.compile(
    r"^\W*(?:he|she|they|it|the [a-z]+|an? [a-z]+|(?-i:[A-Z][\w&.'-]*)(?: (?-i:[A-Z][\w&.'-]*))*)"
    r"(?:'s)? (?:\w+ ){0,3}?(?:is|are|was|were|has|have|had|will|would|may|might|could|can|"
    r"should|must|plans?|wants?|faces?|said|says|decided|intends?|expects?)\b",
    _I,
)
# The author's own organisation speaking through a function: "Procurement is issuing an RFP".
_OWN_ORG = re.compile(
    r"\W*(?:(?:the|our) )?(?:procurement|purchasing|finance|legal|management|leadership|"
    r"the board|board|cfo|ceo|cio|cto|it|security|it team|security team)\b",
    _I,
)


def about_us(sentence: str, start: int, end: int) -> bool:
    """Is the cue at ``sentence[start:end]`` the author speaking about their own relationship?

    Not when it sits in a quotation, in a story from the past ("switched to Boot three
    years ago"), or in reported speech or a third party's plans with no "we/our/I" in the
    sentence ("Smith said the state will cancel the contract").
    """
    if _PAST_STORY.search(sentence):
        return False
    if any(q.start() <= start and end <= q.end() for q in _QUOTED.finditer(sentence)):
        return False
    outside = _QUOTED.sub(" ", sentence)
    if _FIRST_PERSON.search(outside):
        return True
    if _REPORTED.search(outside):
        return False
    return bool(_OWN_ORG.match(sentence)) or not _THIRD_PARTY.match(sentence)


def _specific_enough(sentence: str, cue: str) -> bool:
    """Budget cuts of the author's organisation; a switch to a named product that is
    still ahead ("we're switching to X") or names a vendor relationship."""
    if "budget" in cue.lower():
        return bool(re.search(r"\b(?:our|my|we|us)\b", sentence, _I))
    return not re.search(r"(?:switch|migrat)ed\b", cue, _I) or bool(
        _VENDOR_CONTEXT.search(sentence)
    )


def churn_risk(text: str) -> list[LifecycleEvent]:
    """A CHURN_RISK event per sentence of customer text that voices churn risk.

    "Cancel" counts only for a commercial object (subscription, contract ...), never a
    meeting or an order; a negation in the same clause ("we are not planning to
    cancel") cancels a cue, except for cues that are negative themselves ("not renewing").
    Only the author's own relationship counts (:func:`about_us`): not news, quotes,
    stories from the past or a third party's plans. Budget cuts and a switch to a named
    product need the author's organisation ("our budget") or a vendor in the sentence.

    >>> [e.evidence for e in churn_risk("Please cancel the meeting. We won't renew in May.")]
    ["We won't renew in May."]
    >>> churn_risk("We switched to Boot three years ago and never looked back.")
    []
    """
    events = []
    for sentence in sentences(text):
        best = 0.0
        for rx, confidence in _RISK_NEG_RE:
            if (m := rx.search(sentence)) and about_us(sentence, m.start(), m.end()):
                best = max(best, confidence)
        for rx, confidence in _RISK_RE:
            for m in rx.finditer(sentence):
                clause = re.split(r"[,;:.!?]|\b(?:but|and|so|because)\b", sentence[: m.start()])
                if _RISK_NEGATION.search(" ".join(clause[-1].split()[-4:])):
                    continue
                if not about_us(sentence, m.start(), m.end()):
                    continue
                if confidence == 0.55 and not _specific_enough(sentence, m.group(0)):
                    continue
                best = max(best, confidence)
        if best:
            events.append(_event(LifecycleKind.CHURN_RISK, sentence, "", best))
    return events
