"""Token counts of an answer: from the server's ``usage`` when it gives usable ones, else
counted from the stream's chunks and marked ``estimated``."""

from __future__ import annotations

from typing import Any

from foundry_bench.core.results.records import Measurement

# More tokens than any answer has: a count past it is garbage, not a measurement.
MAX_TOKEN_COUNT = 10**9


def token_count(value: object) -> int | None:
    """A usage count as a server should send it (an int, not a bool, 0..MAX_TOKEN_COUNT)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_TOKEN_COUNT:
        return value
    return None


def _reasoning_tokens(usage: dict[str, Any]) -> int | None:
    """OpenAI's ``completion_tokens_details.reasoning_tokens``, else Foundry Local's
    ``reasoning_tokens``."""
    details = usage.get("completion_tokens_details")
    if isinstance(details, dict):
        found = token_count(details.get("reasoning_tokens"))
        if found is not None:
            return found
    return token_count(usage.get("reasoning_tokens"))


def apply_usage(
    m: Measurement, usage: Any, counted: int | None = None, counted_reasoning: int = 0
) -> None:
    """Fill ``m``'s token counts from ``usage``; where it has none, from the counts of a
    stream's chunks (``counted`` output chunks, of which ``counted_reasoning`` thought).

    ``completion_tokens`` covers every output token, thinking included (OpenAI's convention).
    ``reasoning_tokens`` stays None for an answer that showed no thinking and whose usage
    does not count any.
    """
    usage = usage if isinstance(usage, dict) else {}
    completion = token_count(usage.get("completion_tokens"))
    if completion is not None:
        m.completion_tokens, m.tokens_source = completion, "usage"
        m.prompt_tokens = token_count(usage.get("prompt_tokens"))
    elif counted is not None:
        m.completion_tokens, m.tokens_source = counted, "estimated"
    reasoning = _reasoning_tokens(usage)
    if reasoning is not None:
        m.reasoning_tokens, m.reasoning_tokens_source = reasoning, "usage"
    elif counted_reasoning:
        m.reasoning_tokens, m.reasoning_tokens_source = counted_reasoning, "estimated"
