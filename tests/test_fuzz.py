"""The schema-driven fuzz sweep: every operation of the OpenAPI document, as each role of a real
cooperative with real rows, answers no 5xx, matches its declared response schema, and refuses
bad input with a 4xx that names the field and never shows the database's text.

Schemathesis generates the requests from /api/v1/openapi.json and sends them to the in-process
app (ASGI, its lifespan included). The sweep runs in its own database (``fresh_database``), so
whatever it writes never reaches other tests; each role gets its own cooperative, so an admin
deleting rows does not starve the other roles. Half of the cases break the schema on purpose;
about half of the rest use the ids of real rows so that handlers get past their 404s.

``COOPFLEET_FUZZ_EXAMPLES`` sets the cases per operation and role (default 10: 3,141 cases in
144 s on this 2-core machine at load ~7). Push streams (SSE) are read for 0.5 s, then cut.
"""

from __future__ import annotations

import asyncio
import os
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err, Ok
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy import update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from api.app import create_app
from core.config import Settings
from core.db import session_factory
from core.tenancy import Tenant
from devtools.throwaway import admin_dsn, fresh_database
from fleet.auth import open_session
from fleet.geo import GeoJSONArea, GeoJSONPoint
from fleet.models import Depot, User, Zone
from routing import orders
from routing.schemas import _EXAMPLE, OrderCreate
from tests import factories

pytestmark = pytest.mark.fuzz

ROLES = ("director", "driver", "dispatcher", "admin", "accountant", "member")
EXAMPLES = int(os.environ.get("COOPFLEET_FUZZ_EXAMPLES", "10"))
STREAM_SECONDS = 0.5  # how long the sweep reads an SSE stream's answer before cutting it
FORBIDDEN_AFTER = 3  # cases answered 403 before an operation counts as forbidden to the role
SECRET = "fuzz-secret-key-that-is-long-enough-for-hs256"
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[106.8, 10.9], [106.9, 10.9], [106.9, 11.0], [106.8, 11.0], [106.8, 10.9]]],
}
# the entity behind ``{ident}`` in a registry path, by the path's first segment
_IDENT_OF = {
    "members": "member",
    "drivers": "driver",
    "vehicles": "vehicle",
    "depots": "depot",
    "zones": "zone",
}


_DATABASE_TEXT = ("Failing row contains", "psycopg", "[SQL:", "sqlalchemy", "violates")


def bad_input_is_named(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 4xx never shows the database's text, and a 422 names the field at fault."""
    del ctx, case
    if not 400 <= response.status_code < 500:
        return None
    leaked = [text for text in _DATABASE_TEXT if text in response.text]
    assert not leaked, f"{response.status_code} shows database text: {leaked}"
    if response.status_code == 422 and "json" in response.headers.get("content-type", [""])[0]:
        assert response.json().get("field"), f"422 without a field: {response.text[:300]}"
    return None


class FuzzSummary(UserWarning):
    """The operations and cases the sweep ran, per role: shown in the run's warnings summary."""


class Forbidden(Exception):
    """Ends an operation's cases once it answered 403 to every one of the first few."""


@dataclass
class Seeded:
    """One role's cooperative: the signed-in user and the ids of its real rows."""

    role: str
    user_id: int
    headers: dict[str, str]
    ids: dict[str, int]
    signed_out: bool = False


@dataclass
class Tally:
    operations: Counter[str] = field(default_factory=Counter)
    cases: Counter[str] = field(default_factory=Counter)
    forbidden: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)


async def _seed(database_url: str, role: str) -> Seeded:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with session_factory(engine)() as session:
            coop = await factories.make_coop(session, name=f"HTX fuzz {role}")
            member = await factories.make_member(session, coop)
            driver = await factories.make_driver(session, coop, member_id=member.id)
            vehicle = await factories.make_vehicle(session, coop, owner_member_id=member.id)
            depot = Depot(
                cooperative_id=coop.id,
                name="Bãi A",
                location=GeoJSONPoint(type="Point", coordinates=(106.84, 10.95)).to_db(),
            )
            zone = Zone(
                cooperative_id=coop.id,
                name="Nội thành",
                kind="city",
                area=GeoJSONArea.model_validate(SQUARE).to_db(),
            )
            session.add_all([depot, zone])
            user = await factories.make_user(
                session,
                coop,
                role=role,
                driver=driver if role == "driver" else None,
                member_id=member.id if role == "member" else None,
            )
            dispatcher = Tenant(coop.id, user.id, "dispatcher")
            order = await orders.create(session, dispatcher, OrderCreate.model_validate(_EXAMPLE))
            offered = await orders.create(
                session, dispatcher, OrderCreate.model_validate(_EXAMPLE | {"reference": "DH-2"})
            )
            offer = await orders.offer(session, dispatcher, offered.id, driver.id, 3600)
            tokens = await open_session(session, user, None, Settings(secret_key=SECRET))
            await session.commit()
            ids = {
                "member": member.id,
                "driver": driver.id,
                "vehicle": vehicle.id,
                "depot": depot.id,
                "zone": zone.id,
                "user": user.id,
                "order": order.id,
                "offer": offer.id,
                "coop": coop.id,
            }
            headers = {"Authorization": f"Bearer {tokens.access_token}"}
            return Seeded(role, user.id, headers, ids)
    finally:
        await engine.dispose()


