"""The pseudonym key as deployed: dev mode's key file, and the fingerprint guard against re-keys."""

import asyncio
import secrets
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from contracts import Pseudonymiser, create_topics
from ingest.adapters.keys import DEV_KEY_FILE, PseudonymKeyChanged, dev_key
from ingest.app import create_app

from .conftest import ingest_settings


def test_dev_mode_makes_a_random_key_once_private_and_reuses_it(tmp_path: Path) -> None:
    first = dev_key(tmp_path)
    path = tmp_path / DEV_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert dev_key(tmp_path) == first
    Pseudonymiser.from_text(first)  # a valid key of 32 random bytes
    assert dev_key(tmp_path / "elsewhere") != first


def _start(
    kafka_bootstrap: str, unique: str, tmp_path: Path, key: str | None, **extra: str
) -> None:
    settings = ingest_settings(kafka_bootstrap, unique, f"sqlite+aiosqlite:///{tmp_path / 'i.db'}")
    settings = settings.model_copy(
        update={
            "pseudonym_key": SecretStr(key) if key else None,
            "data_dir": str(tmp_path),
            **extra,
        }
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/health/ready").status_code == 200


def test_dev_mode_keeps_its_key_across_restarts(
    kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    asyncio.run(create_topics(kafka_bootstrap, name_prefix=unique))
    _start(kafka_bootstrap, unique, tmp_path, None)
    _start(kafka_bootstrap, unique, tmp_path, None)  # the stored fingerprint still matches
    assert (tmp_path / DEV_KEY_FILE).exists()


def test_another_key_is_refused_at_start_unless_the_rekey_names_the_old_fingerprint(
    kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    asyncio.run(create_topics(kafka_bootstrap, name_prefix=unique))
    old, new = secrets.token_urlsafe(32), secrets.token_hex(32)
    old_print = Pseudonymiser.from_text(old).fingerprint
    new_print = Pseudonymiser.from_text(new).fingerprint
    _start(kafka_bootstrap, unique, tmp_path, old)
    with pytest.raises(PseudonymKeyChanged) as refused:
        _start(kafka_bootstrap, unique, tmp_path, new)
    message = str(refused.value)
    assert f"KETENMONITOR_PSEUDONYM_REKEY={old_print}" in message
    assert new_print in message
    assert old not in message and new not in message
    with pytest.raises(PseudonymKeyChanged):  # a wrong acknowledgement is no acknowledgement
        _start(kafka_bootstrap, unique, tmp_path, new, pseudonym_rekey=new_print)
    _start(kafka_bootstrap, unique, tmp_path, new, pseudonym_rekey=old_print)
    _start(kafka_bootstrap, unique, tmp_path, new)  # the new key is now the stored one
    with pytest.raises(PseudonymKeyChanged):
        _start(kafka_bootstrap, unique, tmp_path, old)
