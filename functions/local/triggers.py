"""Trigger definitions read from the Knative manifests: what the local dispatcher wires."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from functions.local.manifests import manifest_dir, of_kind

_DURATION = re.compile(r"^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$")


def iso_seconds(duration: str) -> float:
    """An ISO-8601 time duration as Knative uses them (`PT0.5S`, `PT1M`) in seconds."""
    m = _DURATION.match(duration)
    if not m or not any(m.groups()):
        raise ValueError(f"unsupported ISO-8601 duration {duration!r}")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in m.groups())
    return hours * 3600 + minutes * 60 + seconds


@dataclass(frozen=True, slots=True)
class Delivery:
    retry: int = 0
    backoff_policy: Literal["exponential", "linear"] = "exponential"
    backoff_delay_s: float = 0.2
    dead_letter_sink: str | None = None  # a Knative Service, by name

    def delay(self, attempt: int) -> float:
        """Wait before retry number `attempt` (1-based), as Knative computes it."""
        if self.backoff_policy == "linear":
            return self.backoff_delay_s * attempt
        return float(self.backoff_delay_s * 2**attempt)


@dataclass(frozen=True, slots=True)
class Trigger:
    name: str
    subscriber: str
    filters: dict[str, str]
    delivery: Delivery
    namespace: str = "chirp"

    @property
    def queue(self) -> str:
        return f"{self.namespace}.trigger.{self.name}"

    @property
    def functions(self) -> set[str]:
        """The functions this Trigger delivers to: its subscriber and its dead-letter sink."""
        sink = self.delivery.dead_letter_sink
        return {self.subscriber} | ({sink} if sink else set())

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.queue}.dead-letter"


def _delivery(spec: dict[str, Any] | None) -> Delivery:
    if not spec:
        return Delivery()
    return Delivery(
        retry=int(spec.get("retry", 0)),
        backoff_policy=spec.get("backoffPolicy", "exponential"),
        backoff_delay_s=iso_seconds(spec.get("backoffDelay", "PT0.2S")),
        dead_letter_sink=_service_ref(spec.get("deadLetterSink")),
    )


def _service_ref(destination: dict[str, Any] | None) -> str | None:
    """The Knative Service a Destination names (`ref`); other kinds have no local meaning."""
    if not destination:
        return None
    ref = destination.get("ref")
    if (
        not ref
        or ref.get("kind") != "Service"
        or "serving.knative.dev" not in ref.get("apiVersion", "")
    ):
        raise ValueError(f"dead-letter sink {destination}: the local dispatcher needs a ksvc ref")
    name: str = ref["name"]
    return name


def load_triggers(namespace: str, folder: Path | None = None) -> list[Trigger]:
    folder = folder or manifest_dir("knative")
    brokers = {b["metadata"]["name"]: b.get("spec", {}) for b in of_kind(folder, "Broker")}
    triggers = []
    for doc in of_kind(folder, "Trigger"):
        spec = doc["spec"]
        broker = spec.get("broker", "default")
        if broker not in brokers:
            raise ValueError(f"Trigger {doc['metadata']['name']}: no Broker named {broker}")
        triggers.append(
            Trigger(
                name=doc["metadata"]["name"],
                subscriber=spec["subscriber"]["ref"]["name"],
                filters=dict(spec.get("filter", {}).get("attributes", {})),
                delivery=_delivery(spec.get("delivery") or brokers[broker].get("delivery")),
                namespace=namespace,
            )
        )
    return triggers
