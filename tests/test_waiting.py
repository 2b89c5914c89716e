"""tests/waiting.py: the one polling helper of the test suite."""

from __future__ import annotations

import itertools

import pytest

from waiting import wait_until


def test_returns_the_first_true_result() -> None:
    calls = itertools.count(1)
    assert wait_until(lambda: next(calls) >= 3 and "ready", interval_s=0) == "ready"
    assert next(calls) == 4  # not called again once it held


def test_a_condition_that_never_holds_fails_naming_it() -> None:
    expected = r"timed out after 0\.05 s waiting for the file \(last result: 0\)"
    with pytest.raises(AssertionError, match=expected):
        wait_until(lambda: 0, timeout_s=0.05, interval_s=0.01, what="the file")


def test_without_a_description_the_predicate_is_named() -> None:
    def server_is_up() -> bool:
        return False

    with pytest.raises(AssertionError, match=r"waiting for .*server_is_up"):
        wait_until(server_is_up, timeout_s=0.01, interval_s=0.01)


def test_an_error_in_the_predicate_fails_at_once() -> None:
    def dead() -> bool:
        raise AssertionError("the child exited (1)")

    with pytest.raises(AssertionError, match=r"^the child exited \(1\)$"):
        wait_until(dead, timeout_s=60)
