"""The project's Helm chart rendered by a real ``helm`` (``make helm``; ``.ci/run`` builds it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parents[1]
CHART = ROOT / "deploy" / "helm" / "ketenmonitor"
HELM = shutil.which("helm") or str(ROOT / ".cache" / "bin" / "helm")
VALUES = {
    "default": [],
    "minimal": ["-f", str(CHART / "ci" / "minimal-values.yaml")],
    "production": ["-f", str(CHART / "ci" / "production-values.yaml")],
}
needs_helm = pytest.mark.skipif(
    not Path(HELM).exists(), reason="helm is not installed (make helm; .ci/run does it)"
)


def render(*args: str) -> list[dict[str, Any]]:
    out = subprocess.run(
        [HELM, "template", "km", str(CHART), "--kube-version", "1.30.0", *args],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    return [d for d in yaml.safe_load_all(out) if d]
