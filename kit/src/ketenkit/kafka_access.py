"""Provision a SASL-secured broker: topics, a SCRAM user per principal, and their ACLs.

The rules are ``contracts.access``; this module only applies them, as the super user, over the
admin's SASL/PLAIN login (or SCRAM-SHA-512 over SASL_SSL: ``--security-protocol SASL_SSL
--sasl-mechanism SCRAM-SHA-512 --ca-file ca.pem``). aiokafka has no ACL or SCRAM admin calls
(and Kafka 4 dropped the old CreateAcls versions it knows), so those go through confluent-kafka's
AdminClient.

    KETENMONITOR_KAFKA_ADMIN_PASSWORD=... KETENMONITOR_KAFKA_PASSWORD_COA=... \\
        python -m ketenkit.kafka_access --bootstrap kafka:9092

creates the catalogue's topics, a user for every principal whose
``KETENMONITOR_KAFKA_PASSWORD_<NAME>`` is set (again on every run: that is how a password is
rotated), and every principal's ACLs; a grant on the catalogue's topics or the principals' groups
that the rules no longer make is revoked. It is idempotent.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialUpsertion,
)

from contracts import CATALOGUE, create_topics
from contracts.access import ADMIN_PRINCIPAL, BY_PRINCIPAL, PRINCIPALS, Principal
from contracts.topics import TopicOptions
from ketenkit.settings import TopicSettings

logger = logging.getLogger(__name__)

SCRAM_ITERATIONS = 8192
#: Names of environment variables, not passwords.
PASSWORD_ENV = "KETENMONITOR_KAFKA_PASSWORD_{}"  # noqa: S105
ADMIN_PASSWORD_ENV = "KETENMONITOR_KAFKA_ADMIN_PASSWORD"  # noqa: S105


class ProvisioningError(RuntimeError):
    """The broker refused or did not confirm a step; the message says which."""


@dataclass(frozen=True, slots=True)
class AdminLogin:
    """The super user's login: SASL/PLAIN inside the broker's network (the user it knows before
    any provisioning), or SCRAM-SHA-512 over SASL_SSL where the broker has the admin as a SCRAM
    user (the local launcher's TLS mode makes it at format time)."""

    bootstrap: str
    password: str
    username: str = ADMIN_PRINCIPAL
    security_protocol: str = "SASL_PLAINTEXT"
    mechanism: str = "PLAIN"
    ca_file: str | None = None

    def confluent_config(self) -> dict[str, str | int | float | bool]:
        config: dict[str, str | int | float | bool] = {
            "bootstrap.servers": self.bootstrap,
            "security.protocol": self.security_protocol,
            "sasl.mechanism": self.mechanism,
            "sasl.username": self.username,
            "sasl.password": self.password,
        }
        if self.ca_file is not None:
            config["ssl.ca.location"] = self.ca_file
        return config

    def aiokafka_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {
            "security_protocol": self.security_protocol,
            "sasl_mechanism": self.mechanism,
            "sasl_plain_username": self.username,
            "sasl_plain_password": self.password,
        }
        if self.security_protocol == "SASL_SSL":
            options["ssl_context"] = ssl.create_default_context(cafile=self.ca_file)
        return options


def _binding(
    kind: ResourceType, name: str, pattern: ResourcePatternType, user: str, op: AclOperation
) -> AclBinding:
    return AclBinding(kind, name, pattern, f"User:{user}", "*", op, AclPermissionType.ALLOW)


def acl_bindings(principal: Principal, *, name_prefix: str = "") -> list[AclBinding]:
    """The ALLOW rules of one principal; the authorizer denies everything else.

    WRITE on a topic also allows idempotent producing (KIP-679); READ implies DESCRIBE, which
    consumers need for offsets and lag. Groups are prefixed with the principal's name.
    """
    topic, literal = ResourceType.TOPIC, ResourcePatternType.LITERAL
    bindings = [
        _binding(topic, name_prefix + t.name, literal, principal.name, op)
        for t in principal.writes
        for op in (AclOperation.WRITE, AclOperation.DESCRIBE)
    ]
    bindings += [
        _binding(topic, name_prefix + t.name, literal, principal.name, AclOperation.READ)
        for t in principal.reads
    ]
    if principal.reads:
        bindings.append(
            _binding(
                ResourceType.GROUP,
                f"{name_prefix}{principal.name}.",
                ResourcePatternType.PREFIXED,
                principal.name,
                AclOperation.READ,
            )
        )
    return bindings


def _wait_all(futures: Mapping[Any, Any], step: str) -> None:
    for what, future in futures.items():
        try:
            future.result()
        except Exception as exc:
            raise ProvisioningError(f"{step} failed for {what}: {exc}") from exc


def _apply(
    login: AdminLogin, passwords: Mapping[str, str], name_prefix: str, timeout: float
) -> None:
    admin = AdminClient(login.confluent_config())
    if passwords:
        upserts: list[Any] = [
            UserScramCredentialUpsertion(
                user,
                ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS),
                password.encode(),
            )
            for user, password in passwords.items()
        ]
        _wait_all(admin.alter_user_scram_credentials(upserts), "storing SCRAM credentials")
    wanted = [b for p in PRINCIPALS for b in acl_bindings(p, name_prefix=name_prefix)]
    _wait_all(admin.create_acls(wanted), "creating ACLs")
    # None matches any name, principal and host (the stubs say str; the docs say None).
    everything = AclBindingFilter(
        ResourceType.ANY,
        None,  # type: ignore[arg-type]
        ResourcePatternType.ANY,
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        AclOperation.ANY,
        AclPermissionType.ANY,
    )
    stale = _stale(set(admin.describe_acls(everything).result()), set(wanted), name_prefix)
    if stale:
        _wait_all(admin.delete_acls([_exactly(b) for b in stale]), "revoking ACLs")
        logger.info("kafka_acls_revoked", extra={"count": len(stale)})
    # The authorizer applies ACLs from the metadata log; return only once this broker shows
    # them, so a client started right after provisioning is neither refused nor let in.
    deadline = time.monotonic() + timeout
    while True:
        present = set(admin.describe_acls(everything).result())
        if present.issuperset(wanted) and not present & stale:
            return
        if time.monotonic() > deadline:
            raise ProvisioningError(f"ACLs not as wanted within {timeout}s")
        time.sleep(0.1)


