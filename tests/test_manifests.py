"""The manifests in knative/ and gateway/: valid against their schemas, and true to the code.

The same checks as `task manifests:check` (scripts/manifests.py), one test each.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from functions.local.service_env import service_env
from scripts.manifests import CHECKS, all_documents, crds_dir, emitted_event_types


@pytest.mark.parametrize("title", list(CHECKS))
def test_manifest_check(title: str) -> None:
    if "CRD" in title and not (crds_dir() / "validate.py").exists():
        pytest.skip(f"CRD schemas not found at {crds_dir()}: custom resources NOT validated")
    assert CHECKS[title](all_documents()) == []


def test_emitted_types_are_found_in_the_code() -> None:
    emitted = emitted_event_types()
    assert {"chirp.tweet.created", "chirp.tweet.liked", "chirp.user.followed"} <= emitted
    assert "chirp.user.unfollowed" in emitted


def _write(folder: Path, name: str, docs: list[dict[str, object]]) -> None:
    (folder / name).write_text(yaml.safe_dump_all(docs))


def _service(name: str, env: list[dict[str, object]], config_maps: list[str]) -> dict[str, object]:
    container = {
        "name": "function",
        "image": "x",
        "env": env,
        "envFrom": [{"configMapRef": {"name": n}} for n in config_maps],
    }
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"template": {"spec": {"containers": [container]}}},
    }


def _config_map(name: str, data: dict[str, str], local: bool) -> dict[str, object]:
    labels = {"chirp.dev/local": "true"} if local else {}
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "labels": labels}, "data": data}  # fmt: skip


def test_local_env_follows_the_services_and_local_config_maps(tmp_path: Path) -> None:
    _write(tmp_path, "config.yaml", [
        _config_map("behaviour", {"TIMELINE_SIZE": "500"}, local=True),
        _config_map("endpoints", {"REDIS_ADDR": "redis.cluster:6379"}, local=False),
    ])  # fmt: skip
    secret_ref = {"secretKeyRef": {"name": "s", "key": "k"}}
    _write(tmp_path, "services.yaml", [
        _service("a", [{"name": "FANOUT_PULL_ABOVE", "value": "7"},
                       {"name": "JWT_SECRET", "valueFrom": secret_ref}],
                 ["behaviour", "endpoints"]),
        _service("b", [{"name": "TIMELINE_BACKFILL", "value": "3"}], []),
    ])  # fmt: skip
    assert service_env(["a"], tmp_path) == {"TIMELINE_SIZE": "500", "FANOUT_PULL_ABOVE": "7"}
    assert service_env(None, tmp_path)["TIMELINE_BACKFILL"] == "3"


def test_services_that_disagree_cannot_share_a_local_process(tmp_path: Path) -> None:
    _write(tmp_path, "services.yaml", [
        _service("a", [{"name": "TIMELINE_SIZE", "value": "1"}], []),
        _service("b", [{"name": "TIMELINE_SIZE", "value": "2"}], []),
    ])  # fmt: skip
    with pytest.raises(ValueError, match="TIMELINE_SIZE"):
        service_env(None, tmp_path)
    assert service_env(["b"], tmp_path) == {"TIMELINE_SIZE": "2"}


def test_the_repository_config_reaches_the_local_stack() -> None:
    env = service_env()
    assert env["FANOUT_PUSH_ALL_BELOW"] == "10000"
    assert "REDIS_ADDR" not in env  # a cluster address: local defaults apply instead
    assert not {"DATABASE_URL", "JWT_SECRET"} & env.keys()  # secrets stay in the cluster
