"""A real Apache Kafka (KRaft, one combined broker+controller) on loopback, without Docker.

The jars come from Maven Central through ``deploy/kafka/pom.xml`` into ``.cache/kafka/libs``.
The JVM gets a bounded heap and dies with its parent (``PR_SET_PDEATHSIG``), so an interrupted
test run or a killed ``make run`` leaves no orphan broker behind.

    python -m ketenkit.local_kafka --port 9092 [--data-dir .data/kafka] [--create-topics] [--secure]

``--secure`` (or ``LocalKafka(admin_password=...)``) starts it with SASL on every listener and
the StandardAuthorizer: the super user ``admin`` logs in with SASL/PLAIN; every other principal
of ``contracts.access`` is a SCRAM-SHA-512 user with only its own ACLs (``provision``).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import ctypes
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from contracts import create_topics
from contracts.access import PRINCIPALS
from ketenkit.kafka_access import (
    ADMIN_PASSWORD_ENV,
    PASSWORD_ENV,
    AdminLogin,
    passwords_from_environment,
    provision,
)
from ketenkit.tls import local_tls

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[3]
KAFKA_DIR = REPO_ROOT / "deploy" / "kafka"
LIBS_DIR = Path(os.environ.get("KETENMONITOR_KAFKA_LIBS", REPO_ROOT / ".cache" / "kafka" / "libs"))
_PR_SET_PDEATHSIG = 1


class LocalKafkaError(RuntimeError):
    """The local broker could not be assembled or started; the message says which step."""


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """Distinct free ports: each socket stays bound until all are, so none is handed out twice.

    Binding and closing one socket at a time lets the kernel give the same port again, and Kafka
    refuses two listeners on one port.
    """
    with contextlib.ExitStack() as stack:
        ports: list[int] = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket())
            sock.bind(("127.0.0.1", 0))
            ports.append(int(sock.getsockname()[1]))
        return ports


def ensure_jars(libs: Path = LIBS_DIR) -> Path:
    """Fetch the Kafka jars with Maven once; return the folder holding them."""
    if (libs / ".done").exists():
        return libs
    if shutil.which("mvn") is None:
        raise LocalKafkaError("Maven (mvn) is needed to fetch Kafka's jars: apt-get install maven")
    shutil.rmtree(libs, ignore_errors=True)
    command = [
        "mvn",
        "-q",
        "-B",
        "-f",
        str(KAFKA_DIR / "pom.xml"),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={libs}",
        "-DincludeScope=runtime",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise LocalKafkaError(
            f"fetching Kafka jars failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
        )
    (libs / ".done").touch()
    return libs


def kafka_version(libs: Path = LIBS_DIR) -> str:
    jar = next(libs.glob("kafka_2.13-*.jar"), None)
    return jar.stem.removeprefix("kafka_2.13-") if jar else "unknown"


def die_with_parent() -> None:
    """For ``Popen(preexec_fn=...)``: Linux SIGTERMs the child when the thread that started it
    dies (a killed test run or launcher leaves no orphan). Runs between fork and exec."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _cluster_id() -> str:
    # Like Kafka's Uuid.randomUuid: an id starting with "-" would read as an option.
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