def _stale(present: set[AclBinding], wanted: set[AclBinding], name_prefix: str) -> set[AclBinding]:
    """Grants to our principals on our resources that ``contracts.access`` no longer makes.

    Only the catalogue's topics and the principals' group prefixes (under ``name_prefix``)
    are ours to manage; anything else on the broker is left as it is.
    """
    principals = {f"User:{p.name}" for p in PRINCIPALS}
    resources = {
        (ResourceType.TOPIC, name_prefix + t.name, ResourcePatternType.LITERAL) for t in CATALOGUE
    } | {
        (ResourceType.GROUP, f"{name_prefix}{p.name}.", ResourcePatternType.PREFIXED)
        for p in PRINCIPALS
    }
    return {
        b
        for b in present - wanted
        if b.principal in principals and (b.restype, b.name, b.resource_pattern_type) in resources
    }


def _exactly(binding: AclBinding) -> AclBindingFilter:
    return AclBindingFilter(
        binding.restype,
        binding.name,
        binding.resource_pattern_type,
        binding.principal,
        binding.host,
        binding.operation,
        binding.permission_type,
    )


async def provision(
    login: AdminLogin,
    passwords: Mapping[str, str],
    *,
    name_prefix: str = "",
    topics: bool = True,
    timeout: float = 30.0,
    topic_options: TopicOptions | None = None,
) -> None:
    """Topics (with ``name_prefix``), SCRAM users for ``passwords`` and all principals' ACLs.

    ``topic_options``: replication factor, ``min.insync.replicas`` and feed retention
    (``ServiceSettings.topic_options``).
    """
    unknown = set(passwords) - set(BY_PRINCIPAL)
    if unknown:
        raise ProvisioningError(f"no such principal in contracts.access: {sorted(unknown)}")
    if topics:
        await create_topics(
            login.bootstrap,
            name_prefix=name_prefix,
            **(topic_options or TopicSettings().topic_options()),
            **login.aiokafka_options(),
        )
    await asyncio.to_thread(_apply, login, dict(passwords), name_prefix, timeout)
    logger.info("kafka_provisioned", extra={"users": sorted(passwords), "name_prefix": name_prefix})


def passwords_from_environment(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """``KETENMONITOR_KAFKA_PASSWORD_<NAME>`` for every principal that has one set."""
    found = {p.name: environ.get(PASSWORD_ENV.format(p.name.upper()), "") for p in PRINCIPALS}
    return {name: password for name, password in found.items() if password}


def _durability(settings: TopicSettings) -> TopicOptions:
    """The topics' settings from the environment; production below 3 replicas or 2 in sync
    is warned about (a broker lost would lose acknowledged events)."""
    options = settings.topic_options()
    if settings.env == "production" and (
        settings.kafka_replication_factor < 3 or settings.kafka_min_insync_replicas < 2
    ):
        message = (
            f"topics get replication factor {settings.kafka_replication_factor} and "
            f"min.insync.replicas {settings.kafka_min_insync_replicas}; production wants at "
            "least 3 and 2 (KETENMONITOR_KAFKA_REPLICATION_FACTOR, "
            "KETENMONITOR_KAFKA_MIN_INSYNC_REPLICAS)"
        )
        logger.warning("topic_durability_low", extra={"detail": message})
        print(f"WARNING: {message}")
    return options


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))
    parser.add_argument("--topic-prefix", default="")
    parser.add_argument(
        "--security-protocol", choices=("SASL_PLAINTEXT", "SASL_SSL"), default="SASL_PLAINTEXT"
    )
    parser.add_argument(
        "--sasl-mechanism",
        choices=("PLAIN", "SCRAM-SHA-512"),
        default="PLAIN",
        help="the admin's login: PLAIN inside the broker's network, SCRAM-SHA-512 over SASL_SSL",
    )
    parser.add_argument("--ca-file", help="CA bundle for SASL_SSL (the system's CAs when unset)")
    args = parser.parse_args(argv)
    admin_password = os.environ.get(ADMIN_PASSWORD_ENV, "")
    if not args.bootstrap or not admin_password:
        parser.error(f"--bootstrap (or KAFKA_BOOTSTRAP_SERVERS) and {ADMIN_PASSWORD_ENV} needed")
    passwords = passwords_from_environment()
    topic_options = _durability(TopicSettings())
    asyncio.run(
        provision(
            AdminLogin(
                args.bootstrap,
                admin_password,
                security_protocol=args.security_protocol,
                mechanism=args.sasl_mechanism,
                ca_file=args.ca_file,
            ),
            passwords,
            name_prefix=args.topic_prefix,
            topic_options=topic_options,
        )
    )
    missing = sorted(p.name for p in PRINCIPALS if p.name not in passwords)
    print(f"provisioned: topics, ACLs, users {', '.join(sorted(passwords)) or 'none'}")
    if missing:
        print(f"no password given (user not created or changed): {', '.join(missing)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
