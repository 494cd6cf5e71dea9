"""Expansion: sentences of customer text that voice growth of the relationship.

More seats or licences, an upgrade to a higher plan, a roll-out to another team or
region, interest in another product: the language a CSM hands to the account owner.
Same discipline as :func:`tieline.nlp.churn.churn_risk`: a negation in the clause
cancels a cue ("we don't need more seats"), and only the author's own relationship
counts (:func:`tieline.nlp.churn.about_us`: not quotes, news or stories from the past).
"""

from __future__ import annotations

import re

from tieline.domain import LifecycleEvent, LifecycleKind
from tieline.nlp.bounces import _I, _event
from tieline.nlp.churn import _RISK_NEGATION, about_us, sentences

__all__ = ["expansion"]

_UNITS = (
    r"(?:seats?|licen[cs]es?|users?|logins|accounts|workspaces|instances|sites|locations|"
    r"modules?|add-?ons?)"
)
_PLAN = r"(?:plan|tier|package|edition|subscription|contract|version)"
_GROUP = r"(?:teams?|departments?|division|business unit|offices?|regions?|subsidiary|group)"
# (pattern, confidence)
_CUES = [
    (
        rf"\b(?:add|adding|buy|buying|purchase|purchasing|get|getting|need|needs|want|order"
        rf"|quote for|pricing for|price for)(?:ing)? "
        rf"(?:another |an additional |additional |more |extra |a few more |"
        rf"(?:\d+|ten|twenty|fifty|a hundred|several) (?:more |additional |extra )?)"
        rf"(?:[\w-]+ )?{_UNITS}\b",
        0.8,
    ),
    (
        rf"\bupgrad(?:e|es|ed|ing) (?:to (?:the |a |your )?(?:[\w-]+ ){{0,2}}{_PLAN}\b"
        rf"|(?:our|my|the) (?:[\w-]+ ){{0,2}}{_PLAN}\b"
        r"|to (?:enterprise|premium|pro|business|professional|unlimited|platinum|gold)\b)",
        0.8,
    ),
    (
        rf"\b(?:roll(?:ing)?[ -]?(?:it |this |them )?out|expand(?:ing)?|extend(?:ing)?"
        rf"|deploy(?:ing)?)"
        rf"(?: (?:it|this|the (?:platform|tool|product|rollout|pilot)|usage|our use))?"
        rf" (?:to|across) (?:the rest of|all of|all|another|other|more|our (?:[\w-]+ ){{0,2}}"
        rf"{_GROUP}|(?:a |the )?(?:second|new|[\w-]+) {_GROUP}|\d+ more)",
        0.7,
    ),
    (
        rf"\b(?:another|a second|our [\w-]+|the [\w-]+) {_GROUP} (?:wants|would like|is interested|"
        r"are interested|asked|has asked|want)(?: in| to| for)?(?: start(?:ing)?| begin)?"
        r"(?: to)? (?:use|using|join|get|access|onboard|licen[cs]es|seats)",
        0.7,
    ),
    (
        rf"\b(?:increas|grow|doubl|tripl|expand)(?:e|es|ed|ing)? (?:our |the )?"
        rf"(?:usage|seat count|number of (?:seats|licen[cs]es|users)|{_UNITS}|commitment|"
        r"contract (?:size|value)|order|volume|spend)\b",
        0.7,
    ),
    (
        r"\b(?:interested in|curious about|looking at|evaluating|considering|quote for|"
        r"pricing (?:for|on)|price for|demo of) (?:your|the|adding|buying) (?:[\w-]+ ){0,2}"
        r"(?:add-?ons?|modules?|products?|offerings?|enterprise|premium|upgrade|"
        r"(?:higher|next|enterprise|premium) (?:plan|tier))\b",
        0.6,
    ),
    (r"\b(?:multi-?year|longer[- ]term) (?:renewal|contract|commitment|deal)\b", 0.6),
]
_CUE_RE = [(re.compile(p, _I), c) for p, c in _CUES]


def expansion(text: str) -> list[LifecycleEvent]:
    """An EXPANSION event per sentence of customer text that voices growth.

    >>> [e.evidence for e in expansion("We'd like to add 20 more seats. We don't need more seats.")]
    ["We'd like to add 20 more seats."]
    >>> expansion('The paper says "Acme will add 500 licenses" this year.')
    []
    """
    events = []
    for sentence in sentences(text):
        best = 0.0
        for rx, confidence in _CUE_RE:
            for m in rx.finditer(sentence):
                clause = re.split(r"[,;:.!?]|\b(?:but|and|so|because)\b", sentence[: m.start()])
                if _RISK_NEGATION.search(" ".join(clause[-1].split()[-4:])):
                    continue
                if sentence.rstrip().endswith("?") and not re.match(
                    r"\W*(?:can|could|may) (?:we|i)\b", sentence, _I
                ):
                    continue  # "do you need more seats?" asks; "can we add seats?" wants
                if about_us(sentence, m.start(), m.end()):
                    best = max(best, confidence)
        if best:
            events.append(_event(LifecycleKind.EXPANSION, sentence, "", best))
    return events
