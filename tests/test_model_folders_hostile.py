"""`foundry-bench models register` with hostile model folders, against the real runtime.

Any JSON shape, symlink loops, bytes that are not UTF-8 and nesting 100,000 deep give exit 2
with a message naming the file; a re-registration that fails (to validate or to load) leaves
the id's previous registration working.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from foundry_bench.cli import main
from foundry_bench.core.paths import demo_model_dir

pytestmark = pytest.mark.runtime


def _copy_demo(tmp_path: Path, name: str = "model") -> Path:
    target = tmp_path / name
    shutil.copytree(demo_model_dir(), target)
    return target


def _loop(path: Path) -> None:
    """``path`` becomes one end of a symbolic link loop."""
    other = path.with_name(path.name + ".other")
    path.unlink(missing_ok=True)
    os.symlink(other, path)
    os.symlink(path, other)


def _config(text: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        (folder / "genai_config.json").write_bytes(text)
        return folder / "genai_config.json"

    return make


def _no_template_and(tok_config: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        (folder / "chat_template.jinja").unlink()
        (folder / "tokenizer_config.json").write_bytes(tok_config)
        return folder / "tokenizer_config.json"

    return make


def _folder_loop(folder: Path) -> Path:
    shutil.rmtree(folder)
    _loop(folder)
    return folder


def _config_loop(folder: Path) -> Path:
    _loop(folder / "genai_config.json")
    return folder


BREAKAGES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "model is a list": (_config(b'{"model": []}'), "model.decoder.filename None does not name"),
    "a list": (_config(b"[1, 2]"), "model.decoder.filename None"),
    "a string": (_config(b'"model"'), "model.decoder.filename None"),
    "decoder is a list": (_config(b'{"model": {"decoder": []}}'), "filename None"),
    "filename a number": (_config(b'{"model": {"decoder": {"filename": 5}}}'), "filename 5"),
    "filename with NUL": (
        _config(b'{"model": {"decoder": {"filename": "a\\u0000b"}}}'),
        "does not name a file",
    ),
    "nested": (_config(b"[" * 100_000), "nested more than 64 levels deep"),
    "not UTF-8": (_config(b'{"model": "\xff"}'), "not UTF-8 text: byte 0xff"),
    "NaN": (_config(b'{"model": NaN}'), "NaN is not a JSON number"),
    "tokenizer_config not UTF-8": (_no_template_and(b'{"x": "\xfe"}'), "not UTF-8 text"),
    "tokenizer_config nested": (_no_template_and(b"{" * 100_000), "nested more than 64"),
    "folder is a symlink loop": (_folder_loop, "cannot follow the path (a symbolic link loop)"),
    "config is a symlink loop": (_config_loop, "no genai_config.json"),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_a_broken_model_folder_is_exit_2_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], breakage: str
) -> None:
    folder = _copy_demo(tmp_path)
    make, message = BREAKAGES[breakage]
    named = make(folder)
    code = main(["models", "register", str(folder), "--id", "hostile:1"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert f"error: {named}" in err and message in err
