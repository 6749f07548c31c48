"""The TCP sessions of GT06 and JT/T 808 devices: read, split, decode, deliver, then answer.

Everything decoded from one read is delivered in one publish per device (a batch when there are
several fixes) before any of that read's acknowledgements is written. A frame that cannot be
decoded is refused and counted and the session goes on; a stream that is not the protocol at
all, an unknown device, a silent device (``idle_seconds``) or an unreachable broker ends the
connection: the device reconnects and sends again what it was not told was received.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from telematics.gateway import gt06, jt808
from telematics.gateway.directory import Binding
from telematics.gateway.fix import Fix, Refused
from telematics.gateway.service import Gateway, log
from telematics.relay import BrokerUnavailable

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
READ_SIZE = 65536


class Close(Exception):
    """End this device's connection (the reason is already counted)."""


class Silence:
    """Closes the connections of one port silent for ``idle_seconds``: one sweep every few
    seconds over a read-time table, instead of a timeout around every read (``wait_for`` made a
    task and a timer per read: ~8 % of the gateway's CPU at 3,000 devices)."""

    def __init__(self, gateway: Gateway, protocol: str) -> None:
        self.gateway, self.protocol = gateway, protocol
        self.idle = gateway.config.idle_seconds
        self.last_read: dict[asyncio.StreamWriter, float] = {}
        self._sweeper: asyncio.Task[None] | None = None

    def watch(self, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        self.last_read[writer] = loop.time()
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = asyncio.create_task(self._sweep())

    async def read(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
        data = await reader.read(READ_SIZE)
        if not data:
            raise Close
        self.last_read[writer] = asyncio.get_running_loop().time()
        return data

    async def _sweep(self) -> None:
        loop = asyncio.get_running_loop()
        while self.last_read:
            await asyncio.sleep(min(self.idle / 4, 5.0))
            limit = loop.time() - self.idle
            for writer in [w for w, at in self.last_read.items() if at < limit]:
                self.gateway.counters.add(self.protocol, "refused", "idle")
                self.last_read.pop(writer, None)
                writer.close()  # its read returns nothing: the session ends


def session(gateway: Gateway, protocol: str, run: Callable[[Silence], Handler]) -> Handler:
    """Wrap a protocol's loop: connection cap, idle devices, counting, and no exception past the
    connection."""
    open_connections = 0
    silence = Silence(gateway, protocol)
    loop_of_protocol = run(silence)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal open_connections
        if open_connections >= gateway.config.max_connections:
            gateway.counters.add(protocol, "refused", "too_many_connections")
            writer.close()
            return
        open_connections += 1
        gateway.counters.add(protocol, "connections")
        silence.watch(writer)
        try:
            await loop_of_protocol(reader, writer)
        except (Close, ConnectionError, TimeoutError, asyncio.IncompleteReadError):
            pass
        except BrokerUnavailable:
            gateway.counters.add(protocol, "refused", "broker_unavailable")
        except Exception:  # a bug must cost one connection, never the gateway
            log.exception("%s connection failed", protocol)
            gateway.counters.add(protocol, "refused", "internal_error")
        finally:
            open_connections -= 1
            silence.last_read.pop(writer, None)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    return handle


def _address(writer: asyncio.StreamWriter) -> str | None:
    peer = writer.get_extra_info("peername")
    return str(peer[0]) if isinstance(peer, tuple) and peer else None


def gt06_handler(gateway: Gateway) -> Handler:
    return session(gateway, "gt06", lambda silence: _gt06_loop(gateway, silence))


def _gt06_loop(gateway: Gateway, silence: Silence) -> Handler:
    async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        splitter = gt06.Splitter(gateway.config.frame_max_bytes)
        address = _address(writer)
        imei: str | None = None  # the logged-in device; its vehicle is looked up at each read
        zone = gateway.config.gt06_utc_offset_minutes
        while True:
            try:
                items = splitter.feed(await silence.read(reader, writer))
            except Refused as refused:
                gateway.refuse("gt06", refused)
                raise Close from refused
            fixes: list[Fix] = []
            replies: list[bytes] = []
            frames = 0
            for item in items:
                if isinstance(item, Refused):
                    gateway.refuse("gt06", item)
                    continue
                gateway.counters.add("gt06", "frames")
                frames += 1
                try:
                    message = gt06.decode(item, zone)
                except Refused as refused:
                    gateway.refuse("gt06", refused)
                    if item.protocol in gt06.ANSWERED and imei is not None:
                        replies.append(gt06.reply(item))  # received, nothing to keep
                    continue
                if isinstance(message, gt06.Login):
                    if imei is not None and frames > 1:  # a new login: the old device's first
                        await _gt06_deliver(gateway, imei, address, fixes, frames - 1)
                        fixes, frames = [], 1
                    try:
                        await gateway.bind("gt06", message.imei, address)
                    except Refused as refused:
                        raise Close from refused
                    imei = message.imei
                    if message.utc_offset_minutes is not None:
                        zone = message.utc_offset_minutes
                elif imei is None:
                    gateway.refuse("gt06", Refused("not_logged_in", "no login yet", "protocol"))
                    raise Close
                elif isinstance(message, gt06.Location):
                    fixes.append(message.fix)
                if item.protocol in gt06.ANSWERED:
                    replies.append(gt06.reply(item))
            if imei is not None and frames:
                await _gt06_deliver(gateway, imei, address, fixes, frames)
            if replies:
                writer.write(b"".join(replies))
                await writer.drain()

    return run


async def _gt06_deliver(
    gateway: Gateway, imei: str, address: str | None, fixes: list[Fix], frames: int
) -> None:
    """The device's vehicle of now (a device moved to another vehicle follows at once), then
    its fixes; a device no longer on any vehicle is disconnected."""
    try:
        binding = await gateway.bind("gt06", imei, address)
    except Refused as refused:
        raise Close from refused
    await gateway.deliver("gt06", imei, address, binding, fixes, messages=frames)


@dataclass(slots=True)
class _Pending:
    binding: Binding
    fixes: list[Fix] = field(default_factory=list)
    messages: int = 0


def jt808_handler(gateway: Gateway) -> Handler:
    return session(gateway, "jt808", lambda silence: _jt808_loop(gateway, silence))


def _jt808_loop(gateway: Gateway, silence: Silence) -> Handler:
    async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        splitter = jt808.Splitter(gateway.config.frame_max_bytes)
        address = _address(writer)
        serials = itertools.count(1)
        zone = gateway.config.jt808_utc_offset_minutes
        while True:
            try:
                items = splitter.feed(await silence.read(reader, writer))
            except Refused as refused:
                gateway.refuse("jt808", refused)
                raise Close from refused
            pending: dict[str, _Pending] = {}
            replies: list[bytes] = []
            for message in items:
                if isinstance(message, Refused):
                    gateway.refuse("jt808", message)
                    continue
                gateway.counters.add("jt808", "frames")
                serial = next(serials) & 0xFFFF
                try:
                    binding = await gateway.bind("jt808", message.phone, address)
                except Refused:
                    if message.message_id == jt808.REGISTER:
                        replies.append(
                            jt808.register_response(message, serial, jt808.NO_SUCH_TERMINAL, "")
                        )
                    else:
                        replies.append(jt808.general_response(message, serial, jt808.FAILED))
                    writer.write(b"".join(replies))
                    await writer.drain()
                    raise Close from None
                device = pending.setdefault(message.phone, _Pending(binding))
                device.messages += 1
                replies.append(_jt808_message(gateway, message, binding, serial, zone, device))
            for phone, device in pending.items():
                await gateway.deliver(
                    "jt808", phone, address, device.binding, device.fixes, messages=device.messages
                )
            if replies:
                writer.write(b"".join(replies))
                await writer.drain()

    return run


def _jt808_message(
    gateway: Gateway,
    message: jt808.Message,
    binding: Binding,
    serial: int,
    zone: int,
    pending: _Pending,
) -> bytes:
    """One message's answer; its fixes join ``pending`` (delivered before any answer is sent)."""
    if message.message_id == jt808.REGISTER:
        code = gateway.auth_code(binding.device)
        return jt808.register_response(message, serial, jt808.OK, code)
    fixes = pending.fixes
    try:
        if message.message_id == jt808.LOCATION:
            fixes.append(jt808.location(message.body, zone))
        elif message.message_id == jt808.BATCH:
            batch, refused = jt808.batch(message.body, zone)
            fixes.extend(batch)
            for item in refused:
                gateway.refuse("jt808", item)
        elif message.message_id not in (jt808.HEARTBEAT, jt808.AUTHENTICATE):
            gateway.refuse("jt808", Refused("unsupported", f"message 0x{message.message_id:04x}"))
            return jt808.general_response(message, serial, jt808.NOT_SUPPORTED)
    except Refused as refused:  # received and understood as unusable: answered, not resent
        gateway.refuse("jt808", refused)
    return jt808.general_response(message, serial, jt808.OK)
