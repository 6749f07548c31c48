"""The gateway's MQTT connection, driven by its own event loop: QoS 1 publishes awaited until
the broker's PUBACK, with no network thread.

Why not ``telematics.relay.Relay`` (paho's threaded loop, as the API uses): at 3,000 fixes/s
every publish woke paho's thread through its socket pair, every PUBACK woke the event loop
through ``call_soon_threadsafe``, and the two threads passed the GIL back and forth for each
message (profiled: ~30 % of the gateway's CPU; docs/bench-runs/gateway-2026-12-04.txt). Here paho
runs in paho's documented external-loop mode: the loop calls ``loop_read`` when the socket is
readable and ``loop_write`` when paho has something queued, so the publishes of one loop turn
leave in one write and each PUBACK resolves its future directly.

Connection: the ``api`` service account on the services' listener, as for phones. A lost
connection fails every publish in flight (``BrokerUnavailable``: the devices were not answered,
so they send again) and is retried every ``RECONNECT_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from telematics.credentials import service_password
from telematics.relay import BrokerUnavailable

log = logging.getLogger("coopfleet.gateway")
# QoS 1 messages awaiting their PUBACK at once: no cap in paho (0). With a cap, paho scans every
# message in flight at each PUBACK (``_update_inflight``: quadratic, ~40 % of the gateway's CPU at
# 3,000 fixes/s with a cap of 1,000). The devices bound it: each waits for its answer.
INFLIGHT = 0
RECONNECT_SECONDS = 1.0
TIMEOUT_SWEEP_SECONDS = 0.5


class BrokerLink:
    def __init__(self, host: str, port: int, secret_key: str, *, timeout: float = 5.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"gateway-{uuid.uuid4().hex[:12]}"
        )
        self.client.username_pw_set("api", service_password(secret_key, "api"))
        self.client.max_inflight_messages_set(INFLIGHT)
        self.client.max_queued_messages_set(0)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_publish = self._on_publish
        self.client.on_socket_open = self._on_socket_open
        self.client.on_socket_close = self._on_socket_close
        self.client.on_socket_register_write = self._on_register_write
        self.client.on_socket_unregister_write = self._on_unregister_write
        self.connected = asyncio.Event()
        self._waiting: dict[int, tuple[float, asyncio.Future[None]]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- the loop drives paho --------------------------------------------------------------

    def _on_socket_open(self, client: mqtt.Client, userdata: object, sock: object) -> None:
        assert self._loop is not None and isinstance(sock, socket.socket)
        self._loop.add_reader(sock, client.loop_read)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)

    def _on_socket_close(self, client: mqtt.Client, userdata: object, sock: object) -> None:
        assert self._loop is not None and isinstance(sock, socket.socket)
        self._loop.remove_reader(sock)
        self._loop.remove_writer(sock)

    def _on_register_write(self, client: mqtt.Client, userdata: object, sock: object) -> None:
        assert self._loop is not None and isinstance(sock, socket.socket)
        self._loop.add_writer(sock, client.loop_write)

    def _on_unregister_write(self, client: mqtt.Client, userdata: object, sock: object) -> None:
        assert self._loop is not None and isinstance(sock, socket.socket)
        self._loop.remove_writer(sock)

    def _on_connect(
        self, client: mqtt.Client, userdata: object, flags: object, reason: ReasonCode, *_: object
    ) -> None:
        if reason.is_failure:
            log.error("broker refused the gateway: %s", reason)
            return
        self.connected.set()

    def _on_disconnect(self, client: mqtt.Client, *_: object) -> None:
        self.connected.clear()
        self._fail_all("the message broker connection was lost; retry later")

    def _on_publish(self, client: mqtt.Client, userdata: object, mid: int, *_: object) -> None:
        waiting = self._waiting.pop(mid, None)
        if waiting is not None and not waiting[1].done():
            waiting[1].set_result(None)

    def _fail_all(self, why: str) -> None:
        waiting, self._waiting = self._waiting, {}
        for _, future in waiting.values():
            if not future.done():
                future.set_exception(BrokerUnavailable(why))

    async def _keep_connected(self) -> None:
        """Connect, then run paho's housekeeping (keepalive pings, retries) once a second; a
        lost connection is made again."""
        while True:
            try:
                if self.client.socket() is None:
                    self.client.connect(self.host, self.port, keepalive=30)
                while True:  # paho's timers want a call a second, not an event
                    if self.client.loop_misc() != mqtt.MQTT_ERR_SUCCESS:
                        break
                    await asyncio.sleep(1.0)
            except OSError as exc:
                log.warning("broker not reachable (%s); retrying", exc)
            self.connected.clear()
            self._fail_all("the message broker is not reachable; retry later")
            with contextlib.suppress(Exception):
                self.client.disconnect()
            await asyncio.sleep(RECONNECT_SECONDS)

    async def _expire(self) -> None:
        """Fail publishes without a PUBACK after ``timeout`` (one sweep, not a timer each)."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(TIMEOUT_SWEEP_SECONDS)
            now = loop.time()
            late = [mid for mid, (deadline, _) in self._waiting.items() if deadline < now]
            for mid in late:
                _, future = self._waiting.pop(mid)
                if not future.done():
                    future.set_exception(
                        BrokerUnavailable("the message broker did not acknowledge; retry later")
                    )

    # --- the gateway's side ----------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background (call from the running loop)."""
        self._loop = asyncio.get_running_loop()
        self._tasks = [
            asyncio.create_task(self._keep_connected()),
            asyncio.create_task(self._expire()),
        ]

    async def publish(self, topic: str, payload: bytes) -> None:
        """Publish with QoS 1; return once the broker has it, else ``BrokerUnavailable``."""
        if not self.connected.is_set() or self._loop is None:
            raise BrokerUnavailable("the message broker is not reachable; retry later")
        info = self.client.publish(topic, payload, qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise BrokerUnavailable("the message broker did not take the message")
        future: asyncio.Future[None] = self._loop.create_future()
        self._waiting[info.mid] = (self._loop.time() + self.timeout, future)
        await future

    def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        with contextlib.suppress(Exception):
            self.client.disconnect()
        self.connected.clear()
