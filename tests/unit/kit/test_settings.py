from typing import Any

import pytest
from pydantic import SecretStr

from ketenkit import InsecureSettingsError, ServiceSettings

STRONG = "x" * 12 + "-strong-secret-value-123"
KAFKA_LOGIN: dict[str, Any] = {
    "kafka_security_protocol": "SASL_PLAINTEXT",
    "kafka_username": "registry",
    "kafka_password": SecretStr("k" * 40),
    "kafka_trusted_network": True,
}


def test_settings_read_the_shared_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "broker:29092")
    monkeypatch.setenv("KETENMONITOR_DATABASE_URL", "postgresql+asyncpg://u:p@db/x")
    monkeypatch.setenv("KETENMONITOR_ADMIN_TOKEN", STRONG)
    settings = ServiceSettings()
    assert settings.kafka_bootstrap_servers == "broker:29092"
    assert settings.database_url == "postgresql+asyncpg://u:p@db/x"
    assert settings.admin_token == SecretStr(STRONG)


def test_dev_mode_makes_up_an_admin_token_and_a_sqlite_store() -> None:
    settings = ServiceSettings(service_name="registry")
    assert settings.admin_token is not None
    assert len(settings.admin_token.get_secret_value()) >= 32
    assert settings.database_url == "sqlite+aiosqlite:///.data/registry.db"


@pytest.mark.parametrize("token", [None, "changeme", "secret", "short-but-not-default"])
def test_production_refuses_missing_default_or_short_admin_token(token: str | None) -> None:
    with pytest.raises(InsecureSettingsError, match="KETENMONITOR_ADMIN_TOKEN"):
        ServiceSettings(env="production", admin_token=SecretStr(token) if token else None)


def test_production_accepts_strong_secrets_and_never_shows_them() -> None:
    settings = ServiceSettings(env="production", admin_token=SecretStr(STRONG), **KAFKA_LOGIN)
    assert STRONG not in repr(settings)
    assert "k" * 40 not in repr(settings)


@pytest.mark.parametrize(
    ("login", "refusal"),
    [
        ({}, "PLAINTEXT"),
        ({**KAFKA_LOGIN, "kafka_sasl_mechanism": "PLAIN"}, "SCRAM-SHA-512"),
        ({**KAFKA_LOGIN, "kafka_sasl_mechanism": "SCRAM-SHA-256"}, "SCRAM-SHA-512"),
        (
            {**KAFKA_LOGIN, "kafka_trusted_network": False},
            "KETENMONITOR_KAFKA_TRUSTED_NETWORK",
        ),
        ({**KAFKA_LOGIN, "kafka_password": SecretStr("changeme")}, "KETENMONITOR_KAFKA_PASSWORD"),
    ],
)
def test_production_refuses_kafka_without_scram_or_unencrypted_outside_a_closed_network(
    login: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(InsecureSettingsError, match=refusal):
        ServiceSettings(env="production", admin_token=SecretStr(STRONG), **login)


def test_production_takes_scram_over_tls_or_over_plaintext_in_a_declared_closed_network() -> None:
    over_tls = {
        **KAFKA_LOGIN,
        "kafka_security_protocol": "SASL_SSL",
        "kafka_trusted_network": False,
    }
    ServiceSettings(env="production", admin_token=SecretStr(STRONG), **over_tls)
    ServiceSettings(env="production", admin_token=SecretStr(STRONG), **KAFKA_LOGIN)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.org"])  # noqa: S104
def test_dev_mode_refuses_to_listen_beyond_loopback(host: str) -> None:
    with pytest.raises(InsecureSettingsError, match="loopback"):
        ServiceSettings(http_host=host)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_dev_mode_listens_on_loopback(host: str) -> None:
    assert ServiceSettings(http_host=host).http_host == host


def test_production_may_listen_on_every_interface() -> None:
    settings = ServiceSettings(
        env="production",
        admin_token=SecretStr(STRONG),
        http_host="0.0.0.0",  # noqa: S104
        **KAFKA_LOGIN,
    )
    assert settings.http_host == "0.0.0.0"  # noqa: S104


def test_sasl_needs_a_username_and_a_password() -> None:
    with pytest.raises(ValueError, match="KETENMONITOR_KAFKA_USERNAME"):
        ServiceSettings(kafka_security_protocol="SASL_PLAINTEXT", kafka_username="ingest")


def test_the_kafka_login_reaches_faststream_and_aiokafka_alike() -> None:
    assert ServiceSettings().kafka_security() is None
    assert ServiceSettings().kafka_client_options() == {}
    options = ServiceSettings(**KAFKA_LOGIN).kafka_client_options()
    assert options["security_protocol"] == "SASL_PLAINTEXT"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_username"] == "registry"
    assert options["sasl_plain_password"] == "k" * 40
    over_tls = ServiceSettings(**{**KAFKA_LOGIN, "kafka_security_protocol": "SASL_SSL"})
    assert over_tls.kafka_client_options()["security_protocol"] == "SASL_SSL"
    assert over_tls.kafka_client_options()["ssl_context"] is not None


def test_topic_prefix_applies_to_catalogue_names() -> None:
    assert ServiceSettings(topic_prefix="t1.").topic("feeds.coa.v1") == "t1.feeds.coa.v1"


def test_topic_durability_comes_from_settings_and_production_is_warned_below_3_and_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from ketenkit.kafka_access import _durability
    from ketenkit.settings import TopicSettings

    options = _durability(TopicSettings(feed_retention_days=2))
    assert options == {
        "replication_factor": 1,
        "min_insync_replicas": 1,
        "feed_retention_ms": 2 * 86_400_000,
    }
    assert "WARNING" not in capsys.readouterr().out  # dev mode: one broker is fine
    _durability(TopicSettings(env="production", kafka_replication_factor=3))
    assert "min.insync.replicas 1" in capsys.readouterr().out
    _durability(
        TopicSettings(env="production", kafka_replication_factor=3, kafka_min_insync_replicas=2)
    )
    assert "WARNING" not in capsys.readouterr().out
