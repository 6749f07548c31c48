"""The process starters: a server that cannot start says so at once, not after the timeout."""

from __future__ import annotations

import time

import pytest

from devtools.processes import START_TIMEOUT_S, start_api
from devtools.throwaway import BASE_URL


def test_an_api_that_exits_fails_at_once_with_its_exit_code() -> None:
    """An unknown environment makes the settings refuse to load: the process exits, and the
    starter reports it rather than polling /healthz for the whole start-up timeout."""
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="exited with"):
        start_api(BASE_URL, environment="nowhere")
    assert time.monotonic() - started < START_TIMEOUT_S / 2


def test_an_api_that_starts_answers_its_health_check(database_url: str) -> None:
    process, base = start_api(database_url)
    try:
        assert base.startswith("http://127.0.0.1:")
        assert process.poll() is None
    finally:
        process.terminate()
        process.wait(timeout=10)
