"""KPI throughput: a generated book of 10,000 accounts × 36 months, every month and quarter.

    python bench/kpis.py                      # 10,000 accounts, 2023-01 .. 2025-12
    python bench/kpis.py -n 2000 --full       # also build every per-account KpiResult

Generates a deterministic portfolio (new business, upsells, cross-sells,
add-ons, downgrades, contractions, churn, reactivations, yearly renewals due
and renewed, owner reassignments, NPS/CSAT/CES answers, onboarding milestones,
monthly acquisition spend per workspace), then times:

1. building the :class:`~tieline.kpi.Portfolio` (sort and group once);
2. ``compute_all`` by account, by owner and by workspace for each of the 36
   months and 12 quarters (144 reports): every group's facts;
3. building every ``KpiResult`` of the owner and workspace reports (and of the
   per-account reports with ``--full``; without it, the per-account results are
   built for one account in fifty, since reports build results when read).

The figure to compare with the 10-second budget is the total of 1-3.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tieline.kpi import (  # noqa: E402
    AcquisitionSpend,
    GroupBy,
    Milestone,
    MovementKind,
    MrrMovement,
    Period,
    Portfolio,
    SurveyKind,
    SurveyResponse,
    compute_all,
)

K = MovementKind
UP_KINDS = (K.UPSELL, K.CROSS_SELL, K.ADD_ON, K.EXPANSION)
DOWN_KINDS = (K.DOWNGRADE, K.CONTRACTION)
PLANS = (49.0, 99.0, 249.0, 499.0, 999.0, 2_499.0)


NPS_WEIGHTS = (1, 1, 1, 1, 2, 2, 3, 5, 8, 9, 7)


def _months(first: Period, n: int) -> list[date]:
    starts, cur = [], first.start
    for _ in range(n):
        starts.append(cur)
        cur = Period.month(cur.year, cur.month).end + timedelta(days=1)
    return starts


def generate(
    n_accounts: int, first: Period, months: int, seed: int = 7
) -> tuple[list[MrrMovement], list[SurveyResponse], list[Milestone], list[AcquisitionSpend]]:
    """A deterministic book: movements, surveys, milestones and spend."""
    rng = random.Random(seed)
    month_starts = _months(first, months)
    workspaces = [f"ws-{i}" for i in range(5)]
    owners = [f"csm-{i:02d}" for i in range(60)]
    moves: list[MrrMovement] = []
    surveys: list[SurveyResponse] = []
    milestones: list[Milestone] = []

    def some_day(month_start: date) -> date:
        return month_start + timedelta(days=rng.randrange(28))

    for a in range(n_accounts):
        acct, ws, owner = f"acct-{a:05d}", workspaces[a % len(workspaces)], rng.choice(owners)

        def move(on: date, kind: MovementKind, amount: float = 0.0) -> None:
            moves.append(MrrMovement(acct, on, kind, amount, owner, ws))  # noqa: B023

        def answer(on: date, kind: SurveyKind, score: int) -> None:
            surveys.append(SurveyResponse(acct, on, kind, score))  # noqa: B023

        # A third of the book exists on day one; the rest signs up over the 36 months.
        first_month = 0 if rng.random() < 0.35 else rng.randrange(months)
        began = month_starts[0] if first_month == 0 else some_day(month_starts[first_month])
        mrr = rng.choice(PLANS) * rng.randint(1, 4)
        move(began, K.NEW, mrr)
        reached = began + timedelta(days=int(rng.expovariate(1 / 35)) + 3)
        milestones.append(Milestone(acct, began, reached if rng.random() < 0.9 else None))
        active = True
        for m in range(first_month + 1, months):
            ms = month_starts[m]
            if rng.random() < 0.004:
                owner = rng.choice(owners)
            if not active:
                if rng.random() < 0.04:
                    mrr = rng.choice(PLANS)
                    move(some_day(ms), K.REACTIVATION, mrr)
                    active = True
                continue
            if ms.month == began.month:  # yearly renewal
                move(ms, K.RENEWAL_DUE)
                if rng.random() < 0.88:
                    uplift = round(mrr * rng.choice((0.0, 0.0, 0.05, 0.1)), 2)
                    move(ms + timedelta(days=rng.randint(-25, 20)), K.RENEWED, uplift)
                    mrr += uplift
                else:
                    move(ms + timedelta(days=5), K.CHURN, mrr)
                    active = False
                    continue
            roll = rng.random()
            if roll < 0.012:
                move(some_day(ms), K.CHURN, mrr)
                active = False
            elif roll < 0.17:
                amount = round(mrr * rng.uniform(0.05, 0.4), 2)
                move(some_day(ms), rng.choice(UP_KINDS), amount)
                mrr += amount
            elif roll < 0.25:
                amount = round(mrr * rng.uniform(0.05, 0.3), 2)
                move(some_day(ms), rng.choice(DOWN_KINDS), amount)
                mrr -= amount
            if rng.random() < 0.07:
                answer(some_day(ms), SurveyKind.NPS, rng.choices(range(11), NPS_WEIGHTS)[0])
            if rng.random() < 0.12:
                answer(some_day(ms), SurveyKind.CSAT, rng.randint(1, 5))
            if rng.random() < 0.03:
                answer(some_day(ms), SurveyKind.CES, rng.randint(1, 7))
    spend = [
        AcquisitionSpend(ms, round(rng.uniform(20_000, 60_000), 2), ws)
        for ms in month_starts
        for ws in workspaces
    ]
    return moves, surveys, milestones, spend


def _last_month(first: Period, months: int) -> tuple[int, int]:
    y, m = divmod(first.start.month - 1 + months - 1, 12)
    return first.start.year + y, m + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--accounts", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--first", default="2023-01", help="first month")
    parser.add_argument("--full", action="store_true", help="build every per-account KpiResult")
    args = parser.parse_args()

    t0 = time.perf_counter()
    first = Period.parse(args.first)
    moves, surveys, milestones, spend = generate(args.accounts, first, args.months)
    t_gen = time.perf_counter() - t0
    print(
        f"generated {args.accounts:,} accounts × {args.months} months: {len(moves):,} movements, "
        f"{len(surveys):,} survey answers, {len(milestones):,} milestones in {t_gen:.2f} s"
    )

    t0 = time.perf_counter()
    book = Portfolio(moves, surveys=surveys, milestones=milestones, spend=spend)
    t_build = time.perf_counter() - t0

    whole = Period(first.start, Period.month(*_last_month(first, args.months)).end)
    months = whole.split("month")
    quarters = [q for q in whole.split("quarter") if q.days > 80]  # whole quarters only
    periods = months + quarters
    groupings: tuple[GroupBy, ...] = ("account", "owner", "workspace")
    t_facts = t_results = 0.0
    reports = groups = available = built = 0
    for period in periods:
        for by in groupings:
            t0 = time.perf_counter()
            report = compute_all(book, period=period, by=by)
            t1 = time.perf_counter()
            reports += 1
            groups += len(report)
            available += len(report) * len(report.names)
            sample = list(report) if by != "account" or args.full else list(report)[::50]
            for group in sample:
                built += len(report[group])
            t_facts += t1 - t0
            t_results += time.perf_counter() - t1
    total = t_build + t_facts + t_results
    print(f"portfolio built (sorted, grouped): {t_build:.2f} s")
    print(
        f"{reports} reports ({len(months)} months + {len(quarters)} quarters × "
        f"{len(groupings)} groupings): {groups:,} groups, {available:,} KPI values available, "
        f"facts in {t_facts:.2f} s"
    )
    print(f"{built:,} KpiResult objects built in {t_results:.2f} s")
    print(f"TOTAL {total:.2f} s (budget 10 s)")


if __name__ == "__main__":
    main()
