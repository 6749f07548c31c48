"""Tracking: device decoders, the MQTT ingestion pipeline, storage and derived journey facts."""
