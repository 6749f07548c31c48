"""The ``coopfleet`` console command: one entry point per process kind."""
