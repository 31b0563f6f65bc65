import secrets
from typing import Any

import pytest
from pydantic import SecretStr

from ingest.config import Settings
from ketenkit import InsecureSettingsError

PRODUCTION: dict[str, Any] = {
    "env": "production",
    "admin_token": SecretStr("a-strong-admin-token-" + "x" * 20),
    "kafka_security_protocol": "SASL_SSL",
    "kafka_username": "ingest",
    "kafka_password": SecretStr("k" * 40),
}


def test_production_requires_a_pseudonym_key_and_says_how_to_make_one() -> None:
    with pytest.raises(InsecureSettingsError, match="KETENMONITOR_PSEUDONYM_KEY") as caught:
        Settings(**PRODUCTION)
    assert "secrets.token_urlsafe(32)" in str(caught.value)


@pytest.mark.parametrize("key", ["a" * 44, "k" * 64, "short", "not a key at all!"])
def test_a_weak_or_unreadable_key_is_refused_in_every_mode(key: str) -> None:
    for mode in (PRODUCTION, {}):
        with pytest.raises(InsecureSettingsError, match="KETENMONITOR_PSEUDONYM_KEY") as caught:
            Settings(**mode, pseudonym_key=SecretStr(key))
        assert "secrets.token_urlsafe(32)" in str(caught.value)
        assert key not in str(caught.value)


@pytest.mark.parametrize("key", [secrets.token_urlsafe(32), secrets.token_hex(32)])
def test_production_accepts_a_random_key(key: str) -> None:
    settings = Settings(**PRODUCTION, pseudonym_key=SecretStr(key))
    assert key not in repr(settings)


def test_dev_mode_may_leave_the_key_to_the_data_dir() -> None:
    assert Settings().pseudonym_key is None
