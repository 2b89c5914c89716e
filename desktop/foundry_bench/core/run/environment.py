"""What a reader needs to reproduce a run, recorded in ``results.json``'s ``environment``:
the device label, hardware, OS, package versions and the endpoint."""

from __future__ import annotations

import sys
from typing import Any

from foundry_bench import __version__
from foundry_bench.core.results.run_settings import host_label
from foundry_bench.core.run.hardware import machine_facts
from foundry_bench.core.run.providers import ModelProvider


def environment(provider: ModelProvider, label: str = "") -> dict[str, Any]:
    """What a reader needs to reproduce the run: device label, hardware, OS, versions,
    endpoint (``core.run.hardware`` says what the hardware facts are)."""
    env: dict[str, Any] = {
        "label": label or host_label(),
        "app": f"foundry-bench {__version__}",
        "python": sys.version.split()[0],
    }
    try:
        endpoint = provider.describe()
    except Exception as exc:  # describing must never stop a run
        endpoint = {"error": str(exc)}
    eps = endpoint.get("execution_providers")
    env.update(machine_facts(eps if isinstance(eps, list) else None))
    versions: dict[str, str] = {}
    from importlib import metadata

    for dist in ("foundry-local-sdk", "onnxruntime", "onnxruntime-genai-core", "openai"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    env["versions"] = versions
    env["endpoint"] = endpoint
    return env
