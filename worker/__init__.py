"""Background work out of the API process, on a PostgreSQL job queue (procrastinate).

``queue`` is what the API needs (task names, deferring inside a transaction); ``plans`` and
``housekeeping`` are the jobs, calling domain code; ``main`` builds the procrastinate app and
runs ``coopfleet worker``.
"""
