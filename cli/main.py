"""``coopfleet <subcommand>``: each process kind builds what it needs when it starts."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence

from core.config import get_settings

Handler = Callable[[argparse.Namespace], int]


def _api(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=args.host or settings.api_host,
        port=args.port or settings.api_port,
        workers=args.workers,
        log_level=args.log_level,
        # X-Forwarded-For names the client (sign-in limits per address) only from these proxies
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or None,
    )
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from migrations import upgrade

    upgrade(get_settings().database_url, args.revision)
    print(f"database at {args.revision}")
    return 0


def _seed(args: argparse.Namespace) -> int:
    from devtools.seed import seed_demo

    if not args.demo:
        print("nothing to seed: pass --demo for the demo cooperative", file=sys.stderr)
        return 2
    summary = asyncio.run(seed_demo(get_settings(), size=args.size, seed=args.seed))
    print(summary)
    return 0


def _demo_day(args: argparse.Namespace) -> int:
    from devtools.demo_day import open_demo_day

    try:
        day = asyncio.run(
            open_demo_day(get_settings(), on_shift_share=args.on_shift, waiting=args.orders)
        )
    except LookupError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(
        f"demo day: {day.shifts_ended} past shifts ended, {day.on_shift} drivers on shift, "
        f"{day.orders_added} orders added, {day.orders_waiting} waiting to be planned"
    )
    return 0


def _plan(args: argparse.Namespace) -> int:
    import json

    from sqlalchemy import text

    from core.db import create_engine_from_settings, session_factory
    from routing.planning import plan_from_command_line

    async def run() -> int:
        engine = create_engine_from_settings(get_settings())
        sessions = session_factory(engine)
        async with sessions() as session:
            rows = await session.execute(
                text(
                    "SELECT vehicle_id, ST_X(geom), ST_Y(geom) FROM vehicle_state"
                    " WHERE cooperative_id = :coop"
                ),
                {"coop": args.cooperative},
            )
            positions = {vid: (lon, lat) for vid, lon, lat in rows}
        plan = await plan_from_command_line(
            sessions, args.cooperative, positions, time_limit_s=args.time_limit, seed=args.seed
        )
        await engine.dispose()
        print(json.dumps({"plan": plan.id, "status": plan.status, "kpis": plan.kpis}, indent=2))
        return 0 if plan.status == "done" else 1

    return asyncio.run(run())


def _send_reports(args: argparse.Namespace) -> int:
    from core.db import create_engine_from_settings, session_factory
    from reports.delivery import deliver_all

    async def run() -> int:
        settings = get_settings()
        engine = create_engine_from_settings(settings)
        async with session_factory(engine)() as session:
            sent = await deliver_all(session, settings, args.month)
        await engine.dispose()
        for item in sent:
            print(f"sent the {args.month} report to {item['email']}")
        return 0

    return asyncio.run(run())


def _worker(args: argparse.Namespace) -> int:
    import logging

    from worker.main import serve

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    return serve(get_settings())


def _notify(args: argparse.Namespace) -> int:
    import logging

    from worker.notify import run

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    asyncio.run(run(get_settings()))
    return 0


def _create_admin(args: argparse.Namespace) -> int:
    from devtools.seed import create_platform_admin

    asyncio.run(create_platform_admin(get_settings(), login=args.login, password=args.password))
    print(f"platform admin {args.login} ready")
    return 0


def _ingest(args: argparse.Namespace) -> int:
    import logging
    import multiprocessing
    import os
    import signal

    from telematics.contract import telemetry_subscriptions
    from telematics.worker import run_worker

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    settings = get_settings()
    subscriptions = telemetry_subscriptions(args.group, args.cooperative)
    if args.workers == 1:
        run_worker(settings, args.worker_id, subscriptions)
        return 0
    base = args.worker_id or "ingest"
    processes = [
        multiprocessing.Process(
            target=run_worker, args=(settings, f"{base}-{n}", subscriptions), daemon=False
        )
        for n in range(1, args.workers + 1)
    ]
    for process in processes:
        process.start()

    def forward(signum: int, frame: object) -> None:  # stop the workers with the parent
        for process in processes:
            if process.pid is not None and process.is_alive():
                os.kill(process.pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for process in processes:
        process.join()
    return max((process.exitcode or 0) for process in processes)


def _derive(args: argparse.Namespace) -> int:
    import logging
    import multiprocessing

    from telematics.journey.worker import run_derive

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    settings = get_settings()
    options = {"interval_s": args.interval, "cooperatives": args.cooperative, "once": args.once}
    if args.workers == 1:
        run_derive(settings, **options)
        return 0
    processes = [
        multiprocessing.Process(
            target=run_derive,
            args=(settings,),
            kwargs={"workers": args.workers, "worker": n, **options},
        )
        for n in range(args.workers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join()  # each stops on SIGTERM/SIGINT, which the process group receives
    return max((process.exitcode or 0) for process in processes)


def _gateway(args: argparse.Namespace) -> int:
    import logging

    from telematics.gateway.server import run_gateway

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    run_gateway(get_settings())
    return 0


def _mqtt_passwords(args: argparse.Namespace) -> int:
    from pathlib import Path

    from telematics.credentials import sync_password_file

    settings = get_settings()
    pid_file = Path(args.reload_pid) if args.reload_pid else None
    chosen = {settings.mqtt_ingest_username: settings.mqtt_ingest_password or ""}
    count = sync_password_file(
        settings.sync_database_url, settings.secret_key, Path(args.file), pid_file, chosen
    )
    print(f"{count} MQTT accounts written to {args.file} (services: {args.file}-services)")
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from devtools.mqtt_wire import DevicePool
    from devtools.simulate import build_fleet, load_rows, run

    settings = get_settings()
    rows, depots = load_rows(
        settings.sync_database_url, cooperative_id=args.cooperative, limit=args.vehicles
    )
    if not rows:
        print("no active vehicles to simulate: run `coopfleet seed --demo` first", file=sys.stderr)
        return 2
    fleet = build_fleet(
        rows,
        depots,
        seed=args.seed,
        interval_s=args.interval,
        zone=settings.default_time_zone,
        offline_share=args.offline_share,
        offline_minutes=args.offline_minutes,
        bad_share=args.bad_share,
    )
    pool = DevicePool(settings.mqtt_host, settings.mqtt_device_port)
    print(f"simulating {len(rows)} vehicles, a fix every {args.interval:g} s while moving")
    sent = run(fleet, pool, duration_s=args.duration, secret_key=settings.secret_key)
    print(f"sent {sent} messages")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coopfleet", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    api = commands.add_parser("api", help="serve the HTTP API")
    api.add_argument("--host")
    api.add_argument("--port", type=int)
    api.add_argument("--workers", type=int, default=1)
    api.add_argument("--log-level", default="info")
    api.set_defaults(handler=_api)

    migrate = commands.add_parser("migrate", help="upgrade the database schema")
    migrate.add_argument("revision", nargs="?", default="head")
    migrate.set_defaults(handler=_migrate)

    seed = commands.add_parser("seed", help="load data")
    seed.add_argument("--demo", action="store_true", help="the demo cooperative (idempotent)")
    seed.add_argument("--size", type=int, default=3000, help="members, drivers and vehicles")
    seed.add_argument("--seed", type=int, default=20261124, help="random seed (deterministic)")
    seed.set_defaults(handler=_seed)

    ingest = commands.add_parser("ingest", help="store MQTT telemetry in PostGIS")
    ingest.add_argument("--workers", type=int, default=1, help="processes sharing the load")
    ingest.add_argument("--worker-id", help="MQTT client id (keeps the session across restarts)")
    ingest.add_argument("--group", default="ingest", help="shared-subscription group")
    ingest.add_argument(
        "--cooperative",
        type=int,
        action="append",
        help="only this cooperative's vehicles (repeatable; default: all)",
    )
    ingest.add_argument("--log-level", default="info")
    ingest.set_defaults(handler=_ingest)

    derive = commands.add_parser(
        "derive", help="derive trips, stops, events, driving time and rollups from positions"
    )
    derive.add_argument("--workers", type=int, default=1, help="processes sharing the vehicles")
    derive.add_argument("--interval", type=float, default=1.0, help="seconds between cycles")
    derive.add_argument(
        "--cooperative", type=int, action="append", help="only this cooperative (repeatable)"
    )
    derive.add_argument("--once", action="store_true", help="derive what is pending, then exit")
    derive.add_argument("--log-level", default="info")
    derive.set_defaults(handler=_derive)

    day = commands.add_parser(
        "demo-day", help="the demo's working day: drivers on shift, orders waiting (repeatable)"
    )
    day.add_argument("--orders", type=int, default=300, help="new orders to have waiting")
    day.add_argument(
        "--on-shift", type=float, default=0.6, help="share of idle drivers to put on shift"
    )
    day.set_defaults(handler=_demo_day)

    plan = commands.add_parser("plan", help="plan a cooperative's open orders (OR-Tools)")
    plan.add_argument("--cooperative", type=int, required=True)
    plan.add_argument("--time-limit", type=int, default=60, help="seconds")
    plan.add_argument("--seed", type=int, default=0)
    plan.set_defaults(handler=_plan)

    work = commands.add_parser(
        "worker", help="run background jobs: plans, offer sweeps, retention, partitions, reports"
    )
    work.add_argument("--log-level", default="info")
    work.set_defaults(handler=_worker)

    notify = commands.add_parser(
        "notify", help="send notifications (Web Push, e-mail, SMS) and webhooks from the outbox"
    )
    notify.add_argument("--log-level", default="info")
    notify.set_defaults(handler=_notify)

    send = commands.add_parser("send-reports", help="e-mail the monthly report to subscribers")
    send.add_argument("--month", required=True, help="YYYY-MM, e.g. the month just ended")
    send.set_defaults(handler=_send_reports)

    simulate = commands.add_parser("simulate", help="drive simulated vehicles over MQTT")
    simulate.add_argument("--vehicles", type=int, default=3000)
    simulate.add_argument("--cooperative", type=int, help="only this cooperative's vehicles")
    simulate.add_argument(
        "--interval",
        type=float,
        default=1.0,
        help="seconds between fixes while moving (the law allows up to 30)",
    )
    simulate.add_argument("--duration", type=float, help="seconds to run (default: forever)")
    simulate.add_argument(
        "--offline-share",
        type=float,
        default=0.002,
        help="share of vehicles losing signal each minute",
    )
    simulate.add_argument("--offline-minutes", type=float, default=5.0)
    simulate.add_argument(
        "--bad-share",
        type=float,
        default=0.0,
        help="share of messages spoiled on purpose (dead-letter demo)",
    )
    simulate.add_argument("--seed", type=int, default=1)
    simulate.set_defaults(handler=_simulate)

    gateway = commands.add_parser(
        "gateway", help="take positions from trackers and phones: OsmAnd, GT06, JT/T 808, Traccar"
    )
    gateway.add_argument("--log-level", default="warning")
    gateway.set_defaults(handler=_gateway)

    passwords = commands.add_parser(
        "mqtt-passwords", help="write the broker's password file (one account per vehicle)"
    )
    passwords.add_argument("--file", default="var/mosquitto/passwd")
    passwords.add_argument("--reload-pid", help="SIGHUP the broker with this pid file")
    passwords.set_defaults(handler=_mqtt_passwords)

    admin = commands.add_parser("create-admin", help="create or reset a platform admin")
    admin.add_argument("--login", required=True)
    admin.add_argument("--password", required=True)
    admin.set_defaults(handler=_create_admin)
    return parser


def subcommand_names() -> set[str]:
    """Names of the subcommands, for checks such as the docker-compose test."""
    parser = build_parser()
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    return handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
