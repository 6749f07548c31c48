"""The HTTP service: one FastAPI app for dispatchers, drivers, directors and admins."""
