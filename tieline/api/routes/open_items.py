"""``/v1/open-items``: questions, requests and commitments, who owes them, how old."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from tieline import service
from tieline.api import schemas
from tieline.api.deps import CallerDep, SessionDep
from tieline.api.routes._common import (
    MAX_ID,
    Cursor,
    Limit,
    decode_cursor,
    encode_cursor,
    problems,
)

router = APIRouter(prefix="/open-items", tags=["open items"])


@router.get(
    "",
    response_model=schemas.OpenItemPage,
    summary="List open items",
    description="Items found in messages, oldest first, with their message, account and "
    "age in days. `owed_by=us` lists what we owe customers; `min_age_days` keeps items "
    "asked at least that many days ago.",
    responses=problems(401, 404, 422, 429),
)
def list_open_items(
    session: SessionDep,
    caller: CallerDep,
    owed_by: Annotated[Literal["us", "them"] | None, Query(description="who owes it")] = None,
    status: Annotated[Literal["open", "resolved"] | None, Query()] = None,
    min_age_days: Annotated[int | None, Query(ge=0, le=36_500)] = None,
    account_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> schemas.OpenItemPage:
    after = decode_cursor(cursor, "i", (datetime, int)) if cursor else None
    page = service.open_items_page(
        session=session, settings=caller.settings, owed_by=owed_by, status=status,
        min_age_days=min_age_days, account_id=account_id,
        after=(after[0], after[1]) if after else None, limit=limit,
    )  # fmt: skip
    return schemas.OpenItemPage.model_validate(
        {"results": page.results,
         "next": encode_cursor("i", page.next_key) if page.next_key else None}
    )  # fmt: skip
