"""Alembic environment: runs migrations online against the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

import core.audit  # (the audit log)
import core.idempotency  # noqa: F401  (stored answers of retried requests)
import fleet.api_keys  # (machine clients' keys)
import fleet.models  # noqa: F401  (registers the registry tables on the metadata)
import ledger.models  # noqa: F401  (the members' ledger)
import maintenance.models  # noqa: F401  (plans, work orders, checklists, fuel, expenses)
import market.models  # noqa: F401  (tariffs, quotes)
import notifications.models  # noqa: F401  (rules, push subscriptions, messages, webhooks)
import reports.delivery  # noqa: F401  (report subscriptions)
import routing.models  # noqa: F401  (orders and offers)
import telematics.forward  # (position forwarders)
import telematics.tables  # noqa: F401  (and the telemetry tables)
from core.db import Base

target_metadata = Base.metadata

# Tables PostGIS owns, and the journey-fact tables written in raw SQL by migration 0004 (no ORM
# models: the derive worker writes them with COPY); autogenerate must leave them alone.
_FOREIGN_TABLES = {
    "spatial_ref_sys",
    "derive_marks",
    "trips",
    "stops",
    "journey_events",
    "segment_days",
    "daily_activity",
    "speed_limits",
}


def _include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    if type_ != "table" or name is None:
        return True
    # PostGIS's own tables, the day partitions of positions (made at run time), the job queue
    return name not in _FOREIGN_TABLES and not name.startswith(("positions_p", "procrastinate_"))


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set by migrations.alembic_config()"
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=_include_object,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
