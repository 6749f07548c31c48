"""JT/T 808 over TCP: frames, escaping, checksum, the messages a terminal sends and the replies.

A frame is ``7E | header | body | checksum | 7E`` with 0x7E inside escaped as ``7D 02`` and 0x7D
as ``7D 01``; the checksum is the XOR of header and body. The header is message id (2), body
attributes (2: length in the low 10 bits, bit 13 sub-packets, bit 14 the 2019 version),
[protocol version (1), 2019], the terminal's phone number in BCD (6, or 10 in 2019), serial
(2), [sub-packet items (4)]. Location times are BCD ``YYMMDDhhmmss`` in UTC+8 per the standard
(``COOPFLEET_GATEWAY_JT808_UTC_OFFSET_MINUTES``, 480).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from telematics.gateway.fix import Fix, Refused, device_time

HEARTBEAT = 0x0002
REGISTER = 0x0100
AUTHENTICATE = 0x0102
LOCATION = 0x0200
BATCH = 0x0704
GENERAL_RESPONSE = 0x8001
REGISTER_RESPONSE = 0x8100

OK = 0
FAILED = 1
NOT_SUPPORTED = 3
NO_SUCH_TERMINAL = 4  # in a registration response

STATUS_ACC = 0x01
STATUS_POSITIONED = 0x02
STATUS_SOUTH = 0x04
STATUS_WEST = 0x08
_LOCATION_BASE = 28


def escape(data: bytes) -> bytes:
    return data.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02")


def unescape(data: bytes) -> bytes:
    if data.endswith(b"\x7d"):
        raise Refused("malformed", "frame ends inside an escape", "escape")
    out = bytearray()
    i = 0
    while i < len(data):
        byte = data[i]
        if byte == 0x7D:
            following = data[i + 1]
            if following not in (0x01, 0x02):
                raise Refused("malformed", f"bad escape 7D {following:02X}", "escape")
            out.append(0x7D if following == 0x01 else 0x7E)
            i += 2
        else:
            out.append(byte)
            i += 1
    return bytes(out)


def checksum(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


@dataclass(frozen=True, slots=True)
class Message:
    message_id: int
    phone: str  # the terminal's phone number: its identifier, BCD digits as sent
    phone_bcd: bytes
    serial: int
    body: bytes
    version: int | None  # the 2019 protocol version, None for 2013


def build_frame(
    message_id: int, phone_bcd: bytes, serial: int, body: bytes, version: int | None = None
) -> bytes:
    """A whole frame, escaped and delimited, as a terminal or the platform sends it."""
    attributes = len(body) & 0x03FF
    header = struct.pack(">HH", message_id, attributes | (0x4000 if version is not None else 0))
    if version is not None:
        header += bytes([version])
    header += phone_bcd + struct.pack(">H", serial)
    inner = header + body
    return b"\x7e" + escape(inner + bytes([checksum(inner)])) + b"\x7e"


def general_response(message: Message, serial: int, result: int = OK) -> bytes:
    """0x8001: the platform's answer to a message (its serial and id echoed) with a result."""
    body = struct.pack(">HHB", message.serial, message.message_id, result)
    return build_frame(GENERAL_RESPONSE, message.phone_bcd, serial, body, message.version)


def register_response(message: Message, serial: int, result: int, auth_code: str) -> bytes:
    """0x8100: the answer to a registration; the authentication code only on success."""
    body = struct.pack(">HB", message.serial, result)
    if result == OK:
        body += auth_code.encode("ascii")
    return build_frame(REGISTER_RESPONSE, message.phone_bcd, serial, body, message.version)


def parse_frame(inner: bytes) -> Message:
    """A frame's content between the 7E delimiters (still escaped) to a message."""
    data = unescape(inner)
    if len(data) < 13:
        raise Refused("truncated", f"frame of {len(data)} bytes is shorter than a header", "header")
    if checksum(data[:-1]) != data[-1]:
        raise Refused("bad_checksum", "XOR checksum does not match", "checksum")
    data = data[:-1]
    message_id, attributes = struct.unpack_from(">HH", data, 0)
    at = 4
    version = None
    phone_size = 6
    if attributes & 0x4000:
        version = data[at]
        at += 1
        phone_size = 10
    phone_bcd = data[at : at + phone_size]
    at += phone_size
    if len(data) < at + 2:
        raise Refused("truncated", "header cut short", "header")
    serial = struct.unpack_from(">H", data, at)[0]
    at += 2
    if attributes & 0x2000:
        raise Refused("unsupported", "sub-packaged messages are not supported", "attributes")
    body = data[at:]
    if len(body) != attributes & 0x03FF:
        raise Refused(
            "malformed", f"body is {len(body)} bytes, header says {attributes & 0x3FF}", "length"
        )
    phone = phone_bcd.hex()
    if not phone.isdigit():
        raise Refused("malformed", "terminal phone number is not BCD digits", "phone")
    return Message(message_id, phone, phone_bcd, serial, body, version)


