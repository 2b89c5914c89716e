"""The fixtures every ChatEndpoint test module shares: a scripted server hosting the module's
scenarios, an endpoint on it, and one call with the usual arguments."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from foundry_bench.core.results.records import Measurement
from foundry_bench.core.run.endpoint.client import ChatEndpoint
from scripted_server import Scenario, ScriptedServer

MESSAGES = [{"role": "user", "content": "Say something."}]


def endpoint_fixtures(models: Mapping[str, Scenario]) -> tuple[Callable[..., Any], ...]:
    """``server`` (module-scoped, serving ``models``) and ``ep`` (timeout 5 s) fixtures:
    ``server, ep = endpoint_fixtures(MODELS)`` in a test module."""

    @pytest.fixture(scope="module")
    def server() -> Iterator[ScriptedServer]:
        with ScriptedServer(models) as srv:
            yield srv

    @pytest.fixture
    def ep(server: ScriptedServer) -> Iterator[ChatEndpoint]:
        with ChatEndpoint(server.base_url, timeout_s=5.0) as endpoint:
            yield endpoint

    return server, ep


def chat(ep: ChatEndpoint, model: str, **kwargs: object) -> Measurement:
    args: dict[str, object] = {"max_tokens": None, "temperature": 0.0, "seed": 7}
    args.update(kwargs)
    return ep.chat(model, MESSAGES, **args)  # type: ignore[arg-type]
