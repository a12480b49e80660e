"""The manifests in knative/ and gateway/ validate against the real CRD schemas."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from functions.local.manifests import REPO_ROOT, documents

CRDS = REPO_ROOT.parent / "shared" / "crds"
MANIFEST_DIRS = [REPO_ROOT / "knative", REPO_ROOT / "gateway"]
FILES = sorted(p for d in MANIFEST_DIRS for p in d.rglob("*.yaml"))


def _validator() -> ModuleType:
    if not (CRDS / "validate.py").exists():
        pytest.skip(f"CRD schemas not found at {CRDS}: custom resources NOT validated")
    spec = importlib.util.spec_from_file_location("crd_validate", CRDS / "validate.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_custom_resources_match_their_crd_schema(path: Path) -> None:
    validate = _validator()
    errors = validate.validate_documents(
        validate.load_documents(path.read_text()), source=str(path)
    )
    assert errors == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_core_kinds_match_the_kubernetes_schema(path: Path) -> None:
    import kubernetes_validate

    validate = _validator()
    for doc in validate.load_documents(path.read_text()):
        if "." in doc.get("apiVersion", "").split("/")[0]:
            continue  # a custom resource: checked against its CRD above
        kubernetes_validate.validate(doc, "1.30.0", strict=True)


def test_every_route_backend_is_a_knative_service() -> None:
    services = {
        d["metadata"]["name"] for _, d in documents(REPO_ROOT / "knative") if d["kind"] == "Service"
    }
    for _, doc in documents(REPO_ROOT / "gateway"):
        if doc["kind"] != "HTTPRoute":
            continue
        for rule in doc["spec"]["rules"]:
            for ref in rule["backendRefs"]:
                assert ref["name"] in services, (
                    f"HTTPRoute {doc['metadata']['name']} → {ref['name']}"
                )
