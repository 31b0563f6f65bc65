"""The pseudonym key's two pieces of local state: dev mode's key file and the stored fingerprint."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from contracts import PseudonymKeyInvalid, decode_pseudonym_key
from ingest.adapters.tables import KeyFingerprintRow
from ketenkit import Database

logger = logging.getLogger(__name__)
DEV_KEY_FILE = "pseudonym.key"


class PseudonymKeyChanged(RuntimeError):
    """The configured key is not the one ingest's data was made with, and no re-key was asked."""


def dev_key(data_dir: str | Path) -> str:
    """Dev mode's key: made once (random, 32 bytes) under ``data_dir`` with mode 0600, then reused.

    A stable key keeps pseudonyms the same across restarts, so persons keep joining.
    """
    path = Path(data_dir) / DEV_KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(_random_key() + "\n")
        logger.info("dev_pseudonym_key_created", extra={"path": str(path)})
    text = path.read_text().strip()
    decode_pseudonym_key(text)  # a hand-edited file is refused like a weak setting
    return text


def _random_key() -> str:
    while True:  # 32 random bytes almost never have fewer than 16 distinct values; never accept it
        text = secrets.token_urlsafe(32)
        with contextlib.suppress(PseudonymKeyInvalid):
            decode_pseudonym_key(text)
            return text


async def check_fingerprint(db: Database, fingerprint: str, *, rekey: str | None) -> None:
    """Store the key's fingerprint at first start; refuse another key unless ``rekey`` is the old.

    Without this a changed key would silently split every person into two pseudonyms.
    """
    try:
        await _check_fingerprint(db, fingerprint, rekey=rekey)
    except IntegrityError:  # another instance stored it first; judge against what it stored
        await _check_fingerprint(db, fingerprint, rekey=rekey)


async def _check_fingerprint(db: Database, fingerprint: str, *, rekey: str | None) -> None:
    async with db.transaction() as session:
        row = (await session.exec(select(KeyFingerprintRow))).first()
        if row is None:
            session.add(KeyFingerprintRow(id=1, fingerprint=fingerprint))
            logger.info("pseudonym_key_fingerprint_stored", extra={"fingerprint": fingerprint})
            return
        if row.fingerprint == fingerprint:
            return
        if rekey is not None and secrets.compare_digest(rekey.strip(), row.fingerprint):
            logger.warning(
                "pseudonym_key_changed",
                extra={"old_fingerprint": row.fingerprint, "fingerprint": fingerprint},
            )
            row.fingerprint = fingerprint
            session.add(row)
            return
    raise PseudonymKeyChanged(
        f"KETENMONITOR_PSEUDONYM_KEY has fingerprint {fingerprint}, but ingest's data was made "
        f"with the key of fingerprint {row.fingerprint}: the same person would get another "
        "pseudonym. Configure the old key, or acknowledge a deliberate re-key with "
        f"KETENMONITOR_PSEUDONYM_REKEY={row.fingerprint}"
    )