@dataclass
class Splitter:
    """Cuts a TCP stream into frames between 7E delimiters: split reads, several frames per read,
    bytes outside frames skipped. Past ``max_bytes`` without a frame, ``Refused`` is raised."""

    max_bytes: int = 4096
    buffer: bytearray = field(default_factory=bytearray)

    def feed(self, data: bytes) -> list[Message | Refused]:
        self.buffer += data
        out: list[Message | Refused] = []
        while True:
            start = self.buffer.find(b"\x7e")
            if start < 0:
                if self.buffer:
                    out.append(Refused("garbage", f"{len(self.buffer)} bytes outside a frame"))
                self.buffer.clear()
                break
            if start:
                out.append(Refused("garbage", f"{start} bytes outside a frame"))
                del self.buffer[:start]
            end = self.buffer.find(b"\x7e", 1)
            if end < 0:
                break
            inner = bytes(self.buffer[1:end])
            if not inner:  # 7E 7E: the end of a lost frame and a start; keep the start
                del self.buffer[:1]
                continue
            del self.buffer[: end + 1]
            try:
                out.append(parse_frame(inner))
            except Refused as refused:
                out.append(refused)
        if len(self.buffer) > self.max_bytes:
            self.buffer.clear()
            raise Refused("oversized", f"no frame within {self.max_bytes} bytes", "stream")
        return out


def _bcd(byte: int) -> int:
    high, low = byte >> 4, byte & 0x0F
    if high > 9 or low > 9:
        raise Refused("bad_time", f"byte {byte:02X} is not BCD", "time")
    return high * 10 + low


def location(body: bytes, utc_offset_minutes: int) -> Fix:
    """A 0x0200 body (also each item of a 0x0704 batch): the fix, with its additional items."""
    if len(body) < _LOCATION_BASE:
        raise Refused(
            "truncated", f"location needs {_LOCATION_BASE} bytes, got {len(body)}", "body"
        )
    alarm, status, lat_raw, lon_raw, alt, speed, direction = struct.unpack_from(">IIIIhHH", body, 0)
    if not status & STATUS_POSITIONED:
        raise Refused("not_positioned", "the terminal has no GNSS fix", "status")
    parts = [_bcd(byte) for byte in body[22:28]]
    year, month, day, hour, minute, second = parts
    time = device_time(2000 + year, month, day, hour, minute, second, utc_offset_minutes)
    lat = lat_raw / 1e6 * (-1 if status & STATUS_SOUTH else 1)
    lon = lon_raw / 1e6 * (-1 if status & STATUS_WEST else 1)
    extra: dict[str, float | int] = {}
    at = _LOCATION_BASE
    while at + 2 <= len(body):
        item, size = body[at], body[at + 1]
        value = body[at + 2 : at + 2 + size]
        if len(value) < size:
            raise Refused("truncated", f"additional item 0x{item:02x} cut short", "additional")
        if item == 0x01 and size == 4:
            extra["odo"] = struct.unpack(">I", value)[0] * 100  # 1/10 km to metres
        elif item == 0x02 and size == 2:
            extra["fuel"] = struct.unpack(">H", value)[0] / 10  # 1/10 litre
        elif item == 0x31 and size == 1:
            extra["sats"] = value[0]
        at += 2 + size
    return Fix(
        time=time,
        lat=lat,
        lon=lon,
        speed=speed / 10,
        heading=direction % 360,
        alt=float(alt),
        ign=bool(status & STATUS_ACC),
        alarm=alarm or None,
        odo=int(extra["odo"]) if "odo" in extra else None,
        fuel=float(extra["fuel"]) if "fuel" in extra else None,
        sats=int(extra["sats"]) if "sats" in extra else None,
    )


def batch(body: bytes, utc_offset_minutes: int) -> tuple[list[Fix], list[Refused]]:
    """A 0x0704 body: count (2), type (1: 0 regular, 1 blind-area backlog), items each with a
    two-byte length. A bad item is refused on its own; the frame's layout must hold."""
    if len(body) < 3:
        raise Refused("truncated", "batch header cut short", "body")
    count = struct.unpack_from(">H", body, 0)[0]
    at = 3
    fixes: list[Fix] = []
    refused: list[Refused] = []
    for _ in range(count):
        if at + 2 > len(body):
            raise Refused("truncated", f"batch says {count} items, has fewer", "count")
        size = struct.unpack_from(">H", body, at)[0]
        item = body[at + 2 : at + 2 + size]
        if len(item) < size:
            raise Refused("truncated", "batch item cut short", "items")
        at += 2 + size
        try:
            fixes.append(location(item, utc_offset_minutes))
        except Refused as exc:
            refused.append(exc)
    return fixes, refused


def registration_plate(body: bytes) -> str:
    """The plate a 0x0100 registration names (2013 layout), for the log; GBK per the standard."""
    return body[37:].decode("gbk", errors="replace") if len(body) > 37 else ""
