"""GT06 (Concox) over TCP: packets, CRC-ITU, the messages a tracker sends and the replies it needs.

A packet is ``78 78 | length | protocol | content | serial(2) | crc(2) | 0D 0A`` (``79 79`` with a
two-byte length for long packets); ``length`` counts protocol to CRC, the CRC-ITU (CRC-16/X.25)
covers length to serial. Login (0x01), status/heartbeat (0x13, 0x23) and alarms (0x16, 0x26)
must be answered with the same protocol number and serial; GPS packets (0x12, 0x22) need no
answer. Times are the tracker's clock: UTC unless the login names a time zone, or the
installation's default for GT06 (``COOPFLEET_GATEWAY_GT06_UTC_OFFSET_MINUTES``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field, replace

from telematics.gateway.fix import Fix, Refused, device_time

LOGIN = 0x01
GPS = 0x12
STATUS = 0x13
ALARM = 0x16
HEARTBEAT = 0x23
GPS_4G = 0x22
ALARM_4G = 0x26
ANSWERED = frozenset({LOGIN, STATUS, ALARM, HEARTBEAT, ALARM_4G})
_GPS_BLOCK = 18  # date-time 6, satellites 1, latitude 4, longitude 4, speed 1, course-status 2


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc_table()


def crc_itu(data: bytes) -> int:
    """CRC-ITU as GT06 uses it (CRC-16/X.25: reflected 0x1021, start and final XOR 0xFFFF)."""
    crc = 0xFFFF
    for byte in data:
        crc = (crc >> 8) ^ _TABLE[(crc ^ byte) & 0xFF]
    return crc ^ 0xFFFF


@dataclass(frozen=True, slots=True)
class Packet:
    protocol: int
    content: bytes
    serial: int


def build_packet(protocol: int, content: bytes, serial: int) -> bytes:
    """A packet as a tracker or the server sends it (short form up to 255 bytes of length)."""
    length = 1 + len(content) + 2 + 2
    if length <= 0xFF:
        head, size = b"\x78\x78", bytes([length])
    else:
        head, size = b"\x79\x79", struct.pack(">H", length)
    body = size + bytes([protocol]) + content + struct.pack(">H", serial)
    return head + body + struct.pack(">H", crc_itu(body)) + b"\r\n"


def reply(packet: Packet) -> bytes:
    """The acknowledgement of a login, status or alarm packet: its protocol and serial echoed."""
    return build_packet(packet.protocol, b"", packet.serial)


@dataclass
class Splitter:
    """Cuts a TCP stream into packets: split across reads, several in one read, garbage skipped.

    ``feed`` returns packets and refusals in stream order. A buffer that grows past
    ``max_bytes`` without a packet is a stream that is not GT06: ``Refused`` is raised and the
    caller closes the connection.
    """

    max_bytes: int = 4096
    buffer: bytearray = field(default_factory=bytearray)

    def feed(self, data: bytes) -> list[Packet | Refused]:
        self.buffer += data
        out: list[Packet | Refused] = []
        while True:
            start = self._resync(out)
            if start is None:
                break
            long_form = self.buffer[0] == 0x79
            head = 4 if long_form else 3
            if len(self.buffer) < head:
                break
            length = struct.unpack_from(">H", self.buffer, 2)[0] if long_form else self.buffer[2]
            total = head + length + 2
            if length < 5:
                out.append(Refused("malformed", f"packet length {length} is too short", "length"))
                del self.buffer[:2]
                continue
            if total > self.max_bytes:
                self.buffer.clear()
                raise Refused("oversized", f"a packet of {total} bytes", "length")
            if len(self.buffer) < total:
                break
            raw = bytes(self.buffer[:total])
            checked = raw[2 : total - 4]
            if raw[-2:] != b"\r\n":
                out.append(Refused("malformed", "packet does not end with 0D 0A", "stop"))
                del self.buffer[:2]
                continue
            del self.buffer[:total]
            if struct.unpack(">H", raw[total - 4 : total - 2])[0] != crc_itu(checked):
                out.append(Refused("bad_checksum", "CRC-ITU does not match", "crc"))
                continue
            body = checked[head - 2 :]
            out.append(Packet(body[0], body[1:-2], struct.unpack(">H", body[-2:])[0]))
        if len(self.buffer) > self.max_bytes:
            self.buffer.clear()
            raise Refused("oversized", f"no packet within {self.max_bytes} bytes", "stream")
        return out

    def _resync(self, out: list[Packet | Refused]) -> int | None:
        """Drop bytes before the next start marker (counted as one refusal)."""
        if not self.buffer:
            return None
        at = 0
        while at < len(self.buffer):
            if self.buffer[at] in (0x78, 0x79) and (
                at + 1 == len(self.buffer) or self.buffer[at + 1] == self.buffer[at]
            ):
                break
            at += 1
        if at:
            out.append(Refused("garbage", f"{at} bytes before a start marker", "start"))
            del self.buffer[:at]
        if len(self.buffer) < 2:
            return None
        return 0


@dataclass(frozen=True, slots=True)
class Login:
    imei: str
    utc_offset_minutes: int | None  # the zone the tracker's clock keeps, when the login says


@dataclass(frozen=True, slots=True)
class Status:
    ign: bool


@dataclass(frozen=True, slots=True)
class Location:
    fix: Fix
    realtime: bool


Message = Login | Status | Location


def bcd_digits(data: bytes) -> str:
    digits = data.hex()
    if not digits.isdigit():
        raise Refused("malformed", "identifier is not BCD digits", "terminal_id")
    return digits


def decode(packet: Packet, utc_offset_minutes: int) -> Message:
    """One packet's meaning; ``utc_offset_minutes`` is the zone of the tracker's clock."""
    content = packet.content
    if packet.protocol == LOGIN:
        if len(content) < 8:
            raise Refused("truncated", "login without an 8-byte terminal id", "terminal_id")
        imei = bcd_digits(content[:8]).lstrip("0") or "0"
        zone = None
        if len(content) >= 12:
            word = struct.unpack_from(">H", content, 10)[0]
            value = word >> 4
            zone = (value // 100) * 60 + value % 100
            if word & 0x08:
                zone = -zone
        return Login(imei, zone)
    if packet.protocol in (STATUS, HEARTBEAT):
        if not content:
            raise Refused("truncated", "status without terminal information", "content")
        return Status(bool(content[0] & 0x02))
    if packet.protocol in (GPS, GPS_4G):
        fix = _gps(content, utc_offset_minutes)
        realtime = True
        ign = None
        if packet.protocol == GPS_4G and len(content) >= _GPS_BLOCK + 11:
            ign = bool(content[_GPS_BLOCK + 8])
            realtime = content[_GPS_BLOCK + 10] == 0
        return Location(_with(fix, ign=ign), realtime)
    if packet.protocol in (ALARM, ALARM_4G):
        fix = _gps(content, utc_offset_minutes)
        lbs = content[_GPS_BLOCK] if len(content) > _GPS_BLOCK else 0
        info_at = _GPS_BLOCK + max(lbs, 1)
        ign = bool(content[info_at] & 0x02) if len(content) > info_at else None
        alarm = content[info_at + 3] if len(content) > info_at + 3 else None
        return Location(_with(fix, ign=ign, alarm=alarm), True)
    raise Refused("unsupported", f"protocol number 0x{packet.protocol:02x}", "protocol")


def _with(fix: Fix, ign: bool | None = None, alarm: int | None = None) -> Fix:
    return replace(fix, ign=fix.ign if ign is None else ign, alarm=alarm)


def _gps(content: bytes, utc_offset_minutes: int) -> Fix:
    if len(content) < _GPS_BLOCK:
        raise Refused("truncated", f"GPS block needs {_GPS_BLOCK} bytes, got {len(content)}", "gps")
    year, month, day, hour, minute, second, sats_byte = content[:7]
    lat_raw, lon_raw, speed, course = struct.unpack_from(">IIBH", content, 7)
    if not course & 0x1000:
        raise Refused("not_positioned", "the tracker has no GPS fix", "course_status")
    lat = lat_raw / 1_800_000
    lon = lon_raw / 1_800_000
    if not course & 0x0400:
        lat = -lat
    if course & 0x0800:
        lon = -lon
    return Fix(
        time=device_time(2000 + year, month, day, hour, minute, second, utc_offset_minutes),
        lat=lat,
        lon=lon,
        speed=float(speed),
        heading=(course & 0x03FF) % 360,
        sats=sats_byte & 0x0F,
    )
