"""The local broker's listeners each get a port of their own.

Kafka refuses a PLAINTEXT and a CONTROLLER listener on one port; picking ports one at a time,
each socket closed before the next is bound, let the kernel hand out the same port twice (it did
in CI).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ketenkit.local_kafka import LocalKafka, free_ports


@contextmanager
def kernel_reusing_ports() -> Iterator[None]:
    """A kernel that gives the lowest port not bound right now, as Linux may after a close."""
    bound: set[int] = set()
    original_bind = socket.socket.bind
    original_close = socket.socket.close

    class Socket(socket.socket):
        def bind(self, address: object) -> None:
            port = next(p for p in range(41000, 42000) if p not in bound)
            bound.add(port)
            self._port = port
            original_bind(self, ("127.0.0.1", 0))

        def getsockname(self) -> tuple[str, int]:
            return ("127.0.0.1", self._port)

        def close(self) -> None:
            bound.discard(getattr(self, "_port", -1))
            original_close(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket, "socket", Socket)
        yield


def test_free_ports_are_distinct_even_when_the_kernel_reuses_a_closed_port() -> None:
    with kernel_reusing_ports():
        assert len(set(free_ports(5))) == 5


def test_the_broker_s_listeners_never_share_a_port(tmp_path: Path) -> None:
    with kernel_reusing_ports():
        kafka = LocalKafka(data_dir=tmp_path, admin_password="x" * 20, tls=True)
        fixed = LocalKafka(port=41001, data_dir=tmp_path / "fixed")
    assert len({kafka.port, kafka.controller_port, kafka.tls_port}) == 3
    assert fixed.port == 41001
    assert fixed.controller_port != 41001
