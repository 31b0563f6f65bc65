"""The Helm chart, checked without a cluster: its generated parts are current, `helm lint
--strict` passes, and what `helm template` renders for several values files is valid Kubernetes
(the schemas kubernetes-validate ships, offline), valid for the operators (their CRDs at pinned
releases) and keeps the project's rules."""

from __future__ import annotations

import copy
import importlib
import subprocess

import kubernetes_validate
import pytest

from contracts.access import BY_PRINCIPAL, PRINCIPALS
from ketentools import chart
from tests.helm_chart import CHART, HELM, ROOT, VALUES, needs_helm, render

from . import operator_crds
from .test_compose import env_names

pytestmark = pytest.mark.integration
OPERATOR_KINDS = {
    "KafkaTopic",
    "KafkaUser",
    "ScaledObject",
    "TriggerAuthentication",
    "Cluster",
    "PrometheusRule",
    "ServiceMonitor",
}
MAIN_GROUP = ("feeds", "records")


def test_the_generated_parts_are_current() -> None:
    stale = [
        str(path.relative_to(ROOT))
        for path, text in chart.generated().items()
        if not path.exists() or path.read_text() != text
    ]
    assert stale == [], "run: python -m ketentools.chart"


@needs_helm
@pytest.mark.parametrize("values", VALUES)
def test_lint_strict_and_valid_kubernetes(values: str) -> None:
    lint = subprocess.run(
        [HELM, "lint", "--strict", str(CHART), *VALUES[values]],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    documents = render(*VALUES[values])
    problems = []
    for document in documents:
        if document["kind"] in OPERATOR_KINDS:
            problems += operator_crds.problems(document)
            continue
        try:
            kubernetes_validate.validate(document, "1.30.0", strict=True)
        except kubernetes_validate.ValidationError as exc:
            problems.append(f"{document['kind']}/{document['metadata']['name']}: {exc.message}")
    assert problems == []


def test_the_operators_crds_are_their_releases_files() -> None:
    assert operator_crds.altered() == []
    kinds = {kind for _, _, kind in operator_crds.served()}
    assert kinds == OPERATOR_KINDS


@needs_helm
def test_the_crd_check_refuses_what_the_operators_refuse() -> None:
    documents = {d["kind"]: d for d in render(*VALUES["production"])}
    user = copy.deepcopy(documents["KafkaUser"])
    user["spec"]["authorization"]["acls"][0]["operation"] = "Read"  # v1beta2's, gone in v1
    old = copy.deepcopy(documents["KafkaTopic"]) | {"apiVersion": "kafka.strimzi.io/v1beta2"}
    scaled = copy.deepcopy(documents["ScaledObject"])
    scaled["spec"]["maxReplicas"] = 3  # HPA's name, not KEDA's
    cluster = copy.deepcopy(documents["Cluster"])
    cluster["spec"]["instances"] = "three"
    found = [operator_crds.problems(d) for d in (user, old, scaled, cluster)]
    assert "'operation' was unexpected" in found[0][0]
    assert "not served" in found[1][0]
    assert "'maxReplicas' was unexpected" in found[2][0]
    assert "not of type 'integer'" in found[3][0]


@needs_helm
def test_every_acl_is_in_a_kafka_user_and_every_topic_a_kafka_topic() -> None:
    documents = render()
    users = {d["metadata"]["name"]: d for d in documents if d["kind"] == "KafkaUser"}
    assert set(users) == {p.name for p in PRINCIPALS}
    for principal in PRINCIPALS:
        acls = users[principal.name]["spec"]["authorization"]["acls"]
        granted = {
            (a["resource"]["type"], a["resource"]["name"], op)
            for a in acls
            for op in a["operations"]
        }
        wanted = {("topic", t.name, "Write") for t in principal.writes}
        wanted |= {("topic", t.name, "Read") for t in principal.reads}
        assert wanted <= granted, principal.name
        extra = {g for g in granted if g[2] in ("Write", "Read") and g[0] == "topic"} - wanted
        assert extra == set(), principal.name
    topics = {d["spec"]["topicName"]: d for d in documents if d["kind"] == "KafkaTopic"}
    assert {t.name for p in PRINCIPALS for t in (*p.reads, *p.writes)} <= set(topics)
    assert all(d["spec"]["replicas"] == 3 for d in topics.values())


@needs_helm
@pytest.mark.parametrize("values", VALUES)
def test_containers_name_only_real_settings_run_restricted_and_take_secrets_by_reference(
    values: str,
) -> None:
    for document in render(*VALUES[values]):
        if document["kind"] != "Deployment":
            continue
        pod = document["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        for container in pod["containers"]:
            service = container["name"]
            settings = importlib.import_module(f"{service}.config").Settings
            names = {e["name"] for e in container["env"]}
            assert names <= env_names(settings), names - env_names(settings)
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"]["drop"] == ["ALL"]
            for env in container["env"]:
                secret_like = any(w in env["name"] for w in ("TOKEN", "KEY", "SECRET", "PASSWORD"))
                if secret_like or env["name"] == "KETENMONITOR_DATABASE_URL":
                    assert "valueFrom" in env and "value" not in env, env["name"]
            assert {"/health/ready", "/health/live"} == {
                container["readinessProbe"]["httpGet"]["path"],
                container["livenessProbe"]["httpGet"]["path"],
            }


@needs_helm
@pytest.mark.parametrize("values", VALUES)
def test_consumers_never_scale_beyond_their_partitions(values: str) -> None:
    documents = render(*VALUES[values])
    for document in documents:
        service = document["metadata"]["labels"].get("app.kubernetes.io/component")
        if service not in ("ingest", "linkage"):
            continue
        # The group KEDA scales on: ingest's feeds, linkage's records (ingest's small contacts
        # group may idle some consumers; it carries a few events a day).
        main = [t for t in BY_PRINCIPAL[service].reads if t.name.split(".")[0] in MAIN_GROUP]
        partitions = min(t.partitions for t in main)
        if document["kind"] == "Deployment" and "replicas" in document["spec"]:
            assert document["spec"]["replicas"] <= partitions
        if document["kind"] == "ScaledObject":
            assert document["spec"]["maxReplicaCount"] <= partitions


@needs_helm
def test_the_values_schema_refuses_more_consumers_than_partitions() -> None:
    refused = subprocess.run(
        [
            HELM,
            "template",
            "km",
            str(CHART),
            "--kube-version",
            "1.30.0",
            "--set",
            "services.linkage.replicas=7",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode != 0
    assert "replicas" in refused.stderr
