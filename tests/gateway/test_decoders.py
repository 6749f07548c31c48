"""The pure decoders, fed frames built byte by byte: whole, split, concatenated, spoiled."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from telematics.gateway import gt06, jt808, osmand, traccar
from telematics.gateway.fix import Fix, Refused, contract_payload
from tests.gateway import frames

LOCAL = datetime(2026, 11, 24, 10, 15, 7)  # the device's clock


def test_crc_itu_is_crc16_x25_and_matches_the_published_login_example() -> None:
    assert gt06.crc_itu(b"123456789") == 0x906E
    login = bytes.fromhex("78780D01012345678901234500018CDD0D0A")
    [packet] = gt06.Splitter().feed(login)
    assert isinstance(packet, gt06.Packet)
    assert gt06.decode(packet, 0) == gt06.Login("123456789012345", None)
    assert gt06.reply(packet) == bytes.fromhex("787805010001D9DC0D0A")


def test_gt06_stream_split_across_reads_and_concatenated() -> None:
    stream = (
        frames.gt06_login("865432100012345", 1)
        + frames.gt06_gps(LOCAL, 10.957, 106.842, 42, 178, 2)
        + frames.gt06_status(3)
        + frames.gt06_alarm(LOCAL, -10.5, -60.25, 4)
    )
    splitter = gt06.Splitter()
    read: list[gt06.Packet | Refused] = []
    for at in range(0, len(stream), 7):  # seven bytes per read
        read += splitter.feed(stream[at : at + 7])
    assert gt06.Splitter().feed(stream) == read
    packets = [p for p in read if isinstance(p, gt06.Packet)]
    assert len(packets) == len(read)
    assert [p.protocol for p in packets] == [0x01, 0x12, 0x13, 0x16]
    location = gt06.decode(packets[1], 420)  # a tracker keeping UTC+7
    assert isinstance(location, gt06.Location)
    fix = location.fix
    assert fix.time == datetime(2026, 11, 24, 3, 15, 7, tzinfo=UTC)
    assert (round(fix.lat, 5), round(fix.lon, 5), fix.speed, fix.heading, fix.sats) == (
        10.957,
        106.842,
        42.0,
        178,
        9,
    )
    alarm = gt06.decode(packets[3], 0)
    assert isinstance(alarm, gt06.Location)
    assert (round(alarm.fix.lat, 4), round(alarm.fix.lon, 4)) == (-10.5, -60.25)
    assert alarm.fix.ign is True and alarm.fix.alarm == 0x01
    assert gt06.decode(packets[2], 0) == gt06.Status(ign=True)


def test_gt06_login_time_zone() -> None:
    [packet] = gt06.Splitter().feed(frames.gt06_login("865432100012345", 1, zone_hours=8))
    assert isinstance(packet, gt06.Packet)
    assert gt06.decode(packet, 0) == gt06.Login("865432100012345", 480)
    [west] = gt06.Splitter().feed(frames.gt06_login("865432100012345", 1, zone_hours=-5))
    assert isinstance(west, gt06.Packet)
    assert gt06.decode(west, 0) == gt06.Login("865432100012345", -300)


def test_gt06_bad_crc_garbage_and_truncation_are_refused_and_the_next_packet_survives() -> None:
    good = frames.gt06_status(9)
    spoiled = bytearray(frames.gt06_gps(LOCAL, 10.9, 106.8, 1, 2, 8))
    spoiled[10] ^= 0xFF
    out = gt06.Splitter().feed(b"GET / HTTP/1.1\r\n" + bytes(spoiled) + good)
    reasons = [item.reason for item in out if isinstance(item, Refused)]
    assert reasons == ["garbage", "bad_checksum"]
    assert [p.serial for p in out if isinstance(p, gt06.Packet)] == [9]
    short = frames.gt06_packet(0x12, b"\x1a\x0b", 5)  # a GPS packet with 2 bytes of content
    [packet] = gt06.Splitter().feed(short)
    assert isinstance(packet, gt06.Packet)
    with pytest.raises(Refused) as refused:
        gt06.decode(packet, 0)
    assert refused.value.reason == "truncated"
    no_date = frames.gt06_packet(0x12, frames.gt06_gps_block(LOCAL, 1, 1, 1, 1)[:0] + bytes(18), 6)
    [packet] = gt06.Splitter().feed(no_date)
    assert isinstance(packet, gt06.Packet)
    with pytest.raises(Refused):
        gt06.decode(packet, 0)


def test_gt06_endless_garbage_is_refused_with_a_bounded_buffer() -> None:
    splitter = gt06.Splitter(max_bytes=1024)
    for _ in range(10):  # short-form junk: refused piece by piece, never piling up
        out = splitter.feed(b"\x78\x78\xff" + b"\x00" * 500)
        assert all(isinstance(item, Refused) for item in out)
        assert len(splitter.buffer) <= 1024
    with pytest.raises(Refused) as refused:  # a long packet claiming 64 KiB
        splitter.feed(b"\x79\x79\xff\xff" + b"\x00" * 100)
    assert refused.value.reason == "oversized"
    assert len(splitter.buffer) == 0


PHONE = "013912345678"


def test_jt808_escaping_checksum_and_location_with_additional_items() -> None:
    body = frames.jt808_location_body(
        LOCAL, 10.957, 106.842, 42.5, 178, alarm=0x02, odo_m=152_340_100, sats=11
    )
    frame = frames.jt808_frame(0x0200, PHONE, 0x7E7D, body)  # the serial needs escaping
    assert b"\x7d\x02" in frame and b"\x7d\x01" in frame
    [message] = jt808.Splitter().feed(frame)
    assert isinstance(message, jt808.Message)
    assert (message.message_id, message.phone, message.serial) == (0x0200, PHONE, 0x7E7D)
    fix = jt808.location(message.body, 480)
    assert fix.time == datetime(2026, 11, 24, 2, 15, 7, tzinfo=UTC)  # BCD time in UTC+8
    assert (fix.lat, fix.lon, fix.speed, fix.heading) == (10.957, 106.842, 42.5, 178)
    assert (fix.odo, fix.sats, fix.ign, fix.alarm, fix.alt) == (152_340_100, 11, True, 2, 12.0)
    reply = jt808.general_response(message, 5)
    [answer] = jt808.Splitter().feed(reply)
    assert isinstance(answer, jt808.Message)
    assert answer.message_id == 0x8001 and answer.body == bytes.fromhex("7e7d020000")


def test_jt808_batch_split_and_concatenated_with_a_bad_item() -> None:
    items = [frames.jt808_location_body(LOCAL, 10.9 + n / 100, 106.8, 30, 90) for n in range(3)]
    items.append(items[0][:4] + b"\x00\x00\x00\x00" + items[0][8:])  # not positioned
    stream = frames.jt808_frame(0x0002, PHONE, 1, b"") + frames.jt808_frame(
        0x0704, PHONE, 2, frames.jt808_batch_body(items)
    )
    splitter = jt808.Splitter()
    out = []
    for at in range(0, len(stream), 5):
        out += splitter.feed(stream[at : at + 5])
    assert [m.message_id for m in out if isinstance(m, jt808.Message)] == [0x0002, 0x0704]
    fixes, refused = jt808.batch(out[1].body, 480)  # type: ignore[union-attr]
    assert [round(f.lat, 2) for f in fixes] == [10.9, 10.91, 10.92]
    assert [r.reason for r in refused] == ["not_positioned"]


def test_jt808_spoiled_frames_are_refused_and_others_survive() -> None:
    good = frames.jt808_frame(0x0002, PHONE, 7, b"")
    bad_check = bytearray(frames.jt808_frame(0x0002, PHONE, 8, b""))
    bad_check[-2] ^= 0x01
    bad_escape = b"\x7e\x00\x02\x7d\x05\x7e"
    lying_length = frames.jt808_frame(0x0200, PHONE, 9, b"")[:3] + b"\x05" + b"\x7e"
    out = jt808.Splitter().feed(b"noise" + bytes(bad_check) + bad_escape + lying_length + good)
    reasons = [m.reason for m in out if isinstance(m, Refused)]
    assert reasons[0] == "garbage" and "bad_checksum" in reasons and "malformed" in reasons
    assert [m.serial for m in out if isinstance(m, jt808.Message)] == [7]
    with pytest.raises(Refused) as refused:
        jt808.location(b"\x00" * 10, 480)
    assert refused.value.reason == "truncated"
    with pytest.raises(Refused) as refused:
        jt808.location(frames.jt808_location_body(LOCAL, 1, 1, 1, 1)[:22] + b"\xaa" * 6, 480)
    assert refused.value.reason == "bad_time"


def test_jt808_registration_answer_carries_the_code() -> None:
    [message] = jt808.Splitter().feed(
        frames.jt808_frame(0x0100, PHONE, 3, frames.jt808_register_body())
    )
    assert isinstance(message, jt808.Message)
    assert jt808.registration_plate(message.body) == "60C12345"
    [answer] = jt808.Splitter().feed(jt808.register_response(message, 1, jt808.OK, "abc123"))
    assert isinstance(answer, jt808.Message)
    assert answer.message_id == 0x8100 and answer.body == b"\x00\x03\x00abc123"


def test_osmand_query_form_of_traccar_client() -> None:
    identifier, fix = osmand.decode_query(
        {
            "id": "865432100012345",
            "timestamp": "1795836907",
            "lat": "10.957",
            "lon": "106.842",
            "speed": "10.0",  # knots
            "bearing": "178.4",
            "altitude": "12.5",
            "accuracy": "5.0",
            "batt": "87.0",
        }
    )
    assert identifier == "865432100012345"
    assert fix.time == datetime.fromtimestamp(1795836907, UTC)
    assert (fix.lat, fix.lon, round(fix.speed or 0, 3), fix.heading, fix.alt) == (
        10.957,
        106.842,
        18.52,
        178,
        12.5,
    )
    _, iso = osmand.decode_query(
        {"id": "x", "lat": "1", "lon": "2", "timestamp": "2026-11-24 03:15:07"}
    )
    assert iso.time == datetime(2026, 11, 24, 3, 15, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": "1", "lon": "2", "timestamp": "1"}, "id"),
        ({"id": "a", "lon": "2", "timestamp": "1"}, "lat"),
        ({"id": "a", "lat": "x", "lon": "2", "timestamp": "1"}, "lat"),
        ({"id": "a", "lat": "nan", "lon": "2", "timestamp": "1"}, "lat"),
        ({"id": "a", "lat": "1", "lon": "2", "timestamp": "soon"}, "timestamp"),
        ({"id": "a", "lat": "1", "lon": "2"}, "timestamp"),
    ],
)
def test_osmand_bad_query_names_the_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(Refused) as refused:
        osmand.decode_query(params)
    assert refused.value.field == field


def test_osmand_json_form() -> None:
    body = {
        "device_id": "865432100012345",
        "location": {
            "timestamp": "2026-11-24T03:15:07.000Z",
            "coords": {
                "latitude": 10.957,
                "longitude": 106.842,
                "speed": 5.0,
                "heading": -1,
                "altitude": 12,
                "accuracy": 4,
            },
            "is_moving": True,
            "odometer": 1234.5,
            "battery": {"level": 0.8, "is_charging": False},
        },
    }
    identifier, [fix] = osmand.decode_json(json.dumps(body).encode())
    assert identifier == "865432100012345"
    assert fix.time == datetime(2026, 11, 24, 3, 15, 7, tzinfo=UTC)
    assert (fix.speed, fix.heading, fix.odo) == (18.0, None, 1234)
    with pytest.raises(Refused) as refused:
        osmand.decode_json(b'{"device_id": "a", "location": {"timestamp": "x"}}')
    assert refused.value.reason == "invalid_field"
    with pytest.raises(Refused) as refused:
        osmand.decode_json(b"{not json")
    assert refused.value.reason == "malformed_json"


def test_traccar_forwarded_position() -> None:
    body = {
        "position": {
            "id": 1,
            "deviceId": 7,
            "protocol": "teltonika",
            "serverTime": "2026-11-24T03:15:09.000+00:00",
            "deviceTime": "2026-11-24T03:15:07.000+00:00",
            "fixTime": "2026-11-24T10:15:07.000+07:00",
            "valid": True,
            "latitude": 10.957,
            "longitude": 106.842,
            "altitude": 12.0,
            "speed": 20.0,
            "course": 359.6,
            "accuracy": 0.0,
            "attributes": {"ignition": True, "sat": 10, "totalDistance": 5000.4, "hdop": 0.8},
        },
        "device": {
            "id": 7,
            "name": "60C-123.45",
            "uniqueId": "352093081234567",
            "status": "online",
        },
    }
    identifier, fix = traccar.decode(json.dumps(body).encode())
    assert identifier == "352093081234567"
    assert fix.time == datetime(2026, 11, 24, 3, 15, 7, tzinfo=UTC)
    assert (round(fix.speed or 0, 2), fix.heading, fix.ign, fix.sats, fix.odo, fix.hdop) == (
        37.04,
        0,
        True,
        10,
        5000,
        0.8,
    )
    body["position"]["valid"] = False
    with pytest.raises(Refused) as refused:
        traccar.decode(json.dumps(body).encode())
    assert refused.value.reason == "not_positioned"
    with pytest.raises(Refused) as refused:
        traccar.decode(b'{"position": {"latitude": 1}, "device": {"uniqueId": "a"}}')
    assert refused.value.field is not None and "position" in refused.value.field


def test_contract_payload_is_one_position_or_a_batch() -> None:
    fix = Fix(datetime(2026, 11, 24, 3, 15, 7, tzinfo=UTC), 10.9, 106.8, speed=42.0, heading=1)
    one = json.loads(contract_payload([fix], "DEV-1"))
    assert one == {
        "time": "2026-11-24T03:15:07Z",
        "lat": 10.9,
        "lon": 106.8,
        "speed": 42.0,
        "heading": 1,
        "device": "DEV-1",
    }
    assert len(json.loads(contract_payload([fix, fix], "DEV-1"))["positions"]) == 2
