"""``/v1/accounts/{id}/messages``: an account's messages with their scores."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter

from tieline import service
from tieline.api import schemas
from tieline.api.deps import CallerDep, SessionDep
from tieline.api.routes._common import Cursor, Id, Limit, decode_cursor, encode_cursor, problems

router = APIRouter(tags=["messages"])


@router.get(
    "/accounts/{account_id}/messages",
    response_model=schemas.MessagePage,
    summary="The account's messages with sentiment, reply latency and open items",
    description="Messages the account's people wrote or received, newest first: the new "
    "text, sentiment (label, score, confidence), how long the first answer from the "
    "other side took, and the questions, requests and commitments found in it.",
    responses=problems(401, 404, 422, 429),
)
def list_messages(
    session: SessionDep,
    caller: CallerDep,
    account_id: Annotated[int, Id("account")],
    limit: Limit = 50,
    cursor: Cursor = None,
) -> schemas.MessagePage:
    after = decode_cursor(cursor, "m", (datetime, int)) if cursor else None
    page = service.account_messages(
        session=session, settings=caller.settings, account_id=account_id,
        after=(after[0], after[1]) if after else None, limit=limit,
    )  # fmt: skip
    return schemas.MessagePage.model_validate(
        {"results": page.results,
         "next": encode_cursor("m", page.next_key) if page.next_key else None}
    )  # fmt: skip
