"""File storage: local disk, and an S3-compatible service (moto's server, spoken to over HTTP)."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from core.config import Settings
from core.storage import LocalStorage, S3Storage, sniff_image, storage_from
from devtools.ports import port_open
from tests.waiting import wait_until

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-p", str(port), "-H", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until(lambda: port_open(port), timeout=20, what="moto's server listening")
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(10)


def test_local_storage_round_trip_and_no_escape(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    key = store.put(JPEG, ".jpeg")
    assert store.put(JPEG, ".jpeg") == key  # content-addressed: a retry stores nothing new
    assert store.get(key) == JPEG
    with pytest.raises(KeyError):
        store.get("../../etc/passwd")


def test_s3_compatible_storage(s3_endpoint: str) -> None:
    credentials = {"access_key": "test", "secret_key": "test"}
    boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    ).create_bucket(Bucket="proofs")
    store = S3Storage("proofs", endpoint_url=s3_endpoint, **credentials)
    key = store.put(JPEG, ".jpeg")
    assert store.get(key) == JPEG
    configured = storage_from(
        Settings(
            storage_backend="s3",
            s3_endpoint_url=s3_endpoint,
            s3_bucket="proofs",
            s3_access_key="test",
            s3_secret_key="test",
        )
    )
    assert isinstance(configured, S3Storage) and configured.get(key) == JPEG


def test_images_are_known_by_their_content() -> None:
    assert sniff_image(JPEG) == "image/jpeg"
    assert sniff_image(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert sniff_image(b"\x00\x00\x00\x18ftypheic....") == "image/heic"
    assert sniff_image(b"%PDF-1.7") is None
