"""`task manifests:check`: the manifests in knative/ and gateway/ are valid and agree with the code.

Schemas first: custom resources against the CRD schemas in ../shared/crds (validate.py),
core kinds with kubernetes-validate. Then what no schema can say: every reference points at
something that exists, every event type a Trigger waits for is one chirp defines and emits,
every route a function serves reaches it through the HTTPRoutes, and every environment
variable a manifest sets is one chirp reads. The test suite runs the same checks.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from events import EVENT_TYPES
from events import payloads as payload_module
from functions.core.config import setting_names
from functions.local.gateway import Gateway, load_routes
from functions.local.manifests import REPO_ROOT, documents

FOLDERS = ("knative", "gateway")
# Secrets made outside the manifests: by `task deploy` (from the environment) or an operator.
EXTERNAL_SECRETS = {"chirp-secrets", "chirp-tls", "chirp-pg-app", "chirp-media-env"}
# Variables a platform sets, not chirp's settings.
PLATFORM_ENV = {"FUNCTION_TARGET", "PORT"}
CORE_KUBERNETES_VERSION = "1.30.0"

Problems = list[str]


def crds_dir() -> Path:
    return Path(os.environ.get("CHIRP_CRDS_DIR", REPO_ROOT.parent / "shared" / "crds"))


def all_documents(root: Path = REPO_ROOT) -> list[tuple[Path, dict[str, Any]]]:
    return [item for folder in FOLDERS for item in documents(root / folder)]


def _kind(docs: list[tuple[Path, dict[str, Any]]], kind: str) -> list[dict[str, Any]]:
    return [d for _, d in docs if d.get("kind") == kind]


def _names(docs: list[tuple[Path, dict[str, Any]]], kind: str) -> set[str]:
    return {d["metadata"]["name"] for d in _kind(docs, kind)}


def crd_validator() -> ModuleType | None:
    path = crds_dir() / "validate.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("crd_validate", path)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- schemas --------------------------------------------------------------------------------


def check_custom_resources(docs: list[tuple[Path, dict[str, Any]]]) -> Problems:
    validate = crd_validator()
    if validate is None:
        raise FileNotFoundError(f"CRD schemas not found at {crds_dir()}")
    problems: Problems = []
    for path in sorted({p for p, _ in docs}):
        loaded = validate.load_documents(path.read_text())
        problems += [str(e) for e in validate.validate_documents(loaded, source=str(path))]
    return problems


def check_core_kinds(docs: list[tuple[Path, dict[str, Any]]]) -> Problems:
    import kubernetes_validate

    problems: Problems = []
    for path, doc in docs:
        group = doc.get("apiVersion", "").split("/")[0]
        if "." in group and not group.endswith(".k8s.io"):
            continue  # a custom resource: checked against its CRD
        if group.endswith(".k8s.io") and group != "networking.k8s.io":
            continue  # Gateway API kinds are CRDs too
        try:
            kubernetes_validate.validate(doc, CORE_KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            problems.append(f"{path.name}: {doc['kind']}/{doc['metadata']['name']}: {exc}")
    return problems


# --- references -----------------------------------------------------------------------------


def check_trigger_references(docs: list[tuple[Path, dict[str, Any]]]) -> Problems:
    services, brokers = _names(docs, "Service"), _names(docs, "Broker")
    problems: Problems = []
    for trigger in _kind(docs, "Trigger"):
        name, spec = trigger["metadata"]["name"], trigger["spec"]
        if spec.get("broker") not in brokers:
            problems.append(f"Trigger {name}: no Broker {spec.get('broker')}")
        targets = [("subscriber", spec["subscriber"])]
        sink = (spec.get("delivery") or {}).get("deadLetterSink")
        if sink:
            targets.append(("deadLetterSink", sink))
        else:
            problems.append(f"Trigger {name}: no deadLetterSink (failed events would be lost)")
        for role, destination in targets:
            ref = destination.get("ref") or {}
            if ref.get("kind") != "Service" or ref.get("name") not in services:
                problems.append(f"Trigger {name}: {role} {ref} is not a Service in knative/")
    for broker in _kind(docs, "Broker"):
        config = broker["spec"].get("config", {})
        if config.get("name") not in _names(docs, config.get("kind", "")):
            problems.append(f"Broker {broker['metadata']['name']}: no {config} in knative/")
    clusters = _names(docs, "RabbitmqCluster")
    for config in _kind(docs, "RabbitmqBrokerConfig"):
        ref = config["spec"]["rabbitmqClusterReference"]["name"]
        if ref not in clusters:
            problems.append(f"RabbitmqBrokerConfig: no RabbitmqCluster {ref}")
    return problems


def emitted_event_types(root: Path = REPO_ROOT) -> set[str]:
    """Types whose payload class is used by a module that records events to the outbox."""
    payloads = {
        name: cls.type.value
        for name, cls in vars(payload_module).items()
        if isinstance(cls, type) and issubclass(cls, payload_module.Payload) and "type" in vars(cls)
    }
    emitted: set[str] = set()
    for path in (root / "functions").rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        if "record" in names:
            emitted |= {payloads[n] for n in names & payloads.keys()}
    return emitted


def check_trigger_event_types(docs: list[tuple[Path, dict[str, Any]]]) -> Problems:
    emitted = emitted_event_types()
    problems: Problems = []
    for trigger in _kind(docs, "Trigger"):
        name = trigger["metadata"]["name"]
        wanted = (trigger["spec"].get("filter") or {}).get("attributes", {}).get("type")
        if wanted is None:
            problems.append(f"Trigger {name}: no type filter (it would get every event)")
        elif wanted not in EVENT_TYPES:
            problems.append(f"Trigger {name}: {wanted} is not an event type in events/catalog.py")
        elif wanted not in emitted:
            problems.append(f"Trigger {name}: no function emits {wanted}")
    return problems


def function_packages(root: Path = REPO_ROOT) -> set[str]:
    return {p.parent.name for p in (root / "functions").glob("*/main.py")}


def check_services_and_functions(docs: list[tuple[Path, dict[str, Any]]]) -> Problems:
    services, packages = _names(docs, "Service"), function_packages()
    problems = [f"Service {s}: no functions/{s}/main.py" for s in sorted(services - packages)]
    problems += [f"functions/{p}: no Knative Service" for p in sorted(packages - services)]
    routes = load_routes(_kind(docs, "HTTPRoute"))
    problems += [
        f"HTTPRoute backend {r.backend} is not a Service in knative/"
        for r in routes
        if r.backend not in services
    ]
    return problems


def _sample(path: str) -> str:
    return "/".join("1" if part.startswith("{") else part for part in path.split("/"))


def check_routes_reach_their_functions(docs: list[tuple[Path, dict[str, Any]]]) -> Problems:
    """Every path a function serves reaches that function through the HTTPRoutes."""
    gateway = Gateway(load_routes(_kind(docs, "HTTPRoute")), {})
    problems: Problems = []
    routed = {r.backend for r in gateway.routes}
    for name in sorted(function_packages()):
        module = importlib.import_module(f"functions.{name}.main")
        router = getattr(module, "router", None)
        if router is None:
            if name in routed:
                problems.append(f"HTTPRoutes send paths to {name}, which serves no HTTP routes")
            continue
        for route in router.routes:
            if route.template in ("/health", "/ready"):
                continue  # each function's own probes, not public routes
            backend = gateway.backend_for(_sample(route.template))
            if backend != name:
                problems.append(f"{route.method} {route.template} of {name} is routed to {backend}")
    return problems


def _containers(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    spec = doc.get("spec", {}).get("template", {}).get("spec", {})
    yield from spec.get("containers", [])


def check_environment(docs: list[tuple[Path, dict[str, Any]]]) -> Problems:
    """Manifests set only variables chirp reads, from ConfigMaps and Secrets that exist."""
    known = setting_names() | PLATFORM_ENV
    maps = {d["metadata"]["name"]: d.get("data") or {} for d in _kind(docs, "ConfigMap")}
    problems: Problems = []
    for name, data in maps.items():
        problems += [f"ConfigMap {name}: {k} is not a setting" for k in data if k not in known]
    for doc in _kind(docs, "Service") + _kind(docs, "Deployment") + _kind(docs, "Job"):
        owner = f"{doc['kind']} {doc['metadata']['name']}"
        for container in _containers(doc):
            for source in container.get("envFrom", []):
                ref = source.get("configMapRef") or source.get("secretRef") or {}
                if "configMapRef" in source and ref.get("name") not in maps:
                    problems.append(f"{owner}: no ConfigMap {ref.get('name')}")
                if "secretRef" in source and ref.get("name") not in EXTERNAL_SECRETS:
                    problems.append(f"{owner}: unknown Secret {ref.get('name')}")
            for item in container.get("env", []):
                if item["name"] not in known:
                    problems.append(f"{owner}: {item['name']} is not a setting")
                source = item.get("valueFrom") or {}
                if (ref := source.get("configMapKeyRef")) and ref["key"] not in maps.get(
                    ref["name"], {}
                ):
                    problems.append(f"{owner}: no key {ref['key']} in ConfigMap {ref['name']}")
                if (ref := source.get("secretKeyRef")) and ref["name"] not in EXTERNAL_SECRETS:
                    problems.append(f"{owner}: unknown Secret {ref['name']}")
    return problems


CHECKS: dict[str, Callable[[list[tuple[Path, dict[str, Any]]]], Problems]] = {
    "custom resources match their CRD schemas": check_custom_resources,
    "core kinds match the Kubernetes schema": check_core_kinds,
    "Triggers, Brokers and sinks refer to what exists": check_trigger_references,
    "Triggers wait for event types chirp defines and emits": check_trigger_event_types,
    "every function has a Service and every route a backend": check_services_and_functions,
    "every function's paths reach it through the HTTPRoutes": check_routes_reach_their_functions,
    "manifests set only settings chirp reads": check_environment,
}


def main() -> int:
    docs = all_documents()
    failed = 0
    for title, check in CHECKS.items():
        try:
            problems = check(docs)
        except FileNotFoundError as exc:
            print(f"SKIPPED  {title}: {exc}")
            continue
        failed += bool(problems)
        print(f"{'ok' if not problems else 'FAILED':<8} {title}")
        for problem in problems:
            print(f"         - {problem}")
    print(f"\n{len(docs)} documents in {', '.join(FOLDERS)}/: {failed} check(s) failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
