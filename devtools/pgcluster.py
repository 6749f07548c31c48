"""A private, throwaway PostgreSQL cluster for tests and benchmarks that stop the database.

Fault tests (PostgreSQL stopped mid-stream) must never stop the machine's own cluster: the demo,
other checkouts or a real installation may be using it. This runs ``initdb`` into a temporary
folder and serves it on a free port with trust authentication, from the same binaries as the
machine's server, so PostGIS is available. As root, PostgreSQL runs as the ``postgres`` OS user
(initdb refuses root). The sibling of ``devtools.broker.LocalBroker``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from devtools.ports import free_port

SERVER_USER = "postgres"


def server_binaries() -> Path:
    """The newest installed PostgreSQL whose share folder has PostGIS (Debian's layout first)."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True
    )
    for bin_dir in candidates:
        version = bin_dir.parent.name
        postgis = Path(f"/usr/share/postgresql/{version}/extension/postgis.control")
        if (bin_dir / "initdb").exists() and postgis.exists():
            return bin_dir
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError("no PostgreSQL server binaries (initdb) with PostGIS found")


class PrivateCluster:
    """``initdb`` + ``pg_ctl`` in a temporary folder; ``stop()``/``start()`` fault only it."""

    def __init__(self, port: int | None = None) -> None:
        self.bin_dir = server_binaries()
        self.port = port or free_port()
        # Not under pytest's tmp_path: the server user could not enter a private (0700) folder.
        self.root = Path(tempfile.mkdtemp(prefix="coopfleet-pg-"))
        self.data_dir = self.root / "data"
        self.log_file = self.root / "postgresql.log"
        self._as_server_user = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", SERVER_USER, "--"] if self._as_server_user else []
        subprocess.run([*prefix, *args], check=True, stdout=subprocess.DEVNULL)  # noqa: S603

    def init(self) -> PrivateCluster:
        if self._as_server_user:
            user = pwd.getpwnam(SERVER_USER)
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self._run(
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        return self

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c shared_buffers=32MB -c max_connections=60"
        )
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data_dir),
            "-l",
            str(self.log_file),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        """A fast shutdown: open connections are cut, as in a real outage."""
        self._run(
            str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"
        )

    @property
    def running(self) -> bool:
        try:
            psycopg.connect(self.dsn("postgres"), connect_timeout=2).close()
        except psycopg.OperationalError:
            return False
        return True

    def dsn(self, database: str) -> str:
        """A libpq URL (psycopg)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def url(self, database: str) -> str:
        """The SQLAlchemy URL the settings take."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new database migrated to head (``alembic upgrade head``); its SQLAlchemy URL."""
        from migrations import upgrade

        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        upgrade(self.url(name))
        return self.url(name)

    def destroy(self) -> None:
        """Stop the server if it runs and delete every file."""
        if (self.data_dir / "postmaster.pid").exists():
            try:
                self.stop()
            except subprocess.CalledProcessError:
                time.sleep(0.5)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PrivateCluster:
        try:
            self.init().start()
        except BaseException:
            self.destroy()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.destroy()
