"""Reading the Kubernetes manifests that wire chirp, for the local stack to follow."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
# libyaml's safe loader when PyYAML has it: ten times faster, and this runs at every start.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def manifest_dir(name: str) -> Path:
    """`gateway/` or `knative/` of this checkout (CHIRP_MANIFESTS_ROOT overrides the root)."""
    root = Path(os.environ.get("CHIRP_MANIFESTS_ROOT", REPO_ROOT))
    return root / name


def documents(folder: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every YAML document below `folder`, with the file it came from, in a stable order."""
    for path in sorted([*folder.rglob("*.yaml"), *folder.rglob("*.yml")]):
        for doc in yaml.load_all(path.read_text("utf-8"), Loader=_LOADER):
            if isinstance(doc, dict):
                yield path, doc


def of_kind(folder: Path, kind: str) -> list[dict[str, Any]]:
    return [doc for _, doc in documents(folder) if doc.get("kind") == kind]
