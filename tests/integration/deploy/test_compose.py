"""docker-compose.yml and the Dockerfiles, checked without a Docker engine."""

from __future__ import annotations

import importlib
import re
import secrets
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import SecretStr

from contracts.access import PRINCIPALS
from ketenkit.kafka_access import ADMIN_PASSWORD_ENV, PASSWORD_ENV
from ketenkit.local_kafka import LocalKafka

ROOT = Path(__file__).parents[3]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = {"registry": 8001, "ingest": 8002, "linkage": 8003, "portal": 8000}
KAFKA_SERVICES = ("registry", "ingest", "linkage")


def env_names(settings_class: Any) -> set[str]:
    names: set[str] = set()
    for name, field in settings_class.model_fields.items():
        alias = field.validation_alias
        if alias is not None and hasattr(alias, "choices"):
            names.update(str(choice) for choice in alias.choices if str(choice).isupper())
        else:
            names.add(f"KETENMONITOR_{name.upper()}")
    return names


@pytest.mark.parametrize("service", SERVICES)
def test_every_environment_variable_is_a_real_setting(service: str) -> None:
    settings_class = importlib.import_module(f"{service}.config").Settings
    environment = COMPOSE["services"][service]["environment"]
    assert set(environment) <= env_names(settings_class), set(environment) - env_names(
        settings_class
    )


