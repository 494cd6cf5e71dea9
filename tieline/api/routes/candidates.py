"""``/v1/candidates``: domains that talk with us both ways but are on no customer list,
and the CSM's decision on each (promote to an account, or ignore for good)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from tieline import service
from tieline.api.deps import CallerDep, SessionDep
from tieline.api.routes._common import problems

__all__ = ["router"]

router = APIRouter(prefix="/candidates", tags=["accounts"])


class CandidateOut(BaseModel):
    id: int
    domain: str
    name: str
    status: Literal["candidate", "promoted", "ignored"]
    inbound: int
    outbound: int
    two_way: int
    people: int
    first_at: datetime | None
    last_at: datetime | None
    decided_at: datetime | None
    account_id: int | None


class CandidatesOut(BaseModel):
    """The workspace's account mode and its candidates, most conversation first."""

    mode: Literal["declared", "discovered"]
    candidates: list[CandidateOut]


class DecisionOut(BaseModel):
    domain: str
    status: Literal["promoted", "ignored"]
    account_id: int | None
    account: str | None


Ref = Annotated[str, Path(description="candidate id or domain", max_length=255)]


@router.get(
    "",
    response_model=CandidatesOut,
    summary="List candidate accounts",
    description="External domains where one of their people wrote to us and we wrote back "
    "(human mail only; free-mail, platforms, news, government and our own domains never "
    "qualify). In `discovered` mode undecided candidates count as accounts; in `declared` "
    "mode (once a customer list exists) they are not scored until promoted.",
    responses=problems(401, 404, 422, 429),
)
def list_candidates(
    session: SessionDep,
    caller: CallerDep,
    status: Annotated[
        Literal["candidate", "promoted", "ignored", "all"], Query(description="decision")
    ] = "candidate",
) -> CandidatesOut:
    listed = service.list_candidates(session=session, settings=caller.settings, status=status)
    return CandidatesOut.model_validate(
        {"mode": listed.mode, "candidates": listed.candidates}, from_attributes=True
    )


@router.post(
    "/{ref}/promote",
    response_model=DecisionOut,
    summary="Promote a candidate to a customer account",
    description="Any domain may be named. The decision survives re-ingestion.",
    responses=problems(401, 404, 409, 422, 429),
)
def promote(session: SessionDep, caller: CallerDep, ref: Ref) -> DecisionOut:
    decision = service.promote_candidate(session=session, settings=caller.settings, ref=ref)
    return DecisionOut.model_validate(decision, from_attributes=True)


@router.post(
    "/{ref}/ignore",
    response_model=DecisionOut,
    summary="Ignore a candidate for good",
    description="The domain never becomes an account by itself again; a discovered or "
    "promoted account for it goes (its people stay). Customers on the list: 409.",
    responses=problems(401, 404, 409, 422, 429),
)
def ignore(session: SessionDep, caller: CallerDep, ref: Ref) -> DecisionOut:
    decision = service.ignore_candidate(session=session, settings=caller.settings, ref=ref)
    return DecisionOut.model_validate(decision, from_attributes=True)
