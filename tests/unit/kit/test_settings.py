import pytest
from pydantic import SecretStr

from ketenkit import InsecureSettingsError, ServiceSettings

STRONG = "x" * 12 + "-strong-secret-value-123"


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


def test_production_accepts_a_strong_token_and_never_shows_it() -> None:
    settings = ServiceSettings(env="production", admin_token=SecretStr(STRONG))
    assert STRONG not in repr(settings)


def test_topic_prefix_applies_to_catalogue_names() -> None:
    assert ServiceSettings(topic_prefix="t1.").topic("feeds.coa.v1") == "t1.feeds.coa.v1"
