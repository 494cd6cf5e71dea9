"""``/v1/accounts``: the list (filters, sort, cursor pages), detail, stakeholders, history."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from tieline import service
from tieline.api import schemas
from tieline.api.deps import Caller, CallerDep, SessionDep, read
from tieline.api.routes._common import (
    AsOf,
    Cursor,
    Id,
    Limit,
    decode_cursor,
    encode_cursor,
    problems,
)

router = APIRouter(prefix="/accounts", tags=["accounts"])

Sort = Literal["health", "-health", "name", "-name", "relationship", "-relationship"]
AccountId = Annotated[int, Id("account")]


@router.get(
    "",
    response_model=schemas.AccountPage,
    summary="List accounts with their latest health",
    description="Every account of the workspace with the health score, band, trend, "
    "relationship (1-5) and raised flags of its latest snapshot (accounts never "
    "snapshotted have `health: null` and sort last). `sort=health` puts the weakest "
    "first; ties break by id. Pages are keyset cursors: pass `next` back as `cursor`.",
    responses=problems(401, 422, 429),
)
async def list_accounts(
    request: Request,
    caller: CallerDep,
    band: Annotated[schemas.Band | None, Query(description="only this health band")] = None,
    flag: Annotated[schemas.FlagName | None, Query(description="only with this flag")] = None,
    sort: Annotated[Sort, Query(description="sort order; `-` descends")] = "health",
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    after = page_after(sort, cursor)
    body = await account_page_json(
        request.app.state, caller, sort=sort, band=band, flag=flag, limit=limit, after=after
    )
    return Response(body, media_type=JSON)


def page_after(sort: str, cursor: str | None) -> tuple[Any, int] | None:
    """The sort key a page starts after; 422 naming ``cursor`` if it is not one of this
    listing's."""
    if not cursor:
        return None
    types = (str, int) if sort.lstrip("-") == "name" else (float, int)
    key = decode_cursor(cursor, f"a{sort}", types)
    return key[0], key[1]


async def account_page_json(
    state: Any, caller: Caller, *, sort: Any, band: str | None, flag: str | None,
    limit: int, after: tuple[Any, int] | None,
) -> bytes:  # fmt: skip
    """One page of the account list as ``AccountPage`` JSON (``tieline.api.hot`` answers
    with it too)."""
    cache = getattr(state, "account_list_cache", None)

    def use_case(session: Session | None) -> service.Page:
        return service.account_page(
            session=session, settings=caller.settings, sort=sort, band=band, flag=flag,
            after=after, limit=limit, cache=cache, workspace_id=caller.workspace_id,
        )  # fmt: skip

    if cache is not None and cache.fresh(caller.workspace_id):
        page = use_case(None)  # answered from memory: no query, no worker thread
    else:
        page = await read(state.read_sessions, use_case)
    nxt = encode_cursor(f"a{sort}", page.next_key) if page.next_key else None
    return _page_json(page, nxt)


def _page_json(page: service.Page, nxt: str | None) -> bytes:
    """The page as ``AccountPage`` JSON, each row encoded once per listing version: the
    list is the API's busiest read, and its rows change only with new snapshots."""
    encoded = []
    for result in page.results:
        row: bytes | None = page.memo.get(result["id"])
        if row is None:
            row = page.memo[result["id"]] = _SUMMARY.dump_json(_SUMMARY.validate_python(result))
        encoded.append(row)
    return b'{"results":[%s],"next":%s}' % (b",".join(encoded), json.dumps(nxt).encode())


JSON = "application/json"
_SUMMARY = TypeAdapter(schemas.AccountSummary)
_DETAIL = TypeAdapter(schemas.AccountDetail)


@router.get(
    "/{account_id}",
    response_model=schemas.AccountDetail,
    summary="One account: health, relationship, flags and reasons",
    description="The latest stored snapshot (health with components and reasons, account "
    "relationship with evidence, flags with evidence) plus domains and activity counts. "
    "With `as_of` the health is computed live as of the end of that day instead.",
    responses=problems(401, 404, 422, 429),
)
async def get_account(
    request: Request, caller: CallerDep, account_id: AccountId, as_of: AsOf = None
) -> Response:
    body = await account_detail_json(request.app.state, caller, account_id, as_of=as_of)
    return Response(body, media_type=JSON)


async def account_detail_json(
    state: Any, caller: Caller, account_id: int, *, as_of: date | None = None
) -> bytes:
    """The account as ``AccountDetail`` JSON (``tieline.api.hot`` answers with it too)."""

    def use_case(session: Session) -> dict[str, Any]:
        return service.account_detail(
            session=session, settings=caller.settings, account_id=account_id, as_of=as_of,
            workspace_id=caller.workspace_id,
        )  # fmt: skip

    engine = getattr(state, "async_readers", None)
    if as_of is None and engine is not None:  # the stored snapshot: no thread at all
        async with engine.connect() as conn:
            body = await service.stored_account_detail(
                conn=conn, workspace_id=caller.workspace_id, account_id=account_id
            )
    else:
        body = await read(state.read_sessions, use_case)
    # Validated and encoded once, here (FastAPI would validate the model again).
    return _DETAIL.dump_json(_DETAIL.validate_python(body))


@router.get(
    "/{account_id}/stakeholders",
    response_model=schemas.StakeholderList,
    summary="The account's people: role, relationship strength, departure",
    description="Each person of the account with role (champion, economic buyer, power "
    "user, user), relationship strength 1-5 with components and evidence, the strength "
    "of each pair with one of our people, departure and engagement; as of `as_of` "
    "(default now).",
    responses=problems(401, 404, 422, 429),
)
def list_stakeholders(
    session: SessionDep, caller: CallerDep, account_id: AccountId, as_of: AsOf = None
) -> schemas.StakeholderList:
    people = service.account_stakeholders(
        session=session, settings=caller.settings, account_id=account_id, as_of=as_of
    )
    return schemas.StakeholderList.model_validate({"results": people})


@router.get(
    "/{account_id}/history",
    response_model=schemas.HistoryList,
    summary="The account's score history",
    description="Every stored snapshot of the account (date, health score, band, "
    "relationship, flags, trend), oldest first.",
    responses=problems(401, 404, 422, 429),
)
def account_history(
    session: SessionDep, caller: CallerDep, account_id: AccountId
) -> schemas.HistoryList:
    points = service.account_history(
        session=session, settings=caller.settings, account_id=account_id
    )
    return schemas.HistoryList.model_validate({"results": points})
