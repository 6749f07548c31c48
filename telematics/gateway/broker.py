"""The gateway's MQTT connection: QoS 1 publishes awaited until the broker's PUBACK, spoken
directly on the gateway's event loop (MQTT 3.1.1, publish only).

Why not paho: at 3,000 fixes/s the gateway's profile was mostly paho — first its network thread
(each publish woke it through a socket pair, each PUBACK woke the loop back, the GIL passing
between them), then, driven from the loop, its per-message bookkeeping (a ``threading.Condition``
per message, a scan of every message in flight at each PUBACK with an in-flight cap):
docs/bench-runs/gateway-profile-2026-12-04.txt. The gateway needs four packets of the protocol:
CONNECT/CONNACK, PUBLISH (QoS 1)/PUBACK, PINGREQ/PINGRESP; here they cost a few microseconds
each, and the publishes of one loop turn leave in one write.

Connection: the ``api`` service account on the services' listener, as for phones. A lost
connection fails every publish in flight with ``BrokerUnavailable`` (the devices were not
answered, so they send again) and is made again every ``RECONNECT_SECONDS``; a PUBACK missing
for ``timeout`` seconds (``PUBACK_TIMEOUT_SECONDS``) fails its publish the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
import uuid
from typing import cast

from telematics.credentials import service_password
from telematics.relay import BrokerUnavailable

log = logging.getLogger("coopfleet.gateway")
RECONNECT_SECONDS = 1.0
# A PUBACK later than this fails its publish (the device is not answered and sends again). Not
# 5 s as for phones: on a machine at load 15 PUBACKs waited unread longer than that, and each
# expiry closed a tracker's connection (1,070 fixes of 90,000 never acknowledged in one
# bench.gateway run); a broker that stops answering altogether is caught by the keepalive.
PUBACK_TIMEOUT_SECONDS = 30.0
CONNACK_TIMEOUT_SECONDS = 5.0
KEEPALIVE_SECONDS = 30
SWEEP_SECONDS = 0.5
CONNACK, PUBACK, PINGRESP = 0x20, 0x40, 0xD0
PINGREQ = b"\xc0\x00"
DISCONNECT = b"\xe0\x00"


def _length(size: int) -> bytes:
    """MQTT's remaining length: 7 bits a byte, the high bit saying another follows."""
    out = bytearray()
    while True:
        size, digit = divmod(size, 128)
        out.append(digit | (0x80 if size else 0))
        if not size:
            return bytes(out)


def _text(value: str) -> bytes:
    data = value.encode()
    return struct.pack(">H", len(data)) + data


def connect_packet(client_id: str, username: str, password: str, keepalive: int) -> bytes:
    """CONNECT, MQTT 3.1.1, clean session, with a username and password."""
    body = _text("MQTT") + bytes([4, 0x80 | 0x40 | 0x02]) + struct.pack(">H", keepalive)
    body += _text(client_id) + _text(username) + _text(password)
    return b"\x10" + _length(len(body)) + body


def publish_packet(topic: bytes, packet_id: int, payload: bytes) -> bytes:
    """PUBLISH with QoS 1 (the fixed header's flags 0b0010)."""
    size = 2 + len(topic) + 2 + len(payload)
    return (
        b"\x32"
        + _length(size)
        + struct.pack(">H", len(topic))
        + topic
        + (struct.pack(">H", packet_id) + payload)
    )


class _Wire(asyncio.Protocol):
    """One TCP connection to the broker: writes gathered per loop turn, packets read."""

    def __init__(self, link: BrokerLink) -> None:
        self.link = link
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.outgoing = bytearray()
        self.flush_scheduled = False
        self.connack: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.last_heard = asyncio.get_running_loop().time()
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not asyncio's class

    def send(self, packet: bytes) -> None:
        self.outgoing += packet
        if not self.flush_scheduled:
            self.flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self.flush_scheduled = False
        if self.transport is not None and self.outgoing:
            self.transport.write(bytes(self.outgoing))
        self.outgoing.clear()

    def data_received(self, data: bytes) -> None:
        self.last_heard = asyncio.get_running_loop().time()
        self.buffer += data
        while len(self.buffer) >= 2:
            size, shift, at = 0, 0, 1
            while True:  # the remaining length (at most 4 bytes)
                if at >= len(self.buffer):
                    return
                digit = self.buffer[at]
                size |= (digit & 0x7F) << shift
                at += 1
                if not digit & 0x80:
                    break
                shift += 7
                if shift > 21:
                    self._protocol_error("remaining length over 4 bytes")
                    return
            if len(self.buffer) < at + size:
                return
            kind = self.buffer[0] & 0xF0
            body = bytes(self.buffer[at : at + size])
            del self.buffer[: at + size]
            if kind == PUBACK and size >= 2:
                self.link.acknowledged(struct.unpack_from(">H", body)[0])
            elif kind == CONNACK and size >= 2 and not self.connack.done():
                self.connack.set_result(body[1])

    def _protocol_error(self, why: str) -> None:
        log.warning("broker sent what MQTT does not allow (%s); reconnecting", why)
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.connack.done():
            self.connack.set_exception(ConnectionError("the broker closed the connection"))
        if not self.lost.done():
            self.lost.set_result(None)
        self.link.disconnected()


