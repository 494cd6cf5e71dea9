"""Request dependencies: settings, a session per request (it owns the transaction), the
workspace of the caller's API key. Tests swap them with ``app.dependency_overrides``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from tieline import service
from tieline.config import Settings
from tieline.errors import TielineError

__all__ = ["Caller", "CallerDep", "SessionDep", "SettingsDep", "Unauthorized"]


class Unauthorized(TielineError):
    status_code = 401


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """One session per request: committed when the endpoint returns, rolled back on error."""
    with request.app.state.sessions() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]


class Caller:
    """Who is calling: the workspace the API key is bound to, as settings scoped to it."""

    def __init__(self, *, key_id: int, workspace_id: int, settings: Settings) -> None:
        self.key_id = key_id
        self.workspace_id = workspace_id
        self.settings = settings


def get_caller(
    session: SessionDep,
    settings: SettingsDep,
    x_api_key: Annotated[
        str | None, Header(description="An API key from `tieline keys create`.")
    ] = None,
) -> Caller:
    if not x_api_key:
        raise Unauthorized("send an API key in the X-API-Key header")
    info = service.authenticate(session=session, key=x_api_key)
    if info is None:
        raise Unauthorized("unknown or revoked API key")
    name = service.workspace_name(session=session, workspace_id=info.workspace_id)
    scoped = settings.model_copy(update={"workspace": name})
    return Caller(key_id=info.id, workspace_id=info.workspace_id, settings=scoped)


CallerDep = Annotated[Caller, Depends(get_caller)]
