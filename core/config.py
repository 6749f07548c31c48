"""One settings object for every process, read from the environment (prefix ``COOPFLEET_``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-change-me"
PLACEHOLDER_SECRETS = frozenset({DEV_SECRET, "", "changeme", "change-me", "secret"})


class Settings(BaseSettings):
    """Configuration of a coopfleet installation; see the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="COOPFLEET_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/coopfleet"
    db_pool_size: int = Field(default=10, ge=1, le=200)
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = Field(default=1884, ge=1, le=65535)  # the services' listener (ingest, api)
    mqtt_device_port: int = Field(default=1885, ge=1, le=65535)  # the vehicles' listener
    mqtt_ingest_username: str = "ingest"
    mqtt_ingest_password: str | None = None  # None: derived from the secret key
    ingest_batch_max_messages: int = Field(default=5000, ge=1, le=100_000)
    ingest_batch_max_ms: int = Field(default=200, ge=1, le=10_000)
    positions_retention_days: int = Field(default=400, ge=366)
    positions_partitions_ahead_days: int = Field(default=7, ge=1, le=60)
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    secret_key: str = DEV_SECRET
    metrics_token: str | None = Field(default=None, min_length=16)  # Prometheus' bearer token
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    login_max_failures_per_address: int = Field(default=50, ge=1)  # one client address, any login
    known_device_days: int = Field(default=90, ge=1, le=3650)  # a device token's lifetime
    password_hash_threads: int = Field(default=2, ge=1, le=64)  # Argon2 runs at once per process
    trusted_proxies: list[str] = Field(default_factory=list)  # proxies whose X-Forwarded-For counts
    default_time_zone: str = "Asia/Ho_Chi_Minh"
    cors_origins: list[str] = Field(default_factory=list)
    smtp_host: str = "127.0.0.1"  # monthly reports by e-mail
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_from: str = "coopfleet@localhost"
    osrm_url: str | None = None  # an OSRM-compatible table service for road travel times
    market_quotes_per_address: int = Field(default=30, ge=1)  # per client address, per window
    market_quotes_per_account: int = Field(default=30, ge=1)  # per signed-in shipper, per window
    market_signups_per_address: int = Field(default=5, ge=1)  # codes asked per address, per window
    market_limit_window_seconds: int = Field(default=60, ge=1, le=900)  # the market's fixed window
    map_tile_url: str = ""  # e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png; "": plain map
    map_tile_attribution: str = ""  # shown in the map's corner when tiles are used
    storage_backend: Literal["local", "s3"] = "local"  # where proof-of-delivery files go
    storage_dir: str = "var/storage"  # local disk storage
    s3_endpoint_url: str | None = None  # an S3-compatible service; None: AWS
    s3_bucket: str = "coopfleet"
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_region: str = "us-east-1"
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    zone_max_vertices: int = Field(default=10_000, ge=4)  # a zone polygon's positions, all rings
    # the job worker (`coopfleet worker`): plans, sweeps, retention
    plans_per_cooperative: int = Field(default=2, ge=1, le=50)  # running at once; more wait queued
    plan_attempts: int = Field(default=2, ge=1, le=10)  # runs of a plan whose worker died
    worker_plan_slots: int = Field(default=4, ge=1, le=64)  # plans one worker process runs at once
    worker_stalled_seconds: float = Field(default=30, ge=1)  # no heartbeat this long: worker dead
    worker_watch_seconds: int = Field(default=15, ge=1, le=59)  # how often stalled jobs are sought
    worker_shutdown_seconds: float = Field(default=10, ge=0)  # for running jobs at SIGTERM
    idempotency_keys_retention_hours: int = Field(default=48, ge=1)
    driver_messages_retention_days: int = Field(default=30, ge=1)
    dead_letters_retention_days: int = Field(default=90, ge=1)
    proof_max_files: int = Field(default=10, ge=1, le=100)  # photos + signature per request
    body_max_bytes: int = Field(default=1024 * 1024, ge=1024)  # any request with credentials
    body_max_bytes_anonymous: int = Field(default=16 * 1024, ge=1024)  # without credentials
    csv_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)  # one CSV import file
    csv_max_rows: int = Field(default=20_000, ge=1)  # rows in one CSV import
    # push streams (driver messages, events, live map): limits per API process
    stream_recheck_seconds: float = Field(default=30, gt=0, le=30)  # session re-check, at most 30 s
    streams_per_user: int = Field(default=5, ge=1)
    streams_per_cooperative: int = Field(default=5000, ge=1)
    # the device gateway (coopfleet gateway): device protocols at the edge
    gateway_host: str = "127.0.0.1"  # 0.0.0.0 to hear devices from outside
    gateway_http_port: int = Field(default=5055, ge=1, le=65535)  # OsmAnd + Traccar forwarding
    gateway_gt06_port: int = Field(default=5023, ge=1, le=65535)
    gateway_jt808_port: int = Field(default=5015, ge=1, le=65535)
    gateway_gt06_utc_offset_minutes: int = Field(default=0, ge=-720, le=840)  # unless login says
    gateway_jt808_utc_offset_minutes: int = Field(default=480, ge=-720, le=840)  # the standard's
    gateway_device_refresh_seconds: float = Field(default=30, gt=0)  # device→vehicle cache
    gateway_idle_seconds: float = Field(default=600, gt=0)  # a silent TCP device is closed
    gateway_frame_max_bytes: int = Field(default=8192, ge=1024)  # unframed bytes kept per socket
    gateway_http_body_max_bytes: int = Field(default=262_144, ge=1024)
    gateway_max_connections: int = Field(default=20_000, ge=1)  # TCP devices at once, per port
    gateway_heard_flush_seconds: float = Field(default=5, gt=0, le=300)  # devices heard → table
    gateway_processes: int = Field(default=1, ge=1, le=64)  # sharing the TCP ports (SO_REUSEPORT)
    # notifications and webhooks (coopfleet notify)
    notify_poll_seconds: float = Field(default=0.25, gt=0, le=10)  # outbox and due rows read
    notify_concurrency: int = Field(default=100, ge=1, le=2000)  # sends in flight per process
    notify_batch: int = Field(default=500, ge=1, le=10_000)  # rows claimed at once
    notify_retry_base_seconds: float = Field(default=5, gt=0)  # first retry; doubles each time
    notify_retry_max_seconds: float = Field(default=3600, gt=0)
    notify_max_attempts: int = Field(default=8, ge=1, le=100)  # then a message is given up
    notify_lease_seconds: float = Field(default=120, ge=1)  # a dead process's claims come back
    papers_notice_days: list[int] = Field(default_factory=lambda: [30, 7, 1])
    vapid_private_key: str | None = None  # base64url P-256 scalar; None: derived from the secret
    vapid_subject: str = "mailto:coopfleet@localhost"  # who push services may contact
    sms_url: str | None = None  # the SMS gateway's HTTP endpoint; None: SMS rules send nothing
    sms_body_template: str = '{"to": "{to}", "text": "{text}"}'  # JSON-escaped placeholders
    sms_auth_header: str | None = None  # e.g. "Authorization: Bearer …" sent with each SMS
    webhook_timeout_seconds: float = Field(default=10, gt=0, le=60)  # per delivery attempt
    webhook_disable_after_seconds: float = Field(default=24 * 3600, gt=0)  # failing this long
    webhooks_allow_private: bool = False  # loopback/private targets (tests, closed networks)

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        """The published placeholder would let anyone who reads the repository sign tokens and
        derive every MQTT password: only the test suite, with its own throwaway data, may use
        a weak secret."""
        weak = self.secret_key in PLACEHOLDER_SECRETS or len(self.secret_key) < 32
        if self.environment != "test" and weak:
            raise ValueError(
                f"COOPFLEET_SECRET_KEY must be a random value of at least 32 characters "
                f"({self.environment}): `make demo` writes one into .env, or run "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return self

    @property
    def sync_database_url(self) -> str:
        """The same database for tools that take a libpq URL (psycopg COPY, pg_dump)."""
        return self.database_url.replace("postgresql+psycopg://", "postgresql://", 1)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once on first use (never at import)."""
    return Settings()
