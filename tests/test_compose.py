"""docker-compose.yml cannot run here (no Docker engine), so check what it names exists."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml

from cli.main import subcommand_names
from core.config import Settings

REPO = Path(__file__).resolve().parent.parent
ONE_SHOT = {"migrate", "seed", "demo-day", "mqtt-accounts"}


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return data


def test_every_service_is_healthchecked_or_one_shot() -> None:
    services = _compose()["services"]
    for name, service in services.items():
        assert name in ONE_SHOT or "healthcheck" in service, name
        if name in ONE_SHOT:
            assert service.get("restart") == "no", name


def test_commands_are_subcommands_of_the_cli() -> None:
    known = subcommand_names()
    for name, service in _compose()["services"].items():
        command = service.get("command")
        if command and command[0] == "coopfleet":
            assert command[1] in known, f"{name}: coopfleet {command[1]}"


def test_mounted_files_and_build_context_exist() -> None:
    compose = _compose()
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (REPO / source).exists(), f"{name}: {source}"
            else:
                assert source in compose["volumes"], f"{name}: volume {source}"
        if "build" in service:
            assert (REPO / service["build"] / "Dockerfile").exists()


def test_environment_names_real_settings() -> None:
    fields = {f"COOPFLEET_{name.upper()}" for name in Settings.model_fields}
    for name, service in _compose()["services"].items():
        for variable in service.get("environment", {}):
            if variable.startswith("COOPFLEET_"):
                assert variable in fields, f"{name}: {variable}"


def test_background_jobs_have_a_worker_service() -> None:
    """Plans and sweeps run in `coopfleet worker`, not the API: compose must start one."""
    commands = [service.get("command") for service in _compose()["services"].values()]
    assert ["coopfleet", "worker"] in commands


def test_dependencies_name_existing_services() -> None:
    services = _compose()["services"]
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"


def test_docker_broker_config_matches_the_local_one() -> None:
    """The two broker files differ only in paths: the limits that keep messages are the same."""
    local = (REPO / "deploy/mosquitto/mosquitto.conf").read_text().splitlines()
    docker = (REPO / "deploy/mosquitto/mosquitto.docker.conf").read_text().splitlines()
    keys = (
        "persistence ",
        "max_inflight_messages",
        "max_queued_messages",
        "max_queued_bytes",
        "max_packet_size",
        "allow_anonymous",
        "persistent_client_expiration",
        "per_listener_settings",
        "use_username_as_clientid",
    )
    for key in keys:
        assert [line for line in local if line.startswith(key)] == [
            line for line in docker if line.startswith(key)
        ], key


def test_only_the_devices_listener_is_published() -> None:
    """Vehicles reach the listener that makes their client id their vehicle id; the services'
    listener (where a client chooses its id) stays on the compose network."""
    compose = _compose()
    environment = compose["x-app"]["environment"]
    device_port = environment["COOPFLEET_MQTT_DEVICE_PORT"]
    service_port = environment["COOPFLEET_MQTT_PORT"]
    assert device_port != service_port
    published = [str(port).split(":")[-1] for port in compose["services"]["mqtt"]["ports"]]
    assert published == [device_port]
    docker = (REPO / "deploy/mosquitto/mosquitto.docker.conf").read_text().splitlines()
    listeners = [line.split()[1] for line in docker if line.startswith("listener ")]
    assert sorted(listeners) == sorted([device_port, service_port])
    forced = docker.index("use_username_as_clientid true")
    owner = [n for n, line in enumerate(docker) if line.startswith("listener ")]
    assert docker[max(n for n in owner if n < forced)].split()[1] == device_port


def test_the_image_copies_every_installed_package() -> None:
    """The Dockerfile names its packages one by one: a package setuptools installs but the image
    does not copy fails only at ``pip install`` or, worse, at the first import in production."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    packages = {
        pattern.rstrip("*")
        for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    copied = {
        line.split()[1]
        for line in (REPO / "Dockerfile").read_text().splitlines()
        if line.startswith("COPY ") and "--from" not in line
    }
    assert packages <= copied, sorted(packages - copied)
