"""API keys: created once (the caller sees the key a single time), stored as hashes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tieline.errors import NotFound
from tieline.store.models import ApiKey

__all__ = ["KeyInfo", "create_key", "list_keys", "resolve_key", "revoke_key"]

_PREFIX = "tl_"


@dataclass(frozen=True, slots=True)
class KeyInfo:
    id: int
    workspace_id: int
    prefix: str
    name: str
    created_at: datetime
    revoked_at: datetime | None


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _info(row: ApiKey) -> KeyInfo:
    return KeyInfo(row.id, row.workspace_id, row.prefix, row.name, row.created_at, row.revoked_at)


def create_key(session: Session, *, workspace_id: int, name: str = "") -> tuple[str, KeyInfo]:
    """A new random key for the workspace: (the key itself, shown once; its stored info)."""
    key = _PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(workspace_id=workspace_id, key_hash=_hash(key), prefix=key[:10], name=name)
    session.add(row)
    session.flush()
    return key, _info(row)


def resolve_key(session: Session, key: str) -> KeyInfo | None:
    """The live key matching ``key`` (constant-time on the hash lookup), else None."""
    if not key.startswith(_PREFIX):
        return None
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == _hash(key)))
    if row is None or row.revoked_at is not None:
        return None
    return _info(row)


def revoke_key(session: Session, *, workspace_id: int, key_id: int) -> KeyInfo:
    row = session.get(ApiKey, key_id)
    if row is None or row.workspace_id != workspace_id:
        raise NotFound(f"no API key {key_id} in this workspace")
    if row.revoked_at is None:
        session.execute(
            update(ApiKey).where(ApiKey.id == key_id).values(revoked_at=datetime.now(UTC))
        )
        session.refresh(row)
    return _info(row)


def list_keys(session: Session, *, workspace_id: int) -> list[KeyInfo]:
    rows = session.scalars(
        select(ApiKey).where(ApiKey.workspace_id == workspace_id).order_by(ApiKey.id)
    )
    return [_info(r) for r in rows]