@pytest.mark.parametrize("service", SERVICES)
def test_production_settings_accept_the_compose_environment(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in COMPOSE["services"][service]["environment"].items():
        # A random value of 32 bytes (base64url) passes every secret's rules, the key's too.
        strong = secrets.token_urlsafe(32)
        monkeypatch.setenv(name, re.sub(r"\$\{[^}]+\}", strong, str(value)))
    settings = importlib.import_module(f"{service}.config").Settings()
    assert settings.env == "production"
    assert settings.http_port == SERVICES[service]
    assert settings.database_url.endswith(f"/{service}")


@pytest.mark.parametrize("service", SERVICES)
def test_ports_and_healthchecks_exist(service: str, tmp_path: Path) -> None:
    definition = COMPOSE["services"][service]
    assert definition["ports"] == [f"127.0.0.1:{SERVICES[service]}:{SERVICES[service]}"]
    health = " ".join(definition["healthcheck"]["test"])
    path = re.search(rf"127\.0\.0\.1:{SERVICES[service]}(/[\w/]+)", health)
    assert path is not None
    config = importlib.import_module(f"{service}.config")
    options: dict[str, Any] = {"database_url": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"}
    if service in KAFKA_SERVICES:
        options["admin_token"] = SecretStr("t" * 40)
    app = importlib.import_module(f"{service}.app").create_app(config.Settings(**options))
    paths = set(app.openapi()["paths"]) | _paths(app.routes)
    assert path.group(1) in paths
    assert "/metrics" in paths


@pytest.mark.parametrize("service", SERVICES)
def test_each_dockerfile_installs_its_service_as_a_non_root_user(service: str) -> None:
    definition = COMPOSE["services"][service]
    dockerfile = (
        ROOT / definition["build"]["context"] / definition["build"]["dockerfile"]
    ).read_text()
    assert f"--package ketenmonitor-{service}" in dockerfile
    assert re.search(r"^USER (?!root)\S+", dockerfile, flags=re.M)
    assert "HEALTHCHECK" in dockerfile
    assert f'CMD ["python", "-m", "{service}"]' in dockerfile
    # The image listens on 0.0.0.0, which dev mode refuses: it runs production mode itself.
    assert re.search(r"^\s*KETENMONITOR_ENV=production", dockerfile, flags=re.M)
    assert definition["depends_on"]["postgres"]["condition"] == "service_healthy"
    if service in KAFKA_SERVICES:
        assert definition["depends_on"]["kafka"]["condition"] == "service_healthy"
    else:  # the portal speaks HTTP to the services and nothing else
        assert "kafka" not in definition["depends_on"]
        assert not any("KAFKA" in name for name in definition["environment"])


def test_secrets_are_required_and_nothing_else_listens_outside_loopback() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    for secret in (
        "POSTGRES_PASSWORD",
        "KETENMONITOR_ADMIN_TOKEN",
        "KETENMONITOR_PSEUDONYM_KEY",
        "KETENMONITOR_READER_TOKEN",
        "GRAFANA_ADMIN_PASSWORD",
        "KETENMONITOR_PORTAL_SECRET",
        "KAFKA_ADMIN_PASSWORD",
        *(f"KAFKA_{p.name.upper()}_PASSWORD" for p in PRINCIPALS),
    ):
        uses = re.findall(rf"\$\{{{secret}([^}}]*)\}}", text)
        assert uses, secret
        assert all(use.startswith(":?") for use in uses), secret
    for name, definition in COMPOSE["services"].items():
        if name == "kafka":
            continue
        for port in definition.get("ports", []):
            assert port.startswith("127.0.0.1:"), name
    # Kafka publishes only the partners' TLS listener, on loopback unless the operator says so.
    assert COMPOSE["services"]["kafka"]["ports"] == ["${KAFKA_PARTNERS_BIND:-127.0.0.1}:9094:9094"]
    kafka = COMPOSE["services"]["kafka"]["environment"]
    assert "PARTNERS:SASL_SSL" in kafka["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"]
    assert kafka["KAFKA_LISTENER_NAME_PARTNERS_SASL_ENABLED_MECHANISMS"] == "SCRAM-SHA-512"
    assert "KAFKA_TLS_BROKER_PEM:?" in text
    assert "ports" not in COMPOSE["services"]["postgres"]


def test_prometheus_scrapes_the_compose_services() -> None:
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    targets = {
        job["job_name"]: job["static_configs"][0]["targets"][0] for job in config["scrape_configs"]
    }
    assert targets == {name: f"{name}:{port}" for name, port in SERVICES.items()}
    volumes = COMPOSE["services"]["prometheus"]["volumes"]
    assert any(v.startswith("./deploy/prometheus:") for v in volumes)


def _paths(routes: Any, prefix: str = "") -> set[str]:
    """Every route's path, through included routers (the portal hides its pages from OpenAPI)."""
    found: set[str] = set()
    for route in routes:
        path = prefix + str(getattr(route, "path", ""))
        found.add(path)
        found |= _paths(getattr(route, "routes", ()), path)
    return found


def _image_property(env_name: str) -> str:
    """The apache/kafka image's rule: KAFKA_ stripped, ___ is -, __ is _, _ is ."""
    name = env_name.removeprefix("KAFKA_").lower()
    return name.replace("___", "-").replace("__", "\0").replace("_", ".").replace("\0", "_")


def test_compose_kafka_is_secured_like_the_local_launcher(tmp_path: Path) -> None:
    environment = COMPOSE["services"]["kafka"]["environment"]
    compose = {_image_property(k): str(v) for k, v in environment.items() if k != "KAFKA_HEAP_OPTS"}
    launcher = dict(
        line.split("=", 1)
        for line in LocalKafka(admin_password="pw", data_dir=tmp_path, tls=True)._listener_config()
    )
    # Addresses and the key store's path differ by nature; everything else is the same.
    addresses = {
        "listeners",
        "advertised.listeners",
        "listener.name.partners.ssl.keystore.location",
    }
    assert set(launcher) - addresses <= set(compose), set(launcher) - set(compose)
    for key, value in launcher.items():
        if key in addresses:
            continue
        expected = value.replace('"pw"', '"${KAFKA_ADMIN_PASSWORD:?set KAFKA_ADMIN_PASSWORD}"')
        assert compose[key] == expected, key
    assert "PLAINTEXT:PLAINTEXT" not in compose["listener.security.protocol.map"]


def test_compose_provisions_every_principal_and_services_log_in_as_themselves() -> None:
    provision = COMPOSE["services"]["kafka-provision"]
    assert provision["command"][:3] == ["python", "-m", "ketenkit.kafka_access"]
    environment = provision["environment"]
    assert ADMIN_PASSWORD_ENV in environment
    for principal in PRINCIPALS:
        assert PASSWORD_ENV.format(principal.name.upper()) in environment, principal.name
    for service in KAFKA_SERVICES:
        env = COMPOSE["services"][service]["environment"]
        assert env["KETENMONITOR_KAFKA_USERNAME"] == service
        assert env["KETENMONITOR_KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
        assert f"KAFKA_{service.upper()}_PASSWORD" in env["KETENMONITOR_KAFKA_PASSWORD"]
        assert COMPOSE["services"][service]["depends_on"]["kafka-provision"] == {
            "condition": "service_completed_successfully"
        }
