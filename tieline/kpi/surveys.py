"""Survey KPIs: Net Promoter Score, Customer Satisfaction (CSAT) and Customer Effort (CES).

- NPS: % promoters (9-10) − % detractors (0-6) of 0-10 answers; passives are 7-8.
- CSAT: % satisfied, where satisfied is the top of the scale as seed 001 puts
  it: 4-5 on a 1-5 scale, 8-10 on a 1-10 scale (in general score ≥ 80 % of the
  maximum).
- CES: the mean answer on a 1-``scale_max`` scale where higher means easier
  (seed 001 gives no formula); the share of "easy" answers (above two thirds of
  the scale: 5-7 of 7, 4-5 of 5) is a component. Answers on different scales
  are rescaled linearly to 1-7 before averaging.

Fewer than :data:`~tieline.kpi.formulas.MIN_RESPONSES` answers mark a result
``small_sample``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tieline.kpi.formulas import (
    MIN_RESPONSES,
    KpiResult,
    Period,
    SurveyKind,
    SurveyResponse,
    count,
    ratio,
)

__all__ = [
    "SurveyTally",
    "ces",
    "csat",
    "csat_satisfied",
    "nps",
    "nps_category",
]


def nps_category(score: float) -> str:
    """'promoter' (9-10), 'passive' (7-8) or 'detractor' (0-6)."""
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


def csat_satisfied(score: float, scale_max: int) -> bool:
    """Whether a CSAT answer counts as satisfied: 4-5 of 5, 8-10 of 10, ≥ 80 % of the max."""
    return score >= 0.8 * scale_max


def _ces_easy(score: float, scale_max: int) -> bool:
    return score > scale_max * 2 / 3


@dataclass(slots=True)
class SurveyTally:
    """Running counts of survey answers for one group and period (an accumulator)."""

    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    satisfied: int = 0
    csat_answers: int = 0
    ces_by_scale: dict[int, list[float]] = field(default_factory=dict)  # scale -> [Σ, n, easy]

    def add(self, r: SurveyResponse) -> None:
        """Count one response."""
        scale = r.scale_max or 10
        if r.kind is SurveyKind.NPS:
            if r.score >= 9:
                self.promoters += 1
            elif r.score >= 7:
                self.passives += 1
            else:
                self.detractors += 1
        elif r.kind is SurveyKind.CSAT:
            self.csat_answers += 1
            if csat_satisfied(r.score, scale):
                self.satisfied += 1
        else:
            acc = self.ces_by_scale.setdefault(scale, [0.0, 0.0, 0.0])
            acc[0] += r.score
            acc[1] += 1
            if _ces_easy(r.score, scale):
                acc[2] += 1

    @classmethod
    def of(cls, responses: Iterable[SurveyResponse], period: Period) -> SurveyTally:
        """Tally the responses dated within a period."""
        tally = cls()
        for r in responses:
            if period.start <= r.on <= period.end:
                tally.add(r)
        return tally

    def nps(self, period: Period) -> KpiResult:
        """NPS of the tallied answers."""
        p, q, d = self.promoters, self.passives, self.detractors
        n = p + q + d
        value = None if not n else (p - d) / n * 100
        return KpiResult(
            name="nps",
            value=value,
            unit="score",
            period=period,
            formula=(
                f"NPS = % promoters − % detractors = ({p} − {d}) / {n} × 100"
                f" ({p} promoters, {q} passives, {d} detractors)"
            ),
            components={"promoters": float(p), "passives": float(q), "detractors": float(d)},
            sample_size=n,
            small_sample=n < MIN_RESPONSES,
            note="" if n else "no NPS answers in the period: undefined",
        )

    def csat(self, period: Period) -> KpiResult:
        """CSAT of the tallied answers."""
        sat, n = self.satisfied, self.csat_answers
        return KpiResult(
            name="csat",
            value=ratio(sat, n),
            unit="%",
            period=period,
            formula=f"CSAT = satisfied answers / answers = {sat} / {n}",
            components={"satisfied": float(sat), "answers": float(n)},
            sample_size=n,
            small_sample=n < MIN_RESPONSES,
            note="" if n else "no CSAT answers in the period: undefined",
        )

    def ces(self, period: Period) -> KpiResult:
        """CES of the tallied answers."""
        scales = self.ces_by_scale
        n = int(sum(acc[1] for acc in scales.values()))
        easy = int(sum(acc[2] for acc in scales.values()))
        note = "" if n else "no CES answers in the period: undefined"
        value: float | None = None
        if not scales:
            formula = "CES = Σ scores / answers = 0 / 0"
        elif len(scales) == 1:
            ((scale, (total, _, _)),) = scales.items()
            value = total / n
            formula = f"CES = Σ scores / answers = {count(total)} / {n} (scale 1-{scale})"
        else:  # score s on 1-k becomes 1 + (s - 1) × 6 / (k - 1)
            total = sum(acc[1] + (acc[0] - acc[1]) * 6 / (k - 1) for k, acc in scales.items())
            value = total / n
            formula = f"CES = Σ scores rescaled to 1-7 / answers = {total:,.1f} / {n}"
            note = "answers on different scales, rescaled to 1-7"
        return KpiResult(
            name="ces",
            value=value,
            unit="score",
            period=period,
            formula=formula,
            components={
                "answers": float(n),
                "easy": float(easy),
                "easy_pct": ratio(easy, n) or 0.0,
            },
            sample_size=n,
            small_sample=n < MIN_RESPONSES,
            note=note,
        )


def nps(responses: Iterable[SurveyResponse], period: Period) -> KpiResult:
    """Net Promoter Score of the NPS answers dated within the period, −100 to 100.

    >>> from datetime import date
    >>> day = date(2026, 3, 2)
    >>> answers = [SurveyResponse("a", day, SurveyKind.NPS, s) for s in (10, 9, 8, 6, 0)]
    >>> nps(answers, Period.parse("2026-03")).value
    0.0
    """
    return SurveyTally.of(responses, period).nps(period)


def csat(responses: Iterable[SurveyResponse], period: Period) -> KpiResult:
    """% of CSAT answers dated within the period that are satisfied."""
    return SurveyTally.of(responses, period).csat(period)


def ces(responses: Iterable[SurveyResponse], period: Period) -> KpiResult:
    """Mean Customer Effort Score of the CES answers dated within the period (higher = easier)."""
    return SurveyTally.of(responses, period).ces(period)
