"""Safe by default: the published placeholder secret is refused outside the test suite, and
``scripts/secret.sh`` (run by ``make demo``) gives each checkout its own random one."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from core.config import DEV_SECRET, Settings

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("environment", ["development", "production"])
def test_the_published_placeholder_is_refused_outside_tests(
    environment: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COOPFLEET_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="COOPFLEET_SECRET_KEY"):
        Settings(environment=environment, _env_file=None)
    with pytest.raises(ValidationError, match="COOPFLEET_SECRET_KEY"):
        Settings(environment=environment, secret_key=DEV_SECRET)
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(environment=environment, secret_key="too-short-for-hs256")
    strong = "k" * 40
    assert Settings(environment=environment, secret_key=strong).secret_key == strong


def test_the_test_suite_may_keep_a_placeholder() -> None:
    assert Settings(environment="test", secret_key=DEV_SECRET).secret_key == DEV_SECRET


def _checkout(tmp_path: Path) -> Path:
    """The script alone in a folder shaped like a checkout (it writes ``../.env``)."""
    (tmp_path / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "secret.sh", tmp_path / "scripts" / "secret.sh")
    return tmp_path


def _run(checkout: Path) -> None:
    subprocess.run(["bash", str(checkout / "scripts" / "secret.sh")], check=True)


def test_secret_script_writes_a_random_secret_once_and_keeps_it(tmp_path: Path) -> None:
    first, second = _checkout(tmp_path / "a"), _checkout(tmp_path / "b")
    (second / ".env").write_text("COOPFLEET_API_PORT=8001\n")
    _run(first)
    _run(second)
    written = (first / ".env").read_text()
    secret = written.removeprefix("COOPFLEET_SECRET_KEY=").strip()
    assert len(secret) >= 32 and secret != DEV_SECRET
    assert (first / ".env").stat().st_mode & 0o077 == 0  # only the owner reads it
    _run(first)
    assert (first / ".env").read_text() == written  # kept across runs
    other = (second / ".env").read_text().splitlines()
    assert other[0] == "COOPFLEET_API_PORT=8001"  # what was there stays
    assert other[1].startswith("COOPFLEET_SECRET_KEY=") and other[1] != written.strip()
    settings = Settings(environment="development", _env_file=first / ".env")
    assert settings.secret_key == secret


def test_dotenv_stays_out_of_docker_builds() -> None:
    ignored = (REPO / ".dockerignore").read_text().splitlines()
    assert ".env" in ignored


def test_dotenv_is_not_committed() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".env"],
        cwd=REPO,
        check=False,
    )
    assert ignored.returncode == 0


def test_compose_requires_a_secret_and_has_no_default() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    value = compose["x-app"]["environment"]["COOPFLEET_SECRET_KEY"]
    assert value.startswith("${COOPFLEET_SECRET_KEY:?") and "scripts/secret.sh" in value
    assert DEV_SECRET not in (REPO / "docker-compose.yml").read_text()