class BrokerLink:
    def __init__(
        self, host: str, port: int, secret_key: str, *, timeout: float = PUBACK_TIMEOUT_SECONDS
    ) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.username, self.password = "api", service_password(secret_key, "api")
        self.connected = asyncio.Event()
        self._wire: _Wire | None = None
        self._waiting: dict[int, tuple[float, asyncio.Future[None]]] = {}
        self._next_id = 0
        self._topics: dict[str, bytes] = {}
        self._tasks: list[asyncio.Task[None]] = []

    # --- the wire's side -------------------------------------------------------------------

    def acknowledged(self, packet_id: int) -> None:
        waiting = self._waiting.pop(packet_id, None)
        if waiting is not None and not waiting[1].done():
            waiting[1].set_result(None)

    def disconnected(self) -> None:
        self.connected.clear()
        self._wire = None
        self._fail_all("the message broker connection was lost; retry later")

    def _fail_all(self, why: str) -> None:
        waiting, self._waiting = self._waiting, {}
        for _, future in waiting.values():
            if not future.done():
                future.set_exception(BrokerUnavailable(why))

    async def _keep_connected(self) -> None:
        """Connect, keep the connection alive with pings, connect again when it is lost."""
        loop = asyncio.get_running_loop()
        client_id = f"gateway-{uuid.uuid4().hex[:12]}"
        hello = connect_packet(client_id, self.username, self.password, KEEPALIVE_SECONDS)
        while True:
            wire: _Wire | None = None
            try:
                _, wire = await loop.create_connection(lambda: _Wire(self), self.host, self.port)
                wire.send(hello)
                code = await asyncio.wait_for(wire.connack, CONNACK_TIMEOUT_SECONDS)
                if code != 0:
                    log.error("broker refused the gateway (CONNACK %d)", code)
                else:
                    self._wire = wire
                    self.connected.set()
                    while not wire.lost.done():
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(asyncio.shield(wire.lost), KEEPALIVE_SECONDS / 2)
                        if wire.lost.done():
                            break
                        if loop.time() - wire.last_heard > KEEPALIVE_SECONDS:  # no PINGRESP
                            log.warning("the broker stopped answering; reconnecting")
                            break
                        wire.send(PINGREQ)
            except (OSError, TimeoutError) as exc:
                log.warning("broker not reachable (%s); retrying", exc)
            if wire is not None and wire.transport is not None:
                wire.transport.close()
            self.disconnected()
            await asyncio.sleep(RECONNECT_SECONDS)

    async def _expire(self) -> None:
        """Fail publishes without a PUBACK after ``timeout`` (one sweep, not a timer each)."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            now = loop.time()
            for packet_id in [p for p, (deadline, _) in self._waiting.items() if deadline < now]:
                _, future = self._waiting.pop(packet_id)
                if not future.done():
                    future.set_exception(
                        BrokerUnavailable("the message broker did not acknowledge; retry later")
                    )

    def _packet_id(self) -> int:
        for _ in range(65535):
            self._next_id = self._next_id % 65535 + 1
            if self._next_id not in self._waiting:
                return self._next_id
        raise BrokerUnavailable("65,535 messages await the broker; retry later")

    # --- the gateway's side ----------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background (call from the running loop)."""
        self._tasks = [
            asyncio.create_task(self._keep_connected()),
            asyncio.create_task(self._expire()),
        ]

    async def publish(self, topic: str, payload: bytes) -> None:
        """Publish with QoS 1; return once the broker has it, else ``BrokerUnavailable``."""
        wire = self._wire
        if wire is None or not self.connected.is_set():
            raise BrokerUnavailable("the message broker is not reachable; retry later")
        encoded = self._topics.get(topic)
        if encoded is None:
            encoded = topic.encode()
            if len(self._topics) < 100_000:
                self._topics[topic] = encoded
        packet_id = self._packet_id()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._waiting[packet_id] = (loop.time() + self.timeout, future)
        wire.send(publish_packet(encoded, packet_id, payload))
        await future

    def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        wire = self._wire
        if wire is not None and wire.transport is not None:
            wire.transport.write(DISCONNECT)
            wire.transport.close()
        self.connected.clear()