async def _sign_in_again(database_url: str, seeded: Seeded) -> None:
    """The fuzz may sign the user out, disable them or change their role: undo that."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with session_factory(engine)() as session:
            await session.execute(
                update(User)
                .where(User.id == seeded.user_id)
                .values(is_active=True, role=seeded.role)
            )
            user = await session.get(User, seeded.user_id)
            assert user is not None
            tokens = await open_session(session, user, None, Settings(secret_key=SECRET))
            await session.commit()
        seeded.headers = {"Authorization": f"Bearer {tokens.access_token}"}
    finally:
        await engine.dispose()


def _real_ids(path: str, parameters: list[str], ids: dict[str, int]) -> dict[str, Any]:
    """Path parameters naming this cooperative's own rows, where the sweep has one."""
    values: dict[str, Any] = {}
    for name in parameters:
        if name == "ident":
            segment = path.removeprefix("/api/v1/").split("/", 1)[0]
            values[name] = ids[_IDENT_OF[segment]]
        elif name.endswith("_id") and name.removesuffix("_id") in ids:
            values[name] = ids[name.removesuffix("_id")]
    return values if len(values) == len(parameters) else {}


def _sweep_operation(operation: Any, seeded: Seeded, database_url: str, tally: Tally) -> None:
    label = f"{operation.method.upper()} {operation.path}"
    names = [p.name for p in operation.path_parameters]
    real = _real_ids(operation.path, names, seeded.ids)
    # valid requests and, as often, requests that break the schema (which must be refused)
    strategy = st.one_of(operation.as_strategy(), operation.as_strategy(GenerationMode.NEGATIVE))
    # a push stream never ends by itself: its answer is read for a moment, then cut
    timeout = STREAM_SECONDS if operation.path.endswith("/stream") else 10
    if real:
        strategy = st.one_of(strategy, operation.as_strategy(path_parameters=real))

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        if statuses.count("403") >= FORBIDDEN_AFTER and set(statuses) == {"403"}:
            raise Forbidden  # not this role's operation: a few cases prove it, the rest is waste
        tally.cases[seeded.role] += 1
        status = "exception"
        try:
            response = case.call(headers=seeded.headers, timeout=timeout)
            status = str(response.status_code)
            statuses.append(status)
            seeded.signed_out |= response.status_code == 401
            case.validate_response(
                response,
                checks=[not_a_server_error, response_schema_conformance, bad_input_is_named],
            )
        except Exception as exc:  # every failure is collected, the sweep goes on
            lines = [line for line in str(exc).splitlines() if line.strip()]
            key = f"{seeded.role} {label} -> {status}: {' | '.join(lines[:3])[:300]}"
            if key not in tally.seen:
                tally.seen.add(key)
                tally.failures.append(f"{key}\n    {case.as_curl_command()}")

    statuses: list[str] = []
    try:
        run()
    except Forbidden:
        tally.forbidden[seeded.role] += 1
    tally.operations[seeded.role] += 1
    if seeded.signed_out:  # a sign-out, a password change, a disabled account…
        asyncio.run(_sign_in_again(database_url, seeded))
        seeded.signed_out = False


def _commit_without_waiting_for_disk(database_url: str) -> None:
    """The sweep's throwaway database need not survive a crash: commits do not wait for the
    disk (most generated requests write, if only the session's last use)."""
    url = make_url(database_url)
    with psycopg.connect(admin_dsn(database_url), autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{url.database}" SET synchronous_commit = off')


def test_no_server_error_and_no_schema_violation_for_any_role() -> None:
    started = time.monotonic()
    with fresh_database("coopfleet_fuzz") as database_url:
        _commit_without_waiting_for_disk(database_url)
        settings = Settings(environment="test", database_url=database_url, secret_key=SECRET)
        app = create_app(settings)
        schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
        results = list(schema.get_all_operations())
        unreadable = [str(result.err()) for result in results if isinstance(result, Err)]
        assert unreadable == [], unreadable  # an operation the sweep cannot read is a failure
        operations = [result.ok() for result in results if isinstance(result, Ok)]
        tally = Tally()
        try:
            for role in ROLES:
                seeded = asyncio.run(_seed(database_url, role))
                for operation in operations:
                    _sweep_operation(operation, seeded, database_url, tally)
        finally:
            shutdown_lifespans()
    elapsed = time.monotonic() - started
    lines = [
        f"fuzz {role}: {tally.operations[role]} operations, {tally.cases[role]} cases "
        f"({tally.forbidden[role]} operations forbidden to the role: {FORBIDDEN_AFTER} "
        "cases each, all 403)"
        for role in ROLES
    ]
    lines.append(f"fuzz: {sum(tally.cases.values())} cases in {elapsed:.0f} s")
    print("\n".join(lines))
    # a warning reaches the run's summary even when output is captured (and from xdist workers)
    warnings.warn(FuzzSummary("\n".join(lines)), stacklevel=1)
    assert len(operations) >= 100
    assert tally.failures == [], "\n".join(tally.failures)
