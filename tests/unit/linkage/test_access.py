import pytest

from contracts.problems import NotAllowed, NotAuthenticated
from linkage.domain.access import identify, require_admin


def test_the_two_tokens_name_the_two_callers() -> None:
    assert identify("a" * 32, admin_token="a" * 32, reader_token="r" * 32) == "admin"
    assert identify("r" * 32, admin_token="a" * 32, reader_token="r" * 32) == "reader"


@pytest.mark.parametrize("token", [None, "", "x" * 32, "a" * 31])
def test_any_other_token_is_not_authenticated(token: str | None) -> None:
    with pytest.raises(NotAuthenticated):
        identify(token, admin_token="a" * 32, reader_token=None)


def test_an_empty_reader_token_opens_nothing() -> None:
    with pytest.raises(NotAuthenticated):
        identify("", admin_token="a" * 32, reader_token="")


def test_per_person_data_is_the_admins_only() -> None:
    require_admin("admin")
    with pytest.raises(NotAllowed):
        require_admin("reader")
