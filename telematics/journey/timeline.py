"""One vehicle's positions, in time order, turned into trips, stops, events and daily activity.

Pure and incremental: ``feed`` one fix at a time; closed facts accumulate until ``drain``; the
open trip or stop and today's activity are read at any moment. Starting a timeline at the
beginning of a stored stop (``resume_at_stop``) and replaying from there gives the same facts as
having run all along, which is what lets late data be handled by recomputing a window.

Segmentation (see docs/journey.md): a trip runs from the first moving fix after a stop to the last
moving fix before the next stop; a stop is standing still for ``min_stop_s`` or more, or a silence
longer than ``gap_stop_s`` after the ignition went off. A trip shorter than ``min_trip_m`` is
manoeuvring inside the stop it started from. A change of driver card ends a trip.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from fleet.legal import transmission_rules_on
from telematics.checks import haversine_m
from telematics.journey.facts import DayActivity, Event, Fix, Kind, Stop, Trip
from telematics.journey.fences import Fence, Fences
from telematics.journey.rules import JourneyRules

DriverAt = Callable[[float, str | None], int | None]


def _no_driver(_t: float, _card: str | None) -> int | None:
    return None


@dataclass(frozen=True, slots=True)
class VehicleContext:
    vehicle_id: int
    time_zone: str
    speed_limit_kmh: float
    fences: Fences = field(default_factory=Fences)
    driver_at: DriverAt = _no_driver


class DayClock:
    """Local calendar days of epoch times, cached for the day in hand."""

    def __init__(self, zone: str) -> None:
        self.zone = ZoneInfo(zone)
        self._start = 0.0
        self._end = -1.0
        self._day = date.min

    def day(self, t: float) -> date:
        if not (self._start <= t < self._end):
            local = datetime.fromtimestamp(t, self.zone)
            midnight = datetime(local.year, local.month, local.day, tzinfo=self.zone)
            self._day = midnight.date()
            self._start = midnight.timestamp()
            self._end = (midnight + timedelta(days=1)).timestamp()
        return self._day

    def day_end(self, t: float) -> float:
        self.day(t)
        return self._end

    def day_start(self, t: float) -> float:
        self.day(t)
        return self._start


Buckets = dict[tuple[date, int], DayActivity]


def _merge(into: Buckets, other: Buckets) -> None:
    for key, activity in other.items():
        mine = into.get(key)
        if mine is None:
            into[key] = activity
        else:
            mine.add(activity)


@dataclass(slots=True)
class _OpenTrip:
    first: Fix
    driver_id: int | None
    last_moving: Fix
    distance_m: float = 0.0
    max_speed_kmh: float = 0.0
    confirmed: bool = False
    arrival: Fix | None = None  # the first fix standing still, while the trip halts
    days: Buckets = field(default_factory=dict)
    halt_days: Buckets = field(default_factory=dict)  # the current halt's share of days
    path: array[float] = field(default_factory=lambda: array("d"))

    def to_fact(self, is_open: bool) -> Trip:
        end = self.arrival or self.last_moving
        odometer = None
        if self.first.odometer_m is not None and end.odometer_m is not None:
            odometer = max(0, end.odometer_m - self.first.odometer_m)
        coords = list(zip(self.path[0::2], self.path[1::2], strict=True))
        if coords[-1] != (end.lon, end.lat):
            coords.append((end.lon, end.lat))
        return Trip(
            start_t=self.first.t,
            end_t=end.t,
            start=(self.first.lon, self.first.lat),
            end=(end.lon, end.lat),
            distance_m=self.distance_m,
            odometer_m=odometer,
            moving_s=sum(d.moving_s for d in self.days.values()),
            idle_s=sum(d.idle_s for d in self.days.values()),
            max_speed_kmh=self.max_speed_kmh,
            driver_id=self.driver_id,
            path=coords,
            is_open=is_open,
            days=list(self.days.values()),
        )


@dataclass(slots=True)
class _OpenStop:
    start_t: float
    place: tuple[float, float]
    driver_id: int | None
    days: Buckets = field(default_factory=dict)

    def to_fact(self, end_t: float, is_open: bool) -> Stop:
        return Stop(
            self.start_t,
            end_t,
            self.place,
            sum(d.engine_s for d in self.days.values()),
            self.driver_id,
            is_open,
            list(self.days.values()),
        )


@dataclass(slots=True)
class _Run:
    """An episode that becomes an event once long enough (overspeed, idling)."""

    start: Fix
    last_t: float
    peak: float = 0.0
    limit: float = 0.0
    driver_id: int | None = None
    reported: bool = False


@dataclass(slots=True)
class Drained:
    trips: list[Trip]
    stops: list[Stop]
    events: list[Event]
    open_trip: Trip | None
    open_stop: Stop | None


class Timeline:
    """The derivation state machine of one vehicle."""

    def __init__(self, ctx: VehicleContext, rules: JourneyRules) -> None:
        self.ctx = ctx
        self.rules = rules
        self.clock = DayClock(ctx.time_zone)
        self.last: Fix | None = None
        self.was_moving = False
        self.trip: _OpenTrip | None = None
        self.stop: _OpenStop | None = None
        self.overspeed: _Run | None = None
        self.idle: _Run | None = None
        self.harsh_kind: str | None = None
        self.inside: dict[str, float | None] = {}  # fence key -> entered at (None: unknown)
        self.dwell_reported: set[str] = set()
        self.closed_trips: list[Trip] = []
        self.closed_stops: list[Stop] = []
        self.events: dict[tuple[str, float], Event] = {}

    def resume_at_stop(self, at: Fix, driver_id: int | None) -> None:
        """Start inside a stop that began at ``at`` (a stored stop's first fix)."""
        self.last = at
        self._open_stop(at, driver_id)
        self.inside = {f.key: None for f in self.ctx.fences.containing(at.lon, at.lat)}

    def feed_all(self, fixes: Iterable[Fix]) -> int:
        """Feed fixes in time order; returns how many were new to the timeline."""
        return sum(self.feed(fix) for fix in fixes)

    def feed(self, p: Fix) -> bool:
        prev = self.last
        if prev is not None and p.t <= prev.t:
            return False  # a duplicate, or older than the window being derived
        rules = self.rules
        driver = self.ctx.driver_at(p.t, p.driver_card)
        if prev is None:
            speed = p.speed_kmh or 0.0
            moving = speed >= rules.moving_speed_kmh and p.ignition is not False
            if moving:
                self._start_trip(p, driver)
            else:
                self._open_stop(p, driver)
        else:
            dt = p.t - prev.t
            step_m = haversine_m(prev.lat, prev.lon, p.lat, p.lon)
            speed = p.speed_kmh if p.speed_kmh is not None else step_m / dt * 3.6
            moving = speed >= rules.moving_speed_kmh and p.ignition is not False
            silent = self._check_transmission(prev, p, dt, moving, driver)
            self._segment(prev, p, dt, speed, moving, driver)
            self._account(prev, p, dt, step_m, moving, silent, driver)
            self._harsh(prev, p, dt, speed, driver)
        self._overspeed(p, speed, moving, driver)
        self._idling(p, moving, driver)
        self._geofences(p, driver, first=prev is None)
        self.last = p
        self.was_moving = moving
        return True

    # -- segmentation ----------------------------------------------------------------------
    def _segment(
        self, prev: Fix, p: Fix, dt: float, speed: float, moving: bool, driver: int | None
    ) -> None:
        """Decide which segment the fix belongs to; the interval before it is credited after.

        A trip runs from its departure (the last fix standing before moving) to its arrival
        (the first fix standing after); the stop between two trips runs from arrival to
        departure, so a trip's distance includes the first and last legs."""
        rules = self.rules
        trip = self.trip
        long_silence = dt > rules.gap_stop_s and (prev.ignition is False or not self.was_moving)
        if trip is not None:
            if long_silence:
                self._end_trip(trip)
            elif moving and driver is not None and trip.driver_id not in (None, driver):
                self._hand_over(trip, prev, driver)
                return
            elif moving:
                if trip.arrival is not None:  # the halt was short: the trip goes on
                    _merge(trip.days, trip.halt_days)
                    trip.arrival, trip.halt_days = None, {}
                trip.last_moving = p
                trip.max_speed_kmh = max(trip.max_speed_kmh, speed)
                return
            else:
                if trip.arrival is None:
                    trip.arrival = p
                if p.t - trip.arrival.t >= rules.min_stop_s:
                    self._end_trip(trip)
                return
        if self.trip is None and moving:
            started = self._start_trip(p if long_silence else prev, driver)
            started.last_moving = p
            started.max_speed_kmh = speed

    def _start_trip(self, departure: Fix, driver: int | None) -> _OpenTrip:
        trip = _OpenTrip(first=departure, driver_id=driver, last_moving=departure)
        trip.path.extend((departure.lon, departure.lat))
        self.trip = trip
        return trip

    def _confirm(self, trip: _OpenTrip) -> None:
        trip.confirmed = True
        if self.stop is not None:
            self.closed_stops.append(self.stop.to_fact(trip.first.t, is_open=False))
            self.stop = None
        self._bucket(trip.days, trip.first.t, trip.driver_id).trips += 1

    def _end_trip(self, trip: _OpenTrip) -> None:
        """A confirmed trip ends at its arrival, where a stop begins; an unconfirmed one was
        manoeuvring inside the stop it started from."""
        self.trip = None
        if trip.confirmed:
            self.closed_trips.append(trip.to_fact(is_open=False))
            self._open_stop(trip.arrival or trip.last_moving, trip.driver_id)
            assert self.stop is not None
            _merge(self.stop.days, trip.halt_days)
            return
        if self.stop is None:
            self._open_stop(trip.first, trip.driver_id)
        assert self.stop is not None
        _merge(self.stop.days, trip.days)
        _merge(self.stop.days, trip.halt_days)

    def _hand_over(self, trip: _OpenTrip, at: Fix, driver: int) -> None:
        """Another driver's card while moving: one trip ends and the next begins at ``at``."""
        if trip.confirmed:
            trip.arrival = at
            self.closed_trips.append(trip.to_fact(is_open=False))
            self._confirm(self._start_trip(at, driver))
        else:
            trip.driver_id = driver

    def _open_stop(self, at: Fix, driver: int | None) -> None:
        self.stop = _OpenStop(at.t, (at.lon, at.lat), driver)
        self._bucket(self.stop.days, at.t, driver).stops += 1

    # -- accounting --------------------------------------------------------------------------
    def _bucket(self, buckets: Buckets, t: float, driver: int | None) -> DayActivity:
        key = (self.clock.day(t), driver or 0)
        activity = buckets.get(key)
        if activity is None:
            activity = buckets[key] = DayActivity(day=key[0], driver_id=key[1])
        return activity

    def _account(
        self,
        prev: Fix,
        p: Fix,
        dt: float,
        step_m: float,
        moving: bool,
        silent: bool,
        driver: int | None,
    ) -> None:
        """Credit the interval since the previous fix to its segment, day by day.

        An interval with a moving end is the trip's (distance, moving time); one standing still
        inside a trip is held apart until the halt turns out short (the trip's) or long (the
        stop's)."""
        trip = self.trip
        in_motion = False
        if trip is not None and trip.first.t <= prev.t:
            in_motion = self.was_moving or moving
            buckets = trip.days if in_motion or trip.arrival is None else trip.halt_days
            if in_motion:
                trip.distance_m += step_m
                path = trip.path
                if haversine_m(path[-1], path[-2], p.lat, p.lon) >= self.rules.path_step_m:
                    path.extend((p.lon, p.lat))
                if not trip.confirmed and trip.distance_m >= self.rules.min_trip_m:
                    self._confirm(trip)
        else:
            assert self.stop is not None
            buckets = self.stop.days
        engine_on = in_motion or prev.ignition is True  # moving means the engine runs
        start = prev.t
        while start < p.t:
            end = min(p.t, self.clock.day_end(start))
            span = end - start
            day = self._bucket(buckets, start, driver)
            if silent:
                day.nodata_s += span
            if in_motion:
                day.distance_m += step_m * span / dt
                day.moving_s += span
                if day.first_move_t is None:
                    day.first_move_t = start
                day.last_move_t = end
            elif engine_on and not silent:
                day.idle_s += span
            if engine_on and not silent:
                day.engine_s += span
            start = end

    # -- events ----------------------------------------------------------------------------
    def _emit(self, event: Event) -> None:
        self.events[(event.kind, event.start_t)] = event

    def _check_transmission(
        self, prev: Fix, p: Fix, dt: float, moving: bool, driver: int | None
    ) -> bool:
        """A silence longer than the legal interval (moving or stopped) with our tolerance."""
        legal = transmission_rules_on(self.clock.day(prev.t))
        was_moving = self.was_moving or moving
        allowed = legal.moving_max_s if was_moving else legal.stopped_max_s
        if dt <= allowed * self.rules.transmission_tolerance:
            return False
        details = {"silent_s": round(dt), "allowed_s": allowed, "moving": was_moving}
        place = (prev.lon, prev.lat)
        self._emit(Event(Kind.NOT_TRANSMITTING, prev.t, place, driver, p.t, details))
        self._emit(Event(Kind.BACK_ONLINE, p.t, (p.lon, p.lat), driver, None, dict(details)))
        return True

    def _harsh(self, prev: Fix, p: Fix, dt: float, speed: float, driver: int | None) -> None:
        rules = self.rules
        if prev.speed_kmh is None or p.speed_kmh is None or dt > rules.harsh_max_interval_s:
            self.harsh_kind = None
            return
        accel = (speed - prev.speed_kmh) / 3.6 / dt
        kind = None
        if accel >= rules.harsh_accel_ms2:
            kind = Kind.HARSH_ACCELERATION
        elif accel <= -rules.harsh_brake_ms2:
            kind = Kind.HARSH_BRAKING
        if kind is not None and kind != self.harsh_kind:
            details = {
                "from_kmh": round(prev.speed_kmh, 1),
                "to_kmh": round(speed, 1),
                "ms2": round(accel, 2),
            }
            self._emit(Event(kind, p.t, (p.lon, p.lat), driver, None, details))
        self.harsh_kind = kind

    def _limit_at(self, p: Fix) -> float:
        limit = self.ctx.speed_limit_kmh
        for fence in self.ctx.fences.containing(p.lon, p.lat):
            if fence.speed_limit_kmh is not None:
                limit = min(limit, fence.speed_limit_kmh)
        return limit

    def _overspeed(self, p: Fix, speed: float, moving: bool, driver: int | None) -> None:
        """Above the limit for at least ``overspeed_min_s``: one event for the episode."""
        run = self.overspeed
        if moving:
            limit = self._limit_at(p)
            if speed > limit + self.rules.overspeed_tolerance_kmh:
                if run is None:
                    self.overspeed = _Run(p, p.t, speed, limit, driver)
                else:
                    run.last_t = p.t
                    run.peak = max(run.peak, speed)
                    run.limit = min(run.limit, limit)
                return
        if run is not None:
            self.overspeed = None
            self._report_overspeed(run, ended=True)

    def _report_overspeed(self, run: _Run, ended: bool) -> None:
        if run.last_t - run.start.t < self.rules.overspeed_min_s:
            return
        details = {
            "max_kmh": round(run.peak, 1),
            "limit_kmh": run.limit,
            "duration_s": round(run.last_t - run.start.t),
        }
        place = (run.start.lon, run.start.lat)
        end = run.last_t if ended else None
        self._emit(Event(Kind.OVERSPEED, run.start.t, place, run.driver_id, end, details))

    def _idling(self, p: Fix, moving: bool, driver: int | None) -> None:
        """Standing with the engine on for ``idle_event_s``: reported once long enough."""
        run = self.idle
        if not moving and p.ignition is True:
            if run is None:
                self.idle = _Run(p, p.t, driver_id=driver)
                return
            run.last_t = p.t
            if not run.reported and p.t - run.start.t >= self.rules.idle_event_s:
                run.reported = True
                self._report_idle(run, ended=False)
            return
        if run is not None:
            self.idle = None
            if run.reported:
                run.last_t = p.t
                self._report_idle(run, ended=True)

    def _report_idle(self, run: _Run, ended: bool) -> None:
        details = {"duration_s": round(run.last_t - run.start.t)}
        place = (run.start.lon, run.start.lat)
        end = run.last_t if ended else None
        self._emit(Event(Kind.IDLE, run.start.t, place, run.driver_id, end, details))

    def _geofences(self, p: Fix, driver: int | None, first: bool) -> None:
        now_inside = {f.key: f for f in self.ctx.fences.containing(p.lon, p.lat)}
        for key, fence in now_inside.items():
            if key not in self.inside:
                self.inside[key] = None if first else p.t
                if not first:
                    self._emit(_fence_event(Kind.GEOFENCE_ENTER, fence, p.t, p, driver))
        for key in [k for k in self.inside if k not in now_inside]:
            entered = self.inside.pop(key)
            self.dwell_reported.discard(key)
            event = Event(Kind.GEOFENCE_EXIT, p.t, (p.lon, p.lat), driver, None, {"fence": key})
            if entered is not None:
                event.details["inside_s"] = round(p.t - entered)
            self._emit(event)
        for key, fence in now_inside.items():
            entered = self.inside[key]
            if (
                entered is not None
                and key not in self.dwell_reported
                and p.t - entered >= self.rules.geofence_dwell_s
            ):
                self.dwell_reported.add(key)
                self._emit(_fence_event(Kind.GEOFENCE_DWELL, fence, entered, p, driver))

    # -- results ---------------------------------------------------------------------------
    def open_trip(self) -> Trip | None:
        trip = self.trip
        return trip.to_fact(is_open=True) if trip is not None and trip.confirmed else None

    def open_stop(self) -> Stop | None:
        if self.stop is None or self.last is None:
            return None
        return self.stop.to_fact(self.last.t, is_open=True)

    def drain(self) -> Drained:
        """Facts closed since the last drain, the events raised, and the open segment."""
        if self.overspeed is not None:
            self._report_overspeed(self.overspeed, ended=False)
        out = Drained(
            trips=self.closed_trips,
            stops=self.closed_stops,
            events=list(self.events.values()),
            open_trip=self.open_trip(),
            open_stop=self.open_stop(),
        )
        self.closed_trips = []
        self.closed_stops = []
        self.events = {}
        return out


def _fence_event(kind: str, fence: Fence, t: float, p: Fix, driver: int | None) -> Event:
    details = {"fence": fence.key, "name": fence.name}
    return Event(kind, t, (p.lon, p.lat), driver, None, details)
