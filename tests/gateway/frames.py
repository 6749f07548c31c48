"""Device frames built byte by byte from the public protocol descriptions, for the tests and the
benchmark (independent of the gateway's own encoders)."""

from __future__ import annotations

import struct
from datetime import datetime

from telematics.gateway.gt06 import crc_itu


def gt06_packet(protocol: int, content: bytes, serial: int) -> bytes:
    """78 78 | length | protocol | content | serial | CRC-ITU(length..serial) | 0D 0A."""
    body = bytes([1 + len(content) + 4, protocol]) + content + struct.pack(">H", serial)
    return b"\x78\x78" + body + struct.pack(">H", crc_itu(body)) + b"\x0d\x0a"


def gt06_login(imei: str, serial: int = 1, zone_hours: int | None = None) -> bytes:
    content = bytes.fromhex("0" + imei)
    if zone_hours is not None:
        value = abs(zone_hours) * 100
        word = (value << 4) | (0x08 if zone_hours < 0 else 0)
        content += b"\x00\x00" + struct.pack(">H", word)  # type id, then zone and language
    return gt06_packet(0x01, content, serial)


def gt06_gps_block(
    local: datetime, lat: float, lon: float, speed: int, course: int, sats: int = 9
) -> bytes:
    status = 0x1000 | (0x0400 if lat >= 0 else 0) | (0x0800 if lon < 0 else 0) | course
    return (
        bytes([local.year - 2000, local.month, local.day, local.hour, local.minute, local.second])
        + bytes([0xC0 | sats])
        + struct.pack(">II", round(abs(lat) * 1_800_000), round(abs(lon) * 1_800_000))
        + bytes([speed])
        + struct.pack(">H", status)
    )


LBS = struct.pack(">HBH", 452, 4, 0x1234) + b"\x00\x56\x78"  # MCC 452 (Viet Nam), MNC, LAC, cell


def gt06_gps(
    local: datetime, lat: float, lon: float, speed: int, course: int, serial: int
) -> bytes:
    return gt06_packet(0x12, gt06_gps_block(local, lat, lon, speed, course) + LBS, serial)


def gt06_alarm(local: datetime, lat: float, lon: float, serial: int, alarm: int = 0x01) -> bytes:
    content = gt06_gps_block(local, lat, lon, 30, 90) + bytes([9]) + LBS
    content += bytes([0x02 | 0x40, 0x04, 0x04, alarm, 0x02])  # ACC on; voltage, GSM, alarm, lang
    return gt06_packet(0x16, content, serial)


def gt06_status(serial: int, acc: bool = True) -> bytes:
    return gt06_packet(0x13, bytes([0x40 | (0x02 if acc else 0), 0x04, 0x04, 0x00, 0x02]), serial)


def jt808_frame(message_id: int, phone: str, serial: int, body: bytes) -> bytes:
    """7E | id, attributes (length), BCD[6] phone, serial | body | XOR | 7E, escaped."""
    inner = (
        struct.pack(">HH", message_id, len(body)) + bytes.fromhex(phone) + struct.pack(">H", serial)
    )
    inner += body
    check = 0
    for byte in inner:
        check ^= byte
    inner += bytes([check])
    return b"\x7e" + inner.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02") + b"\x7e"


def bcd(text: str) -> bytes:
    return bytes.fromhex(text)


def jt808_location_body(
    local: datetime,
    lat: float,
    lon: float,
    speed_kmh: float,
    direction: int,
    *,
    alarm: int = 0,
    acc: bool = True,
    odo_m: int | None = None,
    sats: int | None = None,
) -> bytes:
    status = 0x02 | (0x01 if acc else 0) | (0x04 if lat < 0 else 0) | (0x08 if lon < 0 else 0)
    body = struct.pack(
        ">IIIIHHH",
        alarm,
        status,
        round(abs(lat) * 1e6),
        round(abs(lon) * 1e6),
        12,
        round(speed_kmh * 10),
        direction,
    )
    body += bcd(local.strftime("%y%m%d%H%M%S"))
    if odo_m is not None:
        body += bytes([0x01, 4]) + struct.pack(">I", odo_m // 100)
    if sats is not None:
        body += bytes([0x31, 1, sats])
    return body


def jt808_batch_body(bodies: list[bytes], kind: int = 1) -> bytes:
    out = struct.pack(">HB", len(bodies), kind)
    for body in bodies:
        out += struct.pack(">H", len(body)) + body
    return out


def jt808_register_body(plate: str = "60C12345") -> bytes:
    return (
        struct.pack(">HH", 48, 0)
        + b"MAKER"
        + b"MODEL".ljust(20, b"\x00")
        + b"T000001"
        + bytes([1])
        + plate.encode()
    )
