"""Instant quotes across cooperatives: the road distance and duration once (the travel-time
provider), then each serving cooperative's tariff in force, its price with the breakdown, and a
cheap feasibility check against the fleet on shift. Stored, valid 30 minutes.

A use case over routing (travel times), fleet (zones, shifts, vehicles) and market (tariffs,
quotes): market gets plain values only."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidValue
from fleet.enums import VehicleKind
from fleet.geo import GeoJSONPoint
from fleet.models import Cooperative, Shift, Vehicle
from market import quotes, tariffs, zones
from market.models import Tariff
from market.pricing import Price, Trip, price
from routing.matrix import GreatCircle, TravelTimes

MAX_AHEAD = timedelta(days=90)
MAX_WINDOW = timedelta(days=2)


class QuoteAsk(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "pickup": {"type": "Point", "coordinates": [107.2420, 10.9310]},
                    "dropoff": {"type": "Point", "coordinates": [106.7906, 10.7617]},
                    "window_start": "2026-12-06T23:00:00Z",
                    "window_end": "2026-12-07T02:00:00Z",
                    "load_kg": 4000,
                    "vehicle_kind": "truck",
                }
            ]
        },
    )

    pickup: GeoJSONPoint
    dropoff: GeoJSONPoint
    window_start: datetime
    window_end: datetime
    load_kg: int = Field(ge=0, le=100_000)
    vehicle_kind: VehicleKind
    waiting_minutes: int = Field(default=0, ge=0, le=24 * 60)
    extra_stops: int = Field(default=0, ge=0, le=20)
    loading_help: bool = False


class QuoteLine(BaseModel):
    code: str
    amount_vnd: int


class QuoteOffer(BaseModel):
    quote_id: int
    cooperative_id: int
    cooperative_name: str
    vehicle_kind: str
    tariff_version: int
    distance_m: int
    duration_s: int
    total_vnd: int
    lines: list[QuoteLine]
    feasible: bool  # a vehicle fit for the load is on shift: a hint, not a promise
    expires_at: datetime


class QuoteAnswer(BaseModel):
    request_key: str
    distance_m: int
    duration_s: int
    offers: list[QuoteOffer]  # cheapest first; empty when nobody serves the trip


def _check_window(ask: QuoteAsk, now: datetime) -> tuple[datetime, datetime]:
    start, end = ask.window_start, ask.window_end
    if start.tzinfo is None:
        raise InvalidValue("give the time with its offset (e.g. +07:00)", field="window_start")
    if end.tzinfo is None:
        raise InvalidValue("give the time with its offset (e.g. +07:00)", field="window_end")
    try:
        start = start.astimezone(UTC)
    except OverflowError:
        raise InvalidValue("out of range", field="window_start") from None
    try:
        end = end.astimezone(UTC)
    except OverflowError:
        raise InvalidValue("out of range", field="window_end") from None
    if end <= start or end - start > MAX_WINDOW:
        raise InvalidValue("the window must end after it starts, within 2 days", field="window_end")
    if end <= now:
        raise InvalidValue("the window has passed", field="window_end")
    if start > now + MAX_AHEAD:
        raise InvalidValue("at most 90 days ahead", field="window_start")
    return start, end


async def _on_shift(
    session: AsyncSession, cooperative_ids: list[int], kind: str, load_kg: int
) -> set[int]:
    """Cooperatives with a vehicle of the kind, fit for the load, on an open shift now."""
    rows = await session.scalars(
        select(Shift.cooperative_id)
        .join(Vehicle, Vehicle.id == Shift.vehicle_id)
        .where(
            Shift.cooperative_id.in_(cooperative_ids),
            Shift.ended_at.is_(None),
            Vehicle.kind == kind,
            func.coalesce(Vehicle.payload_kg, 0) >= load_kg,
        )
        .distinct()
    )
    return set(rows)


async def quote(
    session: AsyncSession, ask: QuoteAsk, travel: TravelTimes, now: datetime | None = None
) -> QuoteAnswer:
    """Every serving cooperative's price for the trip, stored; cheapest first."""
    now = now or datetime.now(UTC)
    start, end = _check_window(ask, now)
    pickup, dropoff = ask.pickup.coordinates, ask.dropoff.coordinates
    request = quotes.Request(pickup, dropoff, start, end, ask.load_kg, ask.vehicle_kind)
    if isinstance(travel, GreatCircle):  # microseconds of arithmetic: no thread hop
        durations, distances = travel.table([pickup, dropoff], ask.vehicle_kind)
    else:  # a network call (OSRM): off the event loop
        durations, distances = await asyncio.to_thread(
            travel.table, [pickup, dropoff], ask.vehicle_kind
        )
    distance_m, duration_s = int(distances[0][1]), int(durations[0][1])
    key = quotes.new_request_key()
    serving = await zones.serving(session, pickup, dropoff)
    if not serving:
        return QuoteAnswer(request_key=key, distance_m=distance_m, duration_s=duration_s, offers=[])
    coops = {
        c.id: c
        for c in await session.scalars(select(Cooperative).where(Cooperative.id.in_(serving)))
    }
    ready = await _on_shift(session, serving, ask.vehicle_kind, ask.load_kg)
    locals_ = {cid: start.astimezone(ZoneInfo(c.time_zone)) for cid, c in coops.items()}
    in_force: dict[int, Tariff] = {}
    for day in {moment.date() for moment in locals_.values()}:  # one query per local date
        same_day = [cid for cid, moment in locals_.items() if moment.date() == day]
        in_force |= await tariffs.in_force(session, same_day, ask.vehicle_kind, day)
    priced_rows: list[tuple[Cooperative, Tariff, Price, bool]] = []
    for coop_id, coop in coops.items():
        local = locals_[coop_id]
        tariff = in_force.get(coop_id)
        if tariff is None or (tariff.capacity_kg is not None and tariff.capacity_kg < ask.load_kg):
            continue
        trip = Trip(
            distance_m=distance_m,
            duration_s=duration_s,
            pickup_local=local.replace(tzinfo=None),
            waiting_minutes=ask.waiting_minutes,
            extra_stops=ask.extra_stops,
            loading_help=ask.loading_help,
        )
        priced = price(tariffs.rates_of(tariff), trip)
        feasible = coop_id in ready and end >= now + timedelta(seconds=duration_s)
        priced_rows.append((coop, tariff, priced, feasible))
    ids, expires_at = await quotes.store_many(
        session,
        request_key=key,
        request=request,
        distance_m=distance_m,
        duration_s=duration_s,
        priced=[(tariff, priced, feasible) for _, tariff, priced, feasible in priced_rows],
        now=now,
    )
    offers = [
        QuoteOffer(
            quote_id=quote_id,
            cooperative_id=coop.id,
            cooperative_name=coop.name,
            vehicle_kind=ask.vehicle_kind,
            tariff_version=tariff.version,
            distance_m=distance_m,
            duration_s=duration_s,
            total_vnd=priced.total_vnd,
            lines=[QuoteLine(code=x.code, amount_vnd=x.amount_vnd) for x in priced.lines],
            feasible=feasible,
            expires_at=expires_at,
        )
        for (coop, tariff, priced, feasible), quote_id in zip(priced_rows, ids, strict=True)
    ]
    offers.sort(key=lambda o: (o.total_vnd, o.cooperative_id))
    return QuoteAnswer(request_key=key, distance_m=distance_m, duration_s=duration_s, offers=offers)
