"""A new person in the hot path has the defaults the table's model declares."""

from __future__ import annotations

from linkage.adapters.store import PERSON_COLUMNS, new_person
from linkage.adapters.tables import PersonRow


def test_a_new_person_is_the_models_default_row() -> None:
    model = PersonRow(pseudonym="p" * 64)
    assert new_person("p" * 64) == {name: getattr(model, name) for name in PERSON_COLUMNS}


def test_new_persons_share_no_mutable_value() -> None:
    first, second = new_person("a"), new_person("b")
    first["missing"].append("duo")
    assert second["missing"] == []
