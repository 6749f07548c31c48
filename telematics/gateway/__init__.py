"""The device gateway: device protocols at the edge (OsmAnd/Traccar Client over HTTP, Traccar's
JSON forwarding, GT06 and JT/T 808 over TCP) turned into the JSON device contract and published
to the vehicle's topic, so every fix takes the one pipeline (checks, dead letters, storage).

The decoders (``osmand``, ``traccar``, ``gt06``, ``jt808``) are pure: bytes or parameters in,
frames and fixes out, no I/O. ``server`` does the I/O.
"""
