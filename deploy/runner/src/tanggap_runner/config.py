"""What `make up` reads from the environment, validated before anything starts."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

SERVICES: tuple[str, ...] = ("intake", "classifier", "drafter", "notifier")
DEFAULT_HTTP_PORT = 8080
DEFAULT_BROKER_URL = "nats://127.0.0.1:4222"
DEFAULT_STATE_DIR = Path(".tanggap")
DEFAULT_GRACE_SECONDS = 30.0
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


class ConfigError(ValueError):
    """A setting has a value the runner cannot use; the message names the variable."""


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int

    @classmethod
    def parse(cls, url: str) -> "BrokerAddress":
        parts = urlsplit(url)
        if parts.scheme not in {"nats", "tls"} or not parts.hostname:
            raise ConfigError(f"TANGGAP_BROKER_URL must look like nats://127.0.0.1:4222, got {url!r}")
        try:
            port = parts.port or 4222
        except ValueError as exc:
            raise ConfigError(f"TANGGAP_BROKER_URL has an invalid port: {url!r}") from exc
        return cls(parts.hostname, port)

    @property
    def is_loopback(self) -> bool:
        return self.host in LOOPBACK_HOSTS


def parse_port(name: str, raw: str) -> int:
    try:
        port = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a port number (1-65535), got {raw!r}") from None
    if not 1 <= port <= 65535:
        raise ConfigError(f"{name} must be a port number (1-65535), got {raw!r}")
    return port


def parse_flag(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be 1/true/yes/on or 0/false/no/off, got {raw!r}")


def per_service_overrides(environ: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """`TANGGAP_<SVC>_<NAME>=v` becomes `TANGGAP_<NAME>=v` for that one service.

    Settings such as the database URL or a worker's port must differ between the four processes, while a plain
    `TANGGAP_<NAME>` reaches all of them.
    """
    overrides: dict[str, dict[str, str]] = {}
    for service in SERVICES:
        prefix = f"TANGGAP_{service.upper()}_"
        for key, value in environ.items():
            if key.startswith(prefix) and len(key) > len(prefix):
                overrides.setdefault(service, {})[f"TANGGAP_{key[len(prefix) :]}"] = value
    return overrides


@dataclass(frozen=True)
class RunnerConfig:
    """Settings of one local run; the services read their own settings from the environment."""

    state_dir: Path = DEFAULT_STATE_DIR
    http_port: int = DEFAULT_HTTP_PORT
    broker_url: str = DEFAULT_BROKER_URL
    external_broker: bool = False
    service_env: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    grace_seconds: float = DEFAULT_GRACE_SECONDS

    @property
    def broker(self) -> BrokerAddress:
        return BrokerAddress.parse(self.broker_url)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> "RunnerConfig":
        broker_url = environ.get("TANGGAP_BROKER_URL") or DEFAULT_BROKER_URL
        external = parse_flag("TANGGAP_EXTERNAL_BROKER", environ.get("TANGGAP_EXTERNAL_BROKER", ""))
        broker = BrokerAddress.parse(broker_url)
        if not external and not broker.is_loopback:
            raise ConfigError(
                f"TANGGAP_BROKER_URL points at {broker.host}, but the runner can only start a broker on this "
                "machine (127.0.0.1). To use that broker, set TANGGAP_EXTERNAL_BROKER=1."
            )
        overrides = per_service_overrides(environ)
        for service, values in overrides.items():
            if "TANGGAP_HTTP_PORT" in values:
                parse_port(f"TANGGAP_{service.upper()}_HTTP_PORT", values["TANGGAP_HTTP_PORT"])
        grace_raw = environ.get("TANGGAP_STOP_GRACE_SECONDS", "")
        try:
            grace = float(grace_raw) if grace_raw else DEFAULT_GRACE_SECONDS
        except ValueError:
            raise ConfigError(f"TANGGAP_STOP_GRACE_SECONDS must be a number, got {grace_raw!r}") from None
        http_port = environ.get("TANGGAP_HTTP_PORT") or f"{DEFAULT_HTTP_PORT}"
        return cls(
            state_dir=Path(environ.get("TANGGAP_STATE_DIR") or DEFAULT_STATE_DIR),
            http_port=parse_port("TANGGAP_HTTP_PORT", http_port),
            broker_url=broker_url,
            external_broker=external,
            service_env=overrides,
            grace_seconds=grace,
        )
