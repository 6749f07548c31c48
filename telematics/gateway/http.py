"""The gateway's HTTP door: OsmAnd / Traccar Client at ``/`` and Traccar's JSON forwarding at
``/traccar``, plus ``/healthz`` and ``/metrics`` (the gateway's counters, for the bearer
``COOPFLEET_METRICS_TOKEN``).

A small Starlette app inside the gateway process, not a router of the API: devices speak without
credentials, retry on any non-200 and can come in thousands, so they stay off the API's workers,
body caps and authentication, and the gateway is deployed (and scaled, and exposed) on its own.
200 is answered only after the broker's PUBACK; errors are the project's JSON shape naming the
field (400), ``unknown_device`` is 404, an unreachable broker 503 (the device sends again).
Traccar's forwarding carries its cooperative's token (``forwarding``): 401 without it, 404 for a
device of another cooperative.
"""

from __future__ import annotations

import hmac
from urllib.parse import parse_qsl

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from telematics.gateway import osmand, traccar
from telematics.gateway.fix import Fix, Refused
from telematics.gateway.forwarding import token_cooperative
from telematics.gateway.service import Gateway
from telematics.relay import BrokerUnavailable

_STATUS = {
    "not_authenticated": 401,
    "unknown_device": 404,
    "not_this_cooperative": 404,
    "ambiguous_device": 409,
    "oversized": 413,
    "directory_unavailable": 503,
}


def _error(refused: Refused) -> JSONResponse:
    body = {"error": refused.reason, "message": refused.detail, "field": refused.field}
    return JSONResponse(body, status_code=_STATUS.get(refused.reason, 400))


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise Refused("oversized", f"body over {limit} bytes", "body")
    chunks = bytearray()
    async for chunk in request.stream():
        chunks += chunk
        if len(chunks) > limit:
            raise Refused("oversized", f"body over {limit} bytes", "body")
    return bytes(chunks)


def build_app(gateway: Gateway) -> Starlette:
    limit = gateway.config.http_body_max_bytes
    registry = CollectorRegistry(auto_describe=False)  # this app's own: tests build many gateways
    registry.register(gateway.counters)

    async def store(
        request: Request,
        protocol: str,
        identifier: str,
        fixes: list[Fix],
        cooperative_id: int | None = None,
    ) -> Response:
        """``cooperative_id``: only that cooperative's devices (a Traccar server's token)."""
        address = request.client.host if request.client else None
        try:
            binding = await gateway.bind(protocol, identifier, address)  # refusals counted there
            if cooperative_id is not None and binding.cooperative_id != cooperative_id:
                refused = Refused(
                    "not_this_cooperative", f"{identifier!r} is not a device of yours", "id"
                )
                gateway.refuse(protocol, refused)
                gateway.heard.hear(protocol, identifier, address, None, refusal=refused.reason)
                return _error(refused)
            await gateway.deliver(protocol, identifier, address, binding, fixes)
        except Refused as refused:
            return _error(refused)
        except BrokerUnavailable as exc:
            gateway.counters.add(protocol, "refused", "broker_unavailable")
            body = {"error": "broker_unavailable", "message": str(exc), "field": None}
            return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
        return PlainTextResponse("OK")

    async def osmand_endpoint(request: Request) -> Response:
        gateway.counters.add("osmand", "frames")
        try:
            body = await _body(request, limit)
            if body.lstrip()[:1] in (b"{", b"["):
                identifier, fixes = osmand.decode_json(body)
            else:
                params = dict(request.query_params)
                if body:
                    params.update(parse_qsl(body.decode("utf-8", "replace")))
                identifier, fix = osmand.decode_query(params)
                fixes = [fix]
        except Refused as refused:
            gateway.refuse("osmand", refused)
            return _error(refused)
        return await store(request, "osmand", identifier, fixes)

    async def traccar_endpoint(request: Request) -> Response:
        gateway.counters.add("traccar", "frames")
        secret = gateway.config.secret_key
        cooperative_id = token_cooperative(secret, request.headers.get("authorization"))
        try:
            if cooperative_id is None:
                raise Refused(
                    "not_authenticated",
                    "Traccar's forward.header must be 'Authorization: Bearer <your token>'",
                    "authorization",
                )
            identifier, fix = traccar.decode(await _body(request, limit))
        except Refused as refused:
            gateway.refuse("traccar", refused)
            return _error(refused)
        return await store(request, "traccar", identifier, [fix], cooperative_id)

    async def metrics(request: Request) -> Response:
        token = gateway.config.metrics_token
        presented = request.headers.get("authorization", "")
        if not token or not hmac.compare_digest(presented.encode(), f"Bearer {token}".encode()):
            body = {"error": "not_authenticated", "message": "COOPFLEET_METRICS_TOKEN as bearer"}
            return JSONResponse(body, status_code=401)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    async def healthz(request: Request) -> Response:
        if not gateway.broker.connected.is_set():
            return PlainTextResponse("broker not connected", status_code=503)
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/", osmand_endpoint, methods=["GET", "POST"]),
            Route("/traccar", traccar_endpoint, methods=["POST"]),
            Route("/metrics", metrics, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )
