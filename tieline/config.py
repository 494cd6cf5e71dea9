"""Settings: defaults < ``tieline.toml`` < ``TIELINE_*`` environment < command-line flags.

The config file is ``--config FILE``, else ``$TIELINE_CONFIG``, else
``./tieline.toml`` when it exists. Every key is documented in the README.
"""

from __future__ import annotations

import os
import tomllib
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from tieline.errors import ConfigError

DEFAULT_CONFIG_FILE = Path("tieline.toml")

# Addresses at these domains belong to individuals, never to a customer account (the
# full list of free-mail and internet providers is tieline/ingest/data/freemail.txt).
FREEMAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "ymail.com", "hotmail.com",
        "hotmail.co.uk", "outlook.com", "live.com", "msn.com", "aol.com", "icloud.com", "me.com",
        "mac.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de", "gmx.net", "web.de",
        "mail.com", "zoho.com", "yandex.com", "yandex.ru", "fastmail.com", "hey.com",
        "comcast.net", "verizon.net", "att.net", "qq.com", "163.com",
    }
)  # fmt: skip


def _lower_domains(value: list[str]) -> list[str]:
    return sorted({d.strip().lower().lstrip("@") for d in value if d.strip()})


class PersonMerge(BaseModel):
    """Addresses that belong to one person, whatever display names they carry."""

    name: str | None = None
    emails: list[str] = Field(min_length=1)

    @field_validator("emails")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [e.strip().lower() for e in value]


class AccountConfig(BaseModel):
    """A customer account named explicitly, with all of its email domains."""

    name: str
    domains: list[str] = Field(min_length=1)
    # The health-score segment whose weights apply ([health.segments.<name>]).
    segment: str | None = None

    @field_validator("domains")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return _lower_domains(value)


class AccountRules(BaseModel):
    """``[accounts]``: which domains are customer accounts.

    ``declared``: only the customer list (``[[accounts.customers]]`` here, or ``tieline
    import customers``) and promoted candidates are accounts. ``discovered``: a domain
    that holds a two-way human conversation with us (one of them wrote to us, we wrote
    to them afterwards; at least ``min_inbound`` and ``min_outbound`` messages) is an
    account too, until ignored. ``auto`` (default): declared once a customer list
    exists, discovered before. In every mode such domains are listed as candidates to
    promote or ignore; free-mail, platforms, news, government and our own domains never
    qualify by themselves.
    """

    model_config = {"extra": "forbid"}

    mode: Literal["auto", "declared", "discovered"] = "auto"
    min_inbound: int = Field(default=1, ge=1)
    min_outbound: int = Field(default=1, ge=1)
    # More of our own domains (a second brand, the old company name): internal people.
    own_domains: list[str] = Field(default_factory=list)

    @field_validator("own_domains")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return _lower_domains(value)


class IngestSettings(BaseModel):
    batch_size: int = Field(default=500, ge=1, le=50_000)
    jobs: int = Field(default=0, ge=0, description="parser processes; 0 = one per CPU")
    max_message_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    # A message to more recipients is a mass mailing: kept, but its recipients are
    # not made people, stakeholders or accounts.
    max_recipients: int = Field(default=50, ge=1)
    # Archive (Slack ZIP) bounds: a file expanding past these is skipped unread, so a
    # small upload cannot expand to gigabytes. The ratio applies to files over 1 MiB.
    max_export_file_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    max_export_bytes: int = Field(default=4 * 1024 * 1024 * 1024, ge=1024)
    max_compression_ratio: int = Field(default=100, ge=1)


class ApiSettings(BaseModel):
    """``tieline serve``: workers, caches, the per-key rate limit, public links."""

    # Worker processes; 0 = one per CPU. Each has its own caches and rate-limit counts.
    workers: int = Field(default=1, ge=0, le=64)
    # Requests per API key per minute (per worker process); 0 = no limit.
    rate_limit_per_minute: int = Field(default=600, ge=0)
    # Failed API key lookups per client address per minute (per worker process) before
    # that address gets 429; 0 = no limit.
    auth_failures_per_minute: int = Field(default=30, ge=0)
    # How long a looked-up API key is trusted before the database is asked again: a
    # revoked key keeps working in a running server for at most this long.
    key_cache_seconds: float = Field(default=5.0, ge=0, le=300)
    # How long the account list's version check is trusted: pages served meanwhile come
    # from memory without a query, at most this stale. 0 = check on every request.
    list_cache_seconds: float = Field(default=1.0, ge=0, le=300)
    # Worker threads per process for database work (anyio's pool, default 40 there):
    # fewer contend less for the GIL (measured: 16 beats 40 under load). Reads of the
    # hottest endpoints keep one autocommit connection per thread open.
    threads: int = Field(default=16, ge=1, le=1000)
    # Connections per worker for everything else: kept open, and extra ones under load
    # (closed after use). Each worker holds at most 2 x threads + pool + overflow
    # connections (47 by default): on PostgreSQL keep workers times that under its
    # max_connections (100 by default).
    db_pool_size: int = Field(default=5, ge=1, le=1000)
    db_max_overflow: int = Field(default=10, ge=0, le=1000)
    # Test each pooled connection with a round trip before use. Off: a connection the
    # database dropped (a restart) fails one request, and the pool is then renewed.
    db_pre_ping: bool = False
    # Ingest worker processes per server process: uploads are ingested there, never in
    # the serving process (whose GIL every request needs). Jobs beyond these wait.
    ingest_workers: int = Field(default=1, ge=1, le=64)
    # Where CSMs open the web pages; digests and webhook payloads link there.
    base_url: str = "http://127.0.0.1:8000"


