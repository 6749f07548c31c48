"""The gateway's MQTT packets, byte by byte from the MQTT 3.1.1 specification, and its reading
of the broker's answers split across reads."""

from __future__ import annotations

import asyncio
import struct

import pytest

from telematics.gateway.broker import BrokerLink, _length, _Wire, connect_packet, publish_packet


@pytest.mark.parametrize(
    ("size", "encoded"),
    [
        (0, b"\x00"),
        (127, b"\x7f"),
        (128, b"\x80\x01"),
        (16_383, b"\xff\x7f"),
        (16_384, b"\x80\x80\x01"),
        (2_097_152, b"\x80\x80\x80\x01"),
    ],
)
def test_remaining_length_as_the_specification_encodes_it(size: int, encoded: bytes) -> None:
    assert _length(size) == encoded


def test_connect_names_the_protocol_the_account_and_a_clean_session() -> None:
    packet = connect_packet("gw-1", "api", "secret", 30)
    body = (
        b"\x00\x04MQTT\x04"  # protocol name and level 4 (3.1.1)
        + bytes([0b1100_0010])  # username, password, clean session
        + b"\x00\x1e"  # keepalive 30 s
        + b"\x00\x04gw-1\x00\x03api\x00\x06secret"
    )
    assert packet == b"\x10" + bytes([len(body)]) + body


def test_publish_with_qos_1_carries_topic_packet_id_and_payload() -> None:
    payload = b'{"lat":10.9}' * 20  # over 127 bytes: a two-byte remaining length
    packet = publish_packet(b"coopfleet/1/vehicles/2/telemetry", 513, payload)
    size = 2 + 32 + 2 + len(payload)
    assert packet[:3] == b"\x32" + _length(size)
    assert packet[3:5] == struct.pack(">H", 32)
    assert packet[5:37] == b"coopfleet/1/vehicles/2/telemetry"
    assert packet[37:39] == b"\x02\x01"
    assert packet[39:] == payload


def test_pubacks_split_and_joined_across_reads_resolve_their_publishes() -> None:
    async def scenario() -> list[int]:
        link = BrokerLink("127.0.0.1", 1, "a-secret-key-for-the-test-only-0123456789")
        acknowledged: list[int] = []
        link.acknowledged = acknowledged.append  # type: ignore[method-assign,assignment]
        wire = _Wire(link)
        stream = b"\x20\x02\x00\x00" + b"\x40\x02\x00\x07" + b"\xd0\x00" + b"\x40\x02\x01\x00"
        for cut in (1, 5, 6, 9):  # CONNACK, PUBACK 7, PINGRESP, PUBACK 256, cut anywhere
            wire.data_received(stream[:cut])
            stream = stream[cut:]
        wire.data_received(stream)
        assert wire.connack.result() == 0
        return acknowledged

    assert asyncio.run(scenario()) == [7, 256]
