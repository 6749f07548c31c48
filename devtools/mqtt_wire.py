"""A lean MQTT 3.1.1 publisher for many device connections from one process.

The simulator and the ingest benchmark speak as thousands of vehicles, each on its own connection
with its own credentials, like real devices. A paho client per vehicle would cost a thread each
and tens of microseconds per message; here packets are encoded once as bytes and written to
non-blocking sockets driven by one selector, so the load generator leaves the cores to the
broker, the workers and PostgreSQL. Only what devices need: CONNECT, PUBLISH (QoS 0/1), PUBACK,
PINGREQ, DISCONNECT.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import struct
import time
from dataclasses import dataclass, field

CONNACK, PUBACK, PINGRESP = 0x20, 0x40, 0xD0


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        digit, n = n % 128, n // 128
        out.append(digit | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _text(value: str | bytes) -> bytes:
    raw = value.encode() if isinstance(value, str) else value
    return struct.pack("!H", len(raw)) + raw


def connect_packet(
    client_id: str,
    username: str | None,
    password: str | None,
    keepalive: int = 60,
    clean_session: bool = True,
) -> bytes:
    flags = 0x02 if clean_session else 0x00
    payload = _text(client_id)
    if username is not None:
        flags |= 0x80
        payload += _text(username)
        if password is not None:
            flags |= 0x40
            payload += _text(password)
    variable = _text("MQTT") + bytes([4, flags]) + struct.pack("!H", keepalive)
    body = variable + payload
    return bytes([0x10]) + _varint(len(body)) + body


def publish_packet(topic: str, payload: bytes, packet_id: int | None) -> bytes:
    """QoS 1 when ``packet_id`` is given, else QoS 0."""
    header = 0x32 if packet_id is not None else 0x30
    body = _text(topic) + (struct.pack("!H", packet_id) if packet_id is not None else b"")
    body += payload
    return bytes([header]) + _varint(len(body)) + body


PINGREQ = b"\xc0\x00"
DISCONNECT = b"\xe0\x00"


class ConnectRefused(Exception):
    pass


@dataclass
class Connection:
    name: str
    sock: socket.socket
    outgoing: bytearray = field(default_factory=bytearray)
    incoming: bytearray = field(default_factory=bytearray)
    next_id: int = 1
    unacked: int = 0
    connected: bool = False
    last_write: float = 0.0

    def take_id(self) -> int:
        packet_id = self.next_id
        self.next_id = packet_id % 65535 + 1
        return packet_id


@dataclass
class Counters:
    published: int = 0
    acked: int = 0
    refused: int = 0


class DevicePool:
    """Many device connections, pumped by ``pump()``; publishing only queues bytes."""

    def __init__(self, host: str, port: int, keepalive: int = 60) -> None:
        self.host, self.port, self.keepalive = host, port, keepalive
        self.selector = selectors.DefaultSelector()
        self.connections: dict[str, Connection] = {}
        self.dirty: set[str] = set()  # connections with bytes to send
        self._last_keepalive_check = time.monotonic()
        self.counters = Counters()

    def open(self, name: str, client_id: str, username: str | None, password: str | None) -> None:
        sock = socket.create_connection((self.host, self.port), timeout=10)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        connection = Connection(name, sock)
        connection.outgoing += connect_packet(client_id, username, password, self.keepalive)
        self.connections[name] = connection
        self.dirty.add(name)
        self.selector.register(sock, selectors.EVENT_READ, connection)

    def wait_connected(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not all(c.connected for c in self.connections.values()):
            if time.monotonic() > deadline:
                waiting = sum(not c.connected for c in self.connections.values())
                raise TimeoutError(f"{waiting} connections got no CONNACK")
            self.pump(0.05)

    def publish(self, name: str, topic: str, payload: bytes, qos: int = 1) -> None:
        connection = self.connections[name]
        packet_id = connection.take_id() if qos else None
        connection.outgoing += publish_packet(topic, payload, packet_id)
        connection.unacked += 1 if qos else 0
        self.dirty.add(name)
        self.counters.published += 1

    def pending(self) -> int:
        return sum(c.unacked for c in self.connections.values())

    def pump(self, timeout: float = 0.0) -> None:
        """Write what is queued, read acknowledgements, keep idle connections alive."""
        now = time.monotonic()
        for name in list(self.dirty):
            connection = self.connections[name]
            self._write(connection, now)
            if not connection.outgoing:
                self.dirty.discard(name)
        wait = 0.0 if self.dirty else timeout
        for key, _ in self.selector.select(wait):
            self._read(key.data)
        if now - self._last_keepalive_check > 1.0:
            self._last_keepalive_check = now
            for connection in self.connections.values():
                if connection.connected and now - connection.last_write > self.keepalive / 2:
                    connection.outgoing += PINGREQ
                    self.dirty.add(connection.name)

    def _write(self, connection: Connection, now: float) -> None:
        try:
            sent = connection.sock.send(connection.outgoing)
        except (BlockingIOError, InterruptedError):
            return
        del connection.outgoing[:sent]
        connection.last_write = now

    def _read(self, connection: Connection) -> None:
        try:
            data = connection.sock.recv(65536)
        except BlockingIOError:
            return
        if not data:
            raise ConnectionError(f"{connection.name}: the broker closed the connection")
        buffer = connection.incoming
        buffer += data
        while len(buffer) >= 2:
            kind, length = buffer[0] & 0xF0, buffer[1]  # our replies are all short
            if len(buffer) < 2 + length:
                break
            if kind == CONNACK:
                if buffer[3] != 0:
                    self.counters.refused += 1
                    raise ConnectRefused(f"{connection.name}: CONNACK return code {buffer[3]}")
                connection.connected = True
            elif kind == PUBACK:
                connection.unacked -= 1
                self.counters.acked += 1
            del buffer[: 2 + length]

    def flush(self, timeout: float = 30.0) -> None:
        """Pump until every queued byte is sent and every QoS 1 message acknowledged."""
        deadline = time.monotonic() + timeout
        while self.pending() or any(c.outgoing for c in self.connections.values()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.pending()} messages not acknowledged")
            self.pump(0.05)

    def close(self) -> None:
        for connection in self.connections.values():
            with contextlib.suppress(OSError):
                connection.sock.setblocking(True)
                connection.sock.sendall(DISCONNECT)
            self.selector.unregister(connection.sock)
            connection.sock.close()
        self.connections.clear()
