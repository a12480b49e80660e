"""The environment each function gets from its Knative Service, for the local stack.

A Service's container env is followed as Kubernetes would: literal `value`s,
`configMapKeyRef`s and `envFrom` ConfigMaps, read from the manifests in knative/. Only
ConfigMaps labelled `chirp.dev/local: "true"` (behaviour, like fanout tiers) apply on a
laptop; the others say where the cluster's services are, and secrets stay in the cluster,
so those come from functions/core/config.py's local defaults instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from functions.local.manifests import manifest_dir, of_kind

LOCAL_LABEL = "chirp.dev/local"


def local_config_maps(folder: Path) -> dict[str, dict[str, str]]:
    return {
        doc["metadata"]["name"]: {k: str(v) for k, v in (doc.get("data") or {}).items()}
        for doc in of_kind(folder, "ConfigMap")
        if (doc["metadata"].get("labels") or {}).get(LOCAL_LABEL) == "true"
    }


def _container_env(container: dict[str, Any], maps: dict[str, dict[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        ref = source.get("configMapRef")
        if ref and ref["name"] in maps:
            env.update(maps[ref["name"]])
    for item in container.get("env") or []:
        if "value" in item:
            env[item["name"]] = str(item["value"])
        elif (ref := (item.get("valueFrom") or {}).get("configMapKeyRef")) and ref["name"] in maps:
            env[item["name"]] = maps[ref["name"]][ref["key"]]
    return env


def service_env(names: Iterable[str] | None = None, folder: Path | None = None) -> dict[str, str]:
    """The env of the named Services (all when None), merged; they must agree on shared keys."""
    folder = folder or manifest_dir("knative")
    maps = local_config_maps(folder)
    wanted = None if names is None else set(names)
    merged: dict[str, str] = {}
    owner: dict[str, str] = {}
    for doc in of_kind(folder, "Service"):
        name = doc["metadata"]["name"]
        if wanted is not None and name not in wanted:
            continue
        for container in doc["spec"]["template"]["spec"]["containers"]:
            for key, value in _container_env(container, maps).items():
                if key in merged and merged[key] != value:
                    raise ValueError(
                        f"Services {owner[key]} and {name} set {key} differently "
                        f"({merged[key]!r} vs {value!r}); one local process cannot run both"
                    )
                merged[key], owner[key] = value, name
    return merged
