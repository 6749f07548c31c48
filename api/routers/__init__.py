"""Routers grouped by audience and resource."""