class WebhookSettings(BaseModel):
    """Alert webhooks: where deliveries may go."""

    # Receivers on private, loopback or link-local addresses (the server's own network)
    # are refused unless this is set: a webhook URL must not become a way in (SSRF).
    allow_private_networks: bool = False


class NlpSettings(BaseModel):
    """Message scoring: the sentiment model, alert tuning, business hours."""

    sentiment_backend: Literal["transformer", "vader"] = "transformer"
    # Encoder: a local model directory or hub id; "" = the packaged all-MiniLM-L6-v2.
    sentiment_model: str = ""
    # Adapter directory (adapter.json + adapter.safetensors); "" = the packaged one;
    # "none" = sentiment_model is a sequence classifier with its own head.
    sentiment_adapter: str = ""
    threads: int = Field(default=0, ge=0, description="torch threads; 0 = torch's default")
    batch_size: int = Field(default=64, ge=1, le=4096)
    # "Extremely negative" alerts: a preset, adjusted by the workspace's own examples.
    alert_preset: Literal["loose", "medium", "strict"] = "medium"
    alert_should_trigger: list[str] = Field(default_factory=list)
    alert_should_not_trigger: list[str] = Field(default_factory=list)
    business_start: str = "09:00"
    business_end: str = "17:00"
    workdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])  # 0 = Monday

    @field_validator("business_start", "business_end")
    @classmethod
    def _clock(cls, value: str) -> str:
        try:
            time.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"not a time of day (HH:MM): {value!r}") from exc
        return value

    @field_validator("workdays")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if any(d < 0 or d > 6 for d in value):
            raise ValueError("workdays are 0 (Monday) to 6 (Sunday)")
        return sorted(set(value))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TIELINE_", env_nested_delimiter="__", extra="forbid"
    )

    database_url: str = "sqlite:///tieline.db"
    workspace: str = "default"
    internal_domains: list[str] = Field(default_factory=list)
    freemail_domains: list[str] = Field(default_factory=list)
    timezone: str = "UTC"
    people: list[PersonMerge] = Field(default_factory=list)
    # The customer accounts named in the config: ``[[accounts]]`` entries, or
    # ``[[accounts.customers]]`` under an ``[accounts]`` table (account_rules).
    accounts: list[AccountConfig] = Field(default_factory=list)
    account_rules: AccountRules = Field(default_factory=AccountRules)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    nlp: NlpSettings = Field(default_factory=NlpSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    # Health-score weights, bands, point tables and segments; validated by
    # tieline.graph.health.model_from_mapping (format: docs/health.md).
    health: dict[str, Any] = Field(default_factory=dict)
    # Stakeholder roles set by hand (email -> champion | economic_buyer | power_user |
    # user); they beat the roles inferred from titles and behaviour.
    roles: dict[str, Literal["champion", "economic_buyer", "power_user", "user"]] = Field(
        default_factory=dict
    )
    # Live pulls. Secrets come from the environment (TIELINE_SLACK_TOKEN ...) or
    # the config file; SecretStr keeps them out of reprs and logs.
    slack_token: SecretStr | None = None
    slack_api_url: str | None = None  # a Slack-compatible API base, for tests and proxies
    # Slack channel name -> account name: people there without a company email
    # (Slack Connect guests, users hiding their address) belong to that account.
    slack_channel_accounts: dict[str, str] = Field(default_factory=dict)
    zendesk_email: str | None = None  # the API user; with zendesk_token
    zendesk_token: SecretStr | None = None
    zendesk_api_url: str | None = None  # default https://<subdomain>.zendesk.com

    @model_validator(mode="before")
    @classmethod
    def _accounts_table(cls, data: Any) -> Any:
        # TOML cannot hold both [[accounts]] and [accounts]: the table form carries the
        # rules and its customers; both end up in the same two fields.
        if isinstance(data, dict) and isinstance(data.get("accounts"), dict):
            table = dict(data["accounts"])
            customers = table.get("customers", [])
            table.pop("customers", None)
            rules = {**dict(data.get("account_rules") or {}), **table}
            data = {**data, "accounts": customers, "account_rules": rules}
        return data

    @field_validator("internal_domains", "freemail_domains")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return _lower_domains(value)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def all_freemail_domains(self) -> frozenset[str]:
        return FREEMAIL_DOMAINS | frozenset(self.freemail_domains)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def find_config_file(explicit: Path | None = None) -> Path | None:
    """Which config file applies: the flag, then $TIELINE_CONFIG, then ./tieline.toml."""
    if explicit is not None:
        return explicit
    env = os.environ.get("TIELINE_CONFIG")
    if env:
        return Path(env)
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None


def read_config_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc


def load_settings(*, config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build Settings from the config file, the environment and explicit overrides."""
    path = find_config_file(config_file)
    file_values = read_config_file(path) if path else {}
    try:
        from_env = Settings()
        env_values = from_env.model_dump(include=from_env.model_fields_set)
        values = {**file_values, **env_values}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return Settings(**values)
    except ValidationError as exc:
        where = f" in {path}" if path else ""
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"invalid configuration{where}: {problems}") from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings for entry points that take no flags (the API server)."""
    return load_settings()
