"""``/v1/people``: everyone of the workspace, and one person with their relationships."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tieline import service
from tieline.api import schemas
from tieline.api.deps import CallerDep, SessionDep
from tieline.api.routes._common import (
    MAX_ID,
    AsOf,
    Cursor,
    Id,
    Limit,
    decode_cursor,
    encode_cursor,
    problems,
)

router = APIRouter(prefix="/people", tags=["people"])


@router.get(
    "",
    response_model=schemas.PersonPage,
    summary="List people",
    description="People of the workspace by id (ours and the customers'), with account, "
    "title and identities (email, Slack, ticket ids); `account_id` keeps one account's.",
    responses=problems(401, 404, 422, 429),
)
def list_people(
    session: SessionDep,
    caller: CallerDep,
    account_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="only this account's people")
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> schemas.PersonPage:
    after = decode_cursor(cursor, "p", (int,))[0] if cursor else None
    page = service.people_page(
        session=session, settings=caller.settings, account_id=account_id, after=after,
        limit=limit,
    )  # fmt: skip
    return schemas.PersonPage.model_validate(
        {"results": page.results,
         "next": encode_cursor("p", page.next_key) if page.next_key else None}
    )  # fmt: skip


@router.get(
    "/{person_id}",
    response_model=schemas.PersonDetail,
    summary="One person: role, relationship strength, pairs, departure",
    description="A customer's person also gets role, relationship strength 1-5 "
    "(components, evidence, reasons), pair strengths with our people and departure, "
    "as of `as_of` (default now); our own people and people without an account have "
    "`relationship: null`.",
    responses=problems(401, 404, 422, 429),
)
def get_person(
    session: SessionDep,
    caller: CallerDep,
    person_id: Annotated[int, Id("person")],
    as_of: AsOf = None,
) -> schemas.PersonDetail:
    return schemas.PersonDetail.model_validate(
        service.person_detail(
            session=session, settings=caller.settings, person_id=person_id, as_of=as_of
        )
    )
