"""The gateway's one path for every protocol: device identifier → vehicle → the contract's JSON →
the vehicle's topic with QoS 1, returning only once the broker has acknowledged (PUBACK).

A protocol handler answers its device only after ``deliver`` returns, so nothing a device was
told was received can be lost by a gateway crash: until the broker has it, the device keeps it.
The MQTT connection is ``telematics.gateway.broker.BrokerLink`` (the ``api`` service account on
the services' listener, as for phones), driven by the gateway's event loop. Every device heard,
bound or not, is tallied for the admins' page (``telematics.gateway.heard``).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass

from core.config import Settings
from telematics.contract import telemetry_topic
from telematics.gateway.broker import BrokerLink
from telematics.gateway.counters import Counters
from telematics.gateway.directory import Binding, Directory
from telematics.gateway.fix import Fix, Refused, contract_payload
from telematics.gateway.heard import HeardLog

log = logging.getLogger("coopfleet.gateway")


@dataclass
class GatewayConfig:
    secret_key: str
    gt06_utc_offset_minutes: int = 0
    jt808_utc_offset_minutes: int = 480
    idle_seconds: float = 600
    frame_max_bytes: int = 8192
    http_body_max_bytes: int = 262_144
    max_connections: int = 20_000
    metrics_token: str | None = None  # the bearer /metrics asks for; None: /metrics is closed


class Gateway:
    def __init__(
        self, config: GatewayConfig, directory: Directory, broker: BrokerLink, heard: HeardLog
    ) -> None:
        self.config = config
        self.directory = directory
        self.broker = broker
        self.heard = heard
        self.counters = Counters()

    @classmethod
    def from_settings(cls, settings: Settings) -> Gateway:
        config = GatewayConfig(
            secret_key=settings.secret_key,
            gt06_utc_offset_minutes=settings.gateway_gt06_utc_offset_minutes,
            jt808_utc_offset_minutes=settings.gateway_jt808_utc_offset_minutes,
            idle_seconds=settings.gateway_idle_seconds,
            frame_max_bytes=settings.gateway_frame_max_bytes,
            http_body_max_bytes=settings.gateway_http_body_max_bytes,
            max_connections=settings.gateway_max_connections,
            metrics_token=settings.metrics_token,
        )
        directory = Directory(settings.sync_database_url, settings.gateway_device_refresh_seconds)
        broker = BrokerLink(settings.mqtt_host, settings.mqtt_port, settings.secret_key)
        heard = HeardLog(settings.sync_database_url, settings.gateway_heard_flush_seconds)
        return cls(config, directory, broker, heard)

    def refuse(self, protocol: str, refused: Refused) -> None:
        self.counters.add(protocol, "refused", refused.reason)
        log.info("%s refused (%s): %s", protocol, refused.reason, refused.detail)

    async def bind(self, protocol: str, identifier: str, address: str | None) -> Binding:
        """The device's vehicle; an unknown, ambiguous or retired identifier is counted, listed
        as heard, and re-raised."""
        try:
            return await self.directory.lookup(identifier)
        except Refused as refused:
            self.refuse(protocol, refused)
            self.heard.hear(protocol, identifier, address, None, refusal=refused.reason)
            raise

    async def deliver(
        self,
        protocol: str,
        identifier: str,
        address: str | None,
        binding: Binding,
        fixes: list[Fix],
        *,
        messages: int = 1,
    ) -> None:
        """Publish the fixes on the vehicle's topic and wait for the broker's PUBACK; raises
        ``telematics.relay.BrokerUnavailable`` when the broker does not have them. ``messages``:
        the frames or requests these fixes came in (for the devices-heard tally)."""
        if fixes:
            topic = telemetry_topic(binding.cooperative_id, binding.vehicle_id)
            await self.broker.publish(topic, contract_payload(fixes, binding.device))
            self.counters.add(protocol, "fixes", amount=len(fixes))
        self.heard.hear(protocol, identifier, address, binding, messages=messages, fixes=len(fixes))

    def auth_code(self, identifier: str) -> str:
        """The JT/T 808 authentication code handed out at registration: derived, not stored."""
        digest = hmac.new(
            self.config.secret_key.encode(), f"jt808:{identifier}".encode(), hashlib.sha256
        )
        return digest.hexdigest()[:16]
