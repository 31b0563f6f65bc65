import random

from hypothesis import given
from hypothesis import strategies as st

from ingest.domain.keyset import KeySet

KEYS = st.integers(min_value=0, max_value=2**64 - 1)


@given(st.lists(KEYS, max_size=300), st.lists(KEYS, max_size=50), st.integers(1, 16))
def test_behaves_like_a_set(added: list[int], probes: list[int], buffer: int) -> None:
    keys, reference = KeySet(buffer=buffer), set()
    for key in added:
        assert (key in keys) == (key in reference)
        if key not in keys:
            keys.add(key)
            reference.add(key)
    for key in [*added, *probes]:
        assert (key in keys) == (key in reference)


def test_a_million_keys_take_about_eight_bytes_each() -> None:
    rng = random.Random(5)
    keys = KeySet()
    added = [rng.getrandbits(64) for _ in range(1_000_000)]
    for key in added:
        keys.add(key)
    stored = sum(run.buffer_info()[1] * run.itemsize for run in keys._runs) + len(keys._recent) * 8
    assert stored < 9 * len(added)
    assert len(keys._runs) <= 8  # few runs to search
    assert all(key in keys for key in added[::997])
    assert rng.getrandbits(64) not in keys
