"""`foundry-bench --self-test`: the packaging smoke test, run as a user would run it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from foundry_bench.core.paths import demo_model_dir

HAVE_DEMO = (demo_model_dir() / "genai_config.json").is_file()


@pytest.mark.runtime
@pytest.mark.slow
@pytest.mark.skipif(not HAVE_DEMO, reason="resources/demo_model not built yet")
def test_self_test_drives_the_window_and_reports_the_longest_stall(tmp_path):
    env = {**os.environ, "FOUNDRY_BENCH_HOME": str(tmp_path)}
    env.pop("QT_QPA_PLATFORM", None)  # the self-test must choose offscreen by itself
    result = subprocess.run(
        [sys.executable, "-m", "foundry_bench", "--self-test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 0, result.stdout + result.stderr
    assert lines[-2] == "self-test ok"
    key, _, value = lines[-1].partition("=")
    assert key == "max_ui_stall_ms" and int(value) >= 0
    assert any("reply" in line for line in lines)
    assert result.stderr.strip() == "", result.stderr


def test_self_test_fails_with_a_reason(tmp_path):
    """A failing step ends the self-test with exit code 1 and names the step and the reason."""
    env = {**os.environ, "FOUNDRY_BENCH_HOME": str(tmp_path)}
    code = (
        "import sys, foundry_bench.ui.selftest.base as st;"
        "from foundry_bench.ui.selftest.context import SelfTestFailure as F;"
        "st.STEPS.insert(0, ('break', lambda ctx: (_ for _ in ()).throw(F('x'))));"
        "from foundry_bench.ui.app import main; sys.exit(main(self_test=True))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert result.stdout.strip().splitlines()[-1] == "self-test FAILED: break: x"
