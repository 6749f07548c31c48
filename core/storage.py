"""File storage behind one small interface: local disk by default. Keys are opaque paths the
application makes (never user input), content-addressed so a retried upload stores nothing new.

Uploads never sit whole in memory: :func:`spool` copies one to a temporary file in chunks,
hashing and counting as it goes and stopping one byte past the limit; stores take the file."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from core.config import Settings

CHUNK = 64 * 1024
SNIFF_BYTES = 16  # enough for every signature sniff_image knows


@dataclass(frozen=True)
class Spooled:
    """An upload copied to a temporary file: its size (at most the limit + 1), SHA-256 and first
    bytes. The caller removes ``path`` (see :func:`discard`)."""

    path: Path
    size: int
    sha256: str
    head: bytes


async def spool(read: Callable[[int], Awaitable[bytes]], limit: int) -> Spooled:
    """Copy what ``read(n)`` gives to a temporary file, ``CHUNK`` bytes at a time, until the end
    or one byte past ``limit`` (so the caller can tell the upload is too large)."""
    digest, size, head = hashlib.sha256(), 0, b""
    handle, name = tempfile.mkstemp(prefix="coopfleet-upload-")
    with os.fdopen(handle, "wb") as out:
        while size <= limit:
            chunk = await read(min(CHUNK, limit + 1 - size))
            if not chunk:
                break
            if len(head) < SNIFF_BYTES:
                head += chunk[: SNIFF_BYTES - len(head)]
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    return Spooled(Path(name), size, digest.hexdigest(), head)


def discard(uploads: list[Spooled]) -> None:
    for upload in uploads:
        upload.path.unlink(missing_ok=True)


def _key(digest: str, suffix: str) -> str:
    return f"{digest[:2]}/{digest}{suffix}"


class Storage(Protocol):
    def put(self, data: bytes, suffix: str) -> str: ...

    def put_file(self, upload: Spooled, suffix: str) -> str:
        """Store a spooled upload under its content's key."""
        ...

    def get(self, key: str) -> bytes: ...


class LocalStorage:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def put(self, data: bytes, suffix: str) -> str:
        key = _key(hashlib.sha256(data).hexdigest(), suffix)
        path = self.root / key
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(path.suffix + ".part")
            temporary.write_bytes(data)
            os.replace(temporary, path)  # whole or not at all
        return key

    def put_file(self, upload: Spooled, suffix: str) -> str:
        key = _key(upload.sha256, suffix)
        path = self.root / key
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(path.suffix + ".part")
            shutil.copyfile(upload.path, temporary)
            os.replace(temporary, path)  # whole or not at all
        return key

    def get(self, key: str) -> bytes:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise KeyError(key)
        return path.read_bytes()


class S3Storage:
    """Any S3-compatible object store (AWS, MinIO, Ceph…), by endpoint URL and bucket."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None,
        access_key: str | None,
        secret_key: str | None,
        region: str = "us-east-1",
    ) -> None:
        import boto3  # only when configured

        self.bucket = bucket
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=region,
        )

    def put(self, data: bytes, suffix: str) -> str:
        key = _key(hashlib.sha256(data).hexdigest(), suffix)
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data)
        return key

    def put_file(self, upload: Spooled, suffix: str) -> str:
        key = _key(upload.sha256, suffix)
        self.client.upload_file(str(upload.path), self.bucket, key)  # multipart when large
        return key

    def get(self, key: str) -> bytes:
        answer = self.client.get_object(Bucket=self.bucket, Key=key)
        body: bytes = answer["Body"].read()
        return body


PROOF_IMAGE_TYPES = ("image/jpeg", "image/png", "image/heic")  # what sniff_image recognises


def sniff_image(data: bytes) -> str | None:
    """The image type from the content itself (never the file name): jpeg, png or heic."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[4:8] == b"ftyp" and data[8:12] in (
        b"heic",
        b"heix",
        b"mif1",
        b"heim",
        b"heis",
        b"hevc",
    ):
        return "image/heic"
    return None


def storage_from(settings: Settings) -> Storage:
    if settings.storage_backend == "s3":
        return S3Storage(
            settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            region=settings.s3_region,
        )
    return LocalStorage(settings.storage_dir)
