"""What linkage refuses, in its own words; each refusal carries its HTTP status and stable code,
and the kit answers it as problem+json."""

from __future__ import annotations

from contracts.problems import NotAllowed, NotAuthenticated, Refusal

__all__ = ["NotAllowed", "NotAuthenticated", "PublicationNotFound", "RecordNotFound"]


class RecordNotFound(Refusal):
    """No current record: an unknown person, or one still pending (``missing`` says for what)."""

    status = 404
    code = "record_not_found"
    title = "No monitoring record"

    def __init__(self, missing: list[str]) -> None:
        super().__init__(f"pending: missing {', '.join(missing)}" if missing else None)
        self.missing = missing


class PublicationNotFound(Refusal):
    """No publication with that id."""

    status = 404
    code = "publication_not_found"
    title = "No such publication"
