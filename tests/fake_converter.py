"""A stand-in for the conversion process (``core.imports.child``) that needs no torch.

Run by ``run_conversion`` as a real child process, it speaks the same JSON-lines protocol
and writes into the same output folder; ``FAKE_CONVERTER`` (inherited from the test's
environment) picks what it does:

ok           writes the demo model (a real ONNX Runtime GenAI folder) and reports done
hang         writes half a model, reports "build" with its pid, then waits to be killed
error        writes half a model, then reports the error the real child sends on ENOSPC
die          writes half a model, then kills itself with SIGKILL (as the OOM killer would)
no-template  writes the demo model without its chat template and reports done
noise        prints non-protocol lines and broken JSON around a successful conversion
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import threading
from pathlib import Path

from foundry_bench.core.imports.protocol import ConversionJob, encode_event
from foundry_bench.core.paths import demo_model_dir


def say(kind: str, **fields: object) -> None:
    sys.stdout.write(encode_event(kind, **fields))
    sys.stdout.flush()


def half_model(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    data = (demo_model_dir() / "model.onnx.data").read_bytes()
    (out / "model.onnx.data").write_bytes(data[: len(data) // 2])


def whole_model(out: Path, *, template: bool = True) -> None:
    shutil.copytree(demo_model_dir(), out, dirs_exist_ok=True)
    (out / "MODEL_CARD.md").unlink()
    if not template:
        (out / "chat_template.jinja").unlink()
        config = out / "tokenizer_config.json"
        data = json.loads(config.read_text(encoding="utf-8"))
        data.pop("chat_template", None)
        config.write_text(json.dumps(data), encoding="utf-8")


def main() -> int:
    mode = os.environ.get("FAKE_CONVERTER", "ok")
    job = ConversionJob.from_json(sys.argv[1])
    out = Path(job.out)
    Path(job.work).mkdir(parents=True, exist_ok=True)
    say("step", step="dequantize", message="reading the source", percent=5.0)
    if mode == "noise":
        print("Reading layer 0 (a library printing to stdout)")
        print('{"event": "step", "percent": ')
        print(json.dumps({"event": "bogus"}))
    if mode in ("hang", "error", "die"):
        half_model(out)
        say("step", step="build", message=f"pid {os.getpid()}", percent=40.0)
        if mode == "hang":
            threading.Event().wait()  # until the parent kills us
        if mode == "error":
            say("error", message=f"No space left on device writing {out / 'model.onnx.data'}")
            return 1
        os.kill(os.getpid(), signal.SIGKILL)
    whole_model(out, template=mode != "no-template")
    say("step", step="build", message="converting layer 2 of 2", percent=90.0)
    say("done", percent=100.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