class LocalKafka:
    """Start with ``start()`` (or ``with LocalKafka() as kafka``); ``bootstrap`` is the address."""

    def __init__(
        self,
        *,
        port: int | None = None,
        data_dir: Path | None = None,
        heap: str = "768m",
        libs: Path = LIBS_DIR,
        admin_password: str | None = None,
        tls: bool = False,
    ) -> None:
        if tls and admin_password is None:
            raise LocalKafkaError(
                "the TLS listener is part of the secure mode: give admin_password"
            )
        self._fixed_port = port is not None
        self.port, self.controller_port, tls_port = self._pick_ports(port)
        self._own_dir = data_dir is None
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix="ketenmonitor-kafka-"))
        self.heap = heap
        self.libs = libs
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.data_dir / "kafka.log"
        self.admin_password = admin_password
        self.tls = local_tls(self.data_dir / "tls") if tls else None
        self.tls_port = tls_port if tls else None

    @property
    def secure(self) -> bool:
        return self.admin_password is not None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def tls_bootstrap(self) -> str:
        """The partners' listener: SASL_SSL with SCRAM-SHA-512 (TLS mode only)."""
        if self.tls_port is None:
            raise LocalKafkaError("this broker runs without TLS; start it with tls=True")
        return f"127.0.0.1:{self.tls_port}"

    @property
    def version(self) -> str:
        return kafka_version(self.libs)

    def _listener_config(self) -> list[str]:
        if self.admin_password is None:
            return [
                f"listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
                f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
            ]
        # The admin's PLAIN login is static (it must work before any SCRAM user exists, and
        # controllers cannot use SCRAM); everyone else is a SCRAM user in the metadata log.
        plain = (
            "org.apache.kafka.common.security.plain.PlainLoginModule required "
            f'username="admin" password="{self.admin_password}" '
            f'user_admin="{self.admin_password}";'
        )
        scram = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
        listeners = f"BROKER://127.0.0.1:{self.port}"
        protocols = "BROKER:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT"
        partners: list[str] = []
        if self.tls is not None:
            # Partners (and an operator from elsewhere) come in over TLS, with SCRAM only.
            listeners += f",PARTNERS://127.0.0.1:{self.tls_port}"
            protocols += ",PARTNERS:SASL_SSL"
            partners = [
                "listener.name.partners.sasl.enabled.mechanisms=SCRAM-SHA-512",
                f"listener.name.partners.scram-sha-512.sasl.jaas.config={scram}",
                "listener.name.partners.ssl.keystore.type=PEM",
                f"listener.name.partners.ssl.keystore.location={self.tls.broker_pem}",
            ]
        return [
            f"listeners={listeners},CONTROLLER://127.0.0.1:{self.controller_port}",
            f"advertised.listeners={listeners}",
            f"listener.security.protocol.map={protocols}",
            "inter.broker.listener.name=BROKER",
            "sasl.mechanism.inter.broker.protocol=PLAIN",
            "sasl.mechanism.controller.protocol=PLAIN",
            "listener.name.broker.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512",
            f"listener.name.broker.plain.sasl.jaas.config={plain}",
            f"listener.name.broker.scram-sha-512.sasl.jaas.config={scram}",
            *partners,
            "listener.name.controller.sasl.enabled.mechanisms=PLAIN",
            f"listener.name.controller.plain.sasl.jaas.config={plain}",
            "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "super.users=User:admin",
            "allow.everyone.if.no.acl.found=false",
        ]

    def _write_config(self) -> Path:
        config = self.data_dir / "server.properties"
        config.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
                    "controller.listener.names=CONTROLLER",
                    *self._listener_config(),
                    f"log.dirs={self.data_dir / 'logs'}",
                    "num.partitions=1",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=6",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "auto.create.topics.enable=false",
                    # A deleted topic's files go at once: tests delete theirs, and a broker
                    # holding thousands of them open runs out of file descriptors.
                    "log.segment.delete.delay.ms=1000",
                    "log.initial.task.delay.ms=1000",
                    "",
                ]
            ),
            encoding="utf-8",
        )
        return config

    def _java(self, *args: str, heap: str | None = None) -> list[str]:
        java = shutil.which("java")
        if java is None:
            raise LocalKafkaError(
                "Java 17+ is needed for the local Kafka (apt-get install openjdk-17-jre)"
            )
        command = [java]
        if heap:
            command += [f"-Xmx{heap}", "-Xms128m", "-XX:+UseG1GC"]
        command += [
            f"-Dlog4j2.configurationFile={KAFKA_DIR / 'log4j2.properties'}",
            "-cp",
            f"{self.libs}/*",
            *args,
        ]
        return command

    def start(self, timeout: float = 60.0, attempts: int = 3) -> str:
        """Format (first time), start the broker, and return its address once it answers.

        Free ports are picked by binding and releasing them, so another process may take one
        before the JVM binds it; then the start is tried again on other ports.
        """
        for attempt in range(1, attempts + 1):
            try:
                return self._start_once(timeout)
            except LocalKafkaError as exc:
                if attempt == attempts or "Address already in use" not in str(exc):
                    raise
                logger.warning("local_kafka_port_taken", extra={"attempt": attempt})
                self.port, self.controller_port, tls_port = self._pick_ports(
                    self.port if self._fixed_port else None
                )
                if self.tls_port is not None:
                    self.tls_port = tls_port
        raise AssertionError("unreachable")

    @staticmethod
    def _pick_ports(fixed: int | None) -> tuple[int, int, int]:
        """The broker's, the controller's and the TLS listener's ports, all different."""
        while True:
            ports = free_ports(3)
            if fixed is None:
                return ports[0], ports[1], ports[2]
            others = [p for p in ports if p != fixed]
            if len(others) >= 2:
                return fixed, others[0], others[1]

    def _start_once(self, timeout: float) -> str:
        ensure_jars(self.libs)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self._write_config()
        config.chmod(0o600)  # holds the admin password in secure mode
        if not (self.data_dir / "logs" / "meta.properties").exists():
            # The admin is also a SCRAM user from the start, so it can log in over TLS too.
            scram = (
                ["--add-scram", f"SCRAM-SHA-512=[name=admin,password={self.admin_password}]"]
                if self.admin_password is not None
                else []
            )
            fmt = subprocess.run(  # noqa: S603
                self._java(
                    "kafka.tools.StorageTool",
                    "format",
                    "-t",
                    _cluster_id(),
                    "-c",
                    str(config),
                    *scram,
                ),
                capture_output=True,
                text=True,
                check=False,
            )
            if fmt.returncode != 0:
                raise LocalKafkaError(f"formatting KRaft storage failed:\n{fmt.stdout}{fmt.stderr}")
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603
            self._java("kafka.Kafka", str(config), heap=self.heap),
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise LocalKafkaError(f"Kafka exited at start; log:\n{self._log_tail()}")
            if self._answers():
                logger.info("local_kafka_started", extra={"bootstrap": self.bootstrap})
                return self.bootstrap
            time.sleep(0.2)
        self.stop()
        raise LocalKafkaError(f"Kafka did not answer within {timeout}s; log:\n{self._log_tail()}")

    def admin_login(self, *, over_tls: bool = False) -> AdminLogin:
        """The super user's login (secure mode only): PLAIN, or SCRAM over the TLS listener."""
        if self.admin_password is None:
            raise LocalKafkaError("this broker runs without SASL; start it with admin_password")
        if over_tls:
            assert self.tls is not None
            return AdminLogin(
                self.tls_bootstrap,
                self.admin_password,
                security_protocol="SASL_SSL",
                mechanism="SCRAM-SHA-512",
                ca_file=str(self.tls.ca_file),
            )
        return AdminLogin(self.bootstrap, self.admin_password)

    def provision(self, passwords: Mapping[str, str], *, name_prefix: str = "") -> None:
        """Topics, SCRAM users and ACLs of ``contracts.access`` (secure mode)."""
        asyncio.run(provision(self.admin_login(), passwords, name_prefix=name_prefix))

    def _answers(self) -> bool:
        if "Kafka Server started" not in self._log_tail(20_000):
            return False
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 1):
            return True
        return False

    def _log_tail(self, size: int = 4000) -> str:
        try:
            data = self.log_path.read_bytes()
        except OSError:
            return ""
        return data[-size:].decode("utf-8", "replace")

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the JVM (SIGTERM, then SIGKILL); remove a temporary data folder."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> LocalKafka:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def secure_credentials(path: Path) -> dict[str, str]:
    """The admin's and every principal's password, made up once and kept in ``path`` (0600).

    The file is an env file of ``KETENMONITOR_KAFKA_PASSWORD_<NAME>=...`` lines (what
    ``python -m ketenkit.kafka_access`` reads); a service runs with ``KETENMONITOR_KAFKA_USERNAME=
    <name>`` and its line's value as ``KETENMONITOR_KAFKA_PASSWORD``.
    """
    if path.exists():
        lines = path.read_text(encoding="utf-8").splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)
    names = [ADMIN_PASSWORD_ENV] + [PASSWORD_ENV.format(p.name.upper()) for p in PRINCIPALS]
    values = {name: secrets.token_urlsafe(32) for name in names}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=9092)
    parser.add_argument("--data-dir", type=Path, default=REPO_ROOT / ".data" / "kafka")
    parser.add_argument("--heap", default="768m")
    parser.add_argument("--create-topics", action="store_true")
    parser.add_argument(
        "--secure", action="store_true", help="SASL + ACLs; passwords in <data-dir>.credentials.env"
    )
    parser.add_argument(
        "--tls",
        action="store_true",
        help="with --secure: a SASL_SSL listener (SCRAM) for partners; CA in <data-dir>/tls",
    )
    args = parser.parse_args(argv)
    if args.tls and not args.secure:
        parser.error("--tls needs --secure")
    credentials: dict[str, str] = {}
    if args.secure:
        credentials = secure_credentials(args.data_dir.with_suffix(".credentials.env"))
    kafka = LocalKafka(
        port=args.port,
        data_dir=args.data_dir,
        heap=args.heap,
        admin_password=credentials.get(ADMIN_PASSWORD_ENV),
        tls=args.tls,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        bootstrap = kafka.start()
        print(
            f"Apache Kafka {kafka.version} (KRaft) on {bootstrap}; data in {kafka.data_dir}",
            flush=True,
        )
        if args.secure:
            kafka.provision(passwords_from_environment(credentials))
            print(
                "SASL on, ACLs of contracts.access applied; topics created; passwords in "
                f"{args.data_dir.with_suffix('.credentials.env')}",
                flush=True,
            )
        if kafka.tls is not None:
            print(
                f"SASL_SSL (SCRAM-SHA-512) for partners on {kafka.tls_bootstrap}; clients trust "
                f"{kafka.tls.ca_file} (KETENMONITOR_KAFKA_SSL_CAFILE)",
                flush=True,
            )
        elif args.create_topics:
            created = asyncio.run(create_topics(bootstrap))
            print(f"topics created: {', '.join(created) or 'none (all existed)'}", flush=True)
        print("Ctrl-C stops it.", flush=True)
        assert kafka.process is not None
        kafka.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        kafka.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
