"""Packaging: the PyInstaller spec, build.py's smoke test and signing rules, the installers.

Most tests check the files without building: the spec is executed with stand-ins for
PyInstaller's build classes and hooks, so its choices (what is bundled, excluded, pruned, how
each OS is laid out) are checked on any OS without PyInstaller installed. The real build and
the frozen self-test run only when ``FOUNDRY_BENCH_TEST_FREEZE=1`` (about 1.5 minutes here).
"""

from __future__ import annotations

import importlib.util
import json
import os
import struct
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "foundry-bench.spec"
FREEZE_ENV = "FOUNDRY_BENCH_TEST_FREEZE"


def _load_build_module() -> ModuleType:
    # packaging/ is not a Python package (and "packaging" is a PyPI name), so load by path.
    spec = importlib.util.spec_from_file_location("foundry_bench_build", PACKAGING / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


build = _load_build_module()


# -- the spec, executed with stand-ins ---------------------------------------------------

# What the PyInstaller analysis would add on its own: Qt libraries pulled in by plugins the
# app does not want, with the top-level symlinks PyInstaller puts in `datas`.
QT_EXTRAS = [
    ("PySide6/Qt/lib/libQt6Widgets.so.6", "/site/libQt6Widgets.so.6", "BINARY"),
    ("PySide6/Qt/lib/libQt6Quick.so.6", "/site/libQt6Quick.so.6", "BINARY"),
    ("PySide6/Qt/lib/libQt6QmlModels.so.6", "/site/libQt6QmlModels.so.6", "BINARY"),
    ("PySide6/Qt/lib/libQt6Pdf.so.6", "/site/libQt6Pdf.so.6", "BINARY"),
    ("PySide6/Qt/lib/QtQuick.framework/Versions/A/QtQuick", "/site/QtQuick", "BINARY"),
    (
        "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
        "/site/libqtvirtualkeyboardplugin.so",
        "BINARY",
    ),
    ("PySide6/Qt/plugins/imageformats/libqpdf.so", "/site/libqpdf.so", "BINARY"),
    ("PySide6/Qt/plugins/platforms/libqoffscreen.so", "/site/libqoffscreen.so", "BINARY"),
]
QT_SYMLINKS = [
    ("libQt6Quick.so.6", "PySide6/Qt/lib/libQt6Quick.so.6", "SYMLINK"),
    ("libQt6Widgets.so.6", "PySide6/Qt/lib/libQt6Widgets.so.6", "SYMLINK"),
]
NATIVE_LIBS = {
    "foundry_local_sdk": [("/site/libfoundry_local.so", "foundry_local_sdk/_native/linux-x64")],
    "onnxruntime": [
        ("/site/capi/libonnxruntime.1.31.0.dylib", "onnxruntime/capi"),
        ("/site/capi/onnxruntime_pybind11_state.so", "onnxruntime/capi"),
        ("/site/capi/libonnxruntime_providers_shared.so", "onnxruntime/capi"),
    ],
    "onnxruntime_genai_core": [("/site/bin/libonnxruntime-genai.so", "onnxruntime_genai_core/bin")],
}


@dataclass
class Recorded:
    """What the spec asked PyInstaller to build."""

    analysis: dict[str, Any] = field(default_factory=dict)
    binaries: list[tuple[str, str, str]] = field(default_factory=list)
    datas: list[tuple[str, str, str]] = field(default_factory=list)
    exes: list[dict[str, Any]] = field(default_factory=list)
    collect: dict[str, Any] = field(default_factory=dict)
    bundle: dict[str, Any] | None = None
    lib_patterns: dict[str, Any] = field(default_factory=dict)
    namespace: dict[str, Any] = field(default_factory=dict)


def _fake_hooks(recorded: Recorded) -> ModuleType:
    hooks = ModuleType("PyInstaller.utils.hooks")

    def collect_dynamic_libs(package: str, **kwargs: Any) -> list[tuple[str, str]]:
        recorded.lib_patterns[package] = kwargs.get("search_patterns")
        return list(NATIVE_LIBS[package])

    hooks.collect_dynamic_libs = collect_dynamic_libs  # type: ignore[attr-defined]
    hooks.collect_data_files = lambda package, **kw: []  # type: ignore[attr-defined]
    hooks.collect_submodules = lambda package, **kw: [  # type: ignore[attr-defined]
        f"{package}.ui.selftest.benchmark",
        f"{package}.core.quality.annotations",
    ]
    hooks.copy_metadata = lambda dist, **kw: [  # type: ignore[attr-defined]
        (f"/site/{dist}.dist-info", f"{dist}.dist-info")
    ]
    return hooks


def run_spec(monkeypatch: pytest.MonkeyPatch, platform: str) -> Recorded:
    """Execute the spec as PyInstaller would, on ``platform``, recording what it builds."""
    recorded = Recorded()

    class Analysis:
        def __init__(self, scripts: list[str], **kwargs: Any) -> None:
            recorded.analysis = {"scripts": scripts, **kwargs}
            self.binaries = [
                (f"{dest}/{Path(src).name}", src, "BINARY") for src, dest in kwargs["binaries"]
            ] + list(QT_EXTRAS)
            self.datas = [
                (f"{dest}/{Path(src).name}", src, "DATA") for src, dest in kwargs["datas"]
            ] + list(QT_SYMLINKS)
            self.pure: list[Any] = []
            self.scripts: list[Any] = []

    def exe(*args: Any, **kwargs: Any) -> dict[str, Any]:
        recorded.exes.append(kwargs)
        return kwargs

    def collect(*args: Any, **kwargs: Any) -> str:
        binaries, datas = args[-2], args[-1]
        recorded.binaries, recorded.datas = list(binaries), list(datas)
        recorded.collect = {"executables": args[:-2], **kwargs}
        return "COLLECT"

    def bundle(coll: Any, **kwargs: Any) -> None:
        recorded.bundle = kwargs

    monkeypatch.setitem(sys.modules, "PyInstaller.utils.hooks", _fake_hooks(recorded))
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the spec prepends desktop/
    namespace: dict[str, Any] = {
        "SPECPATH": str(PACKAGING),
        "Analysis": Analysis,
        "PYZ": lambda *a, **k: "PYZ",
        "EXE": exe,
        "COLLECT": collect,
        "BUNDLE": bundle,
        "__name__": "__main__",
    }
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    recorded.namespace = namespace
    return recorded


@pytest.fixture
def linux_spec(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorded]:
    yield run_spec(monkeypatch, "linux")


def test_spec_bundles_resources_where_the_frozen_app_looks(linux_spec: Recorded) -> None:
    datas = linux_spec.analysis["datas"]
    assert (str(ROOT / "resources"), "foundry_bench/resources") in datas
    assert (ROOT / "resources" / "demo_model" / "genai_config.json").is_file()
    assert (ROOT / "resources" / "examples").is_dir()


def test_spec_excludes_webengine_and_other_unused_qt(linux_spec: Recorded) -> None:
    excludes = set(linux_spec.analysis["excludes"])
    for module in (
        "PySide6.QtWebEngineCore",
        "PySide6.QtWebEngineWidgets",
        "PySide6.QtWebEngineQuick",
        "PySide6.Qt3DCore",
        "PySide6.QtQuick",
        "PySide6.QtQml",
        "PySide6.QtMultimedia",
    ):
        assert module in excludes
    # ...and never what the app imports.
    assert not {"PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets"} & excludes


def test_spec_prunes_qt_libraries_that_only_unwanted_plugins_load(linux_spec: Recorded) -> None:
    names = {dest for dest, _src, _kind in linux_spec.binaries + linux_spec.datas}
    assert "PySide6/Qt/lib/libQt6Widgets.so.6" in names
    assert "libQt6Widgets.so.6" in names
    assert "PySide6/Qt/plugins/platforms/libqoffscreen.so" in names
    for gone in (
        "PySide6/Qt/lib/libQt6Quick.so.6",
        "PySide6/Qt/lib/libQt6QmlModels.so.6",
        "PySide6/Qt/lib/libQt6Pdf.so.6",
        "PySide6/Qt/lib/QtQuick.framework/Versions/A/QtQuick",
        "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
        "PySide6/Qt/plugins/imageformats/libqpdf.so",
        "libQt6Quick.so.6",  # the top-level symlink would dangle
    ):
        assert gone not in names


def test_spec_ships_native_runtime_libraries_without_the_ort_python_api(
    linux_spec: Recorded,
) -> None:
    binaries = linux_spec.analysis["binaries"]
    dests = {f"{dest}/{Path(src).name}" for src, dest in binaries}
    assert "foundry_local_sdk/_native/linux-x64/libfoundry_local.so" in dests
    assert "onnxruntime/capi/libonnxruntime.1.31.0.dylib" in dests
    assert "onnxruntime_genai_core/bin/libonnxruntime-genai.so" in dests
    assert not any("pybind11_state" in d for d in dests)
    # The default patterns miss versioned sonames (libonnxruntime.so.1.31.0).
    assert "lib*.so.*" in linux_spec.lib_patterns["onnxruntime"]
    # find_spec() markers next to the libraries, since the packages themselves are not bundled.
    marker = str(PACKAGING / "native_marker" / "__init__.py")
    datas = linux_spec.analysis["datas"]
    assert (marker, "onnxruntime") in datas
    assert (marker, "onnxruntime_genai_core") in datas


def test_spec_hidden_imports_cover_imports_by_name(linux_spec: Recorded) -> None:
    hidden = linux_spec.analysis["hiddenimports"]
    assert "foundry_local_sdk._native._cffi_bindings" in hidden
    assert "_cffi_backend" in hidden  # imported from C by the cffi extension
    assert "foundry_bench.ui.selftest.benchmark" in hidden  # collect_submodules result


def test_spec_files_it_names_exist(linux_spec: Recorded) -> None:
    (script,) = linux_spec.analysis["scripts"]
    assert Path(script) == PACKAGING / "launcher.py"
    for exe in linux_spec.exes:
        assert Path(exe["icon"]).is_file()
    assert (PACKAGING / "native_marker" / "__init__.py").is_file()


def test_spec_linux_layout(linux_spec: Recorded) -> None:
    assert [exe["name"] for exe in linux_spec.exes] == ["foundry-bench"]
    assert linux_spec.collect["name"] == "foundry-bench" == build.EXE_NAME
    assert linux_spec.bundle is None
    assert all(not exe["upx"] for exe in linux_spec.exes)


def test_spec_windows_has_a_windowed_app_and_a_console_twin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorded = run_spec(monkeypatch, "win32")
    consoles = {exe["name"]: exe["console"] for exe in recorded.exes}
    assert consoles == {"foundry-bench": False, "foundry-bench-cli": True}
    assert all(exe["icon"].endswith(".ico") for exe in recorded.exes)
    assert len(recorded.collect["executables"]) == 2


def test_spec_macos_bundle_and_genai_link(monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = run_spec(monkeypatch, "darwin")
    assert recorded.bundle is not None
    assert recorded.bundle["name"] == "Foundry Local Bench.app"
    assert recorded.bundle["icon"].endswith(".icns")
    assert recorded.bundle["info_plist"]["CFBundleDisplayName"] == "Foundry Local Bench"
    assert recorded.exes[0]["console"] is False
    # Shipped, so the SDK never creates it inside the signed bundle at run time.
    assert (
        "onnxruntime_genai_core/bin/libonnxruntime.dylib",
        "../../onnxruntime/capi/libonnxruntime.1.31.0.dylib",
        "SYMLINK",
    ) in recorded.binaries


# -- build.py --------------------------------------------------------------------------


def test_layout_matches_where_the_app_looks_for_resources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from foundry_bench.core import paths

    layout = build.Layout.for_platform(tmp_path)
    (layout.resources / "examples").mkdir(parents=True)
    meipass = layout.resources.parent.parent
    if sys.platform == "darwin":  # BUNDLE links Contents/Frameworks/x to Contents/Resources/x
        meipass = layout.install_dir / "Contents" / "Frameworks"
        meipass.mkdir(parents=True)
        (meipass / "foundry_bench").symlink_to(layout.resources.parent)
    monkeypatch.setattr(sys, "_MEIPASS", str(meipass), raising=False)
    assert paths.resources_dir().resolve() == layout.resources.resolve()


def test_known_harmless_stderr_is_allowed_and_the_rest_is_not() -> None:
    unload = (
        "[error] model_load_manager.cc:286 bool fl::ModelLoadManager::UnloadModel("
        "std::string_view, const std::string*) cannot unload model "
        "'foundry-bench-demo-generic-cpu:1': 1 session(s) still using it"
    )
    other = [
        "Traceback (most recent call last):",
        'qt.qpa.plugin: Could not load the Qt platform plugin "xcb"',
        "[error] model_load_manager.cc:120 cannot load model 'x:1'",
    ]
    assert (
        build.unexpected_stderr([unload, "", "This plugin does not support propagateSizeHints"])
        == []
    )
    assert build.unexpected_stderr([unload, *other]) == other


@pytest.mark.parametrize("signer", ["macos", "windows"])
def test_signing_is_skipped_with_a_warning_without_a_certificate(
    signer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in (build.MACOS_IDENTITY_ENV, build.WINDOWS_CERT_ENV, *build.MACOS_NOTARY_ENVS):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setattr(build, "run", lambda *a, **k: pytest.fail("must not run a signing tool"))
    if signer == "macos":
        assert build.sign_macos_app(tmp_path / "App.app") is False
        assert build.sign_macos_dmg_and_notarize(tmp_path / "x.dmg") is False
        env = build.MACOS_IDENTITY_ENV
    else:
        assert build.sign_windows([tmp_path / "foundry-bench.exe"]) is False
        env = build.WINDOWS_CERT_ENV
    out = capsys.readouterr()
    assert f"WARNING: {env} is not set" in out.err
    assert "::warning title=packaging::" in out.out  # shown on the GitHub Actions run page


@pytest.fixture
def fake_frozen_app(tmp_path: Path) -> Iterator[Any]:
    """A stand-in for the frozen executable: prints what we tell it to, like --self-test."""
    if sys.platform == "win32":
        pytest.skip("the stand-in is a script with a #! line")
    onedir = tmp_path / "dist" / "foundry-bench"
    onedir.mkdir(parents=True)
    exe = onedir / "foundry-bench"

    def make(body: str) -> Any:
        exe.write_text(f"#!{sys.executable}\nimport sys, pathlib\n" + textwrap.dedent(body))
        exe.chmod(0o755)
        return build.Layout(tmp_path / "dist", onedir, onedir, exe, onedir / "res")

    yield make


PASSING_OUTPUT = """
print("self-test: open the window", flush=True)
print("  runtime serving at http://127.0.0.1:1", flush=True)
print("  ok (0.01 s)")
print("self-test ok")
print("max_ui_stall_ms=12")
"""


def test_smoke_test_passes_and_times_start_up(fake_frozen_app: Any) -> None:
    layout = fake_frozen_app(
        PASSING_OUTPUT + "print('This plugin does not support propagateSizeHints', file=sys.stderr)"
    )
    result = build.smoke_test(layout, timeout_s=60)
    assert result.exit_code == 0
    assert result.max_ui_stall_ms == 12
    assert result.startup_to_window_s is not None
    assert result.runtime_ready_s is not None
    assert result.startup_to_window_s <= result.runtime_ready_s <= result.total_s


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (PASSING_OUTPUT + "sys.exit(3)", "exit code 3"),
        (PASSING_OUTPUT + "print('Segfault in libfoo', file=sys.stderr)", "Segfault in libfoo"),
        (
            PASSING_OUTPUT + "(pathlib.Path(sys.argv[0]).parent / 'settings.ini').write_text('x')",
            "files written into the install folder:\n    settings.ini",
        ),
        ("print('self-test: open the window')\nprint('self-test FAILED: x')", "last two lines"),
    ],
    ids=["exit-code", "stderr", "writes-install-dir", "no-ok-line"],
)
def test_smoke_test_fails_like_qutebrowsers(fake_frozen_app: Any, body: str, problem: str) -> None:
    with pytest.raises(build.BuildError, match="frozen self-test failed") as failure:
        build.smoke_test(fake_frozen_app(body), timeout_s=60)
    assert problem in str(failure.value)


def test_smoke_test_gives_the_app_a_fresh_home(fake_frozen_app: Any) -> None:
    layout = fake_frozen_app(
        textwrap.dedent(
            """
        import os
        home = pathlib.Path(os.environ["FOUNDRY_BENCH_HOME"])
        assert home.is_dir() and not any(home.iterdir()), home
        assert os.environ["QT_QPA_PLATFORM"] == "offscreen"
        """
        )
        + PASSING_OUTPUT
    )
    assert build.smoke_test(layout, timeout_s=60).exit_code == 0


# -- installers, icons, CI -------------------------------------------------------------


def test_installer_script_takes_what_build_py_passes() -> None:
    iss = (PACKAGING / "windows" / "installer.iss").read_text(encoding="utf-8")
    source = (PACKAGING / "build.py").read_text(encoding="utf-8")
    for define in ("AppVersion", "AppSourceDir", "OutputDir", "OutputBaseName"):
        assert f"#ifndef {define}" in iss
        assert f"/D{define}=" in source
    assert 'AppExe "foundry-bench.exe"' in iss
    assert "SetupIconFile=..\\icons\\foundry-bench.ico" in iss
    assert (PACKAGING / "icons" / "foundry-bench.ico").is_file()


def test_committed_icons_are_well_formed() -> None:
    icons = PACKAGING / "icons"
    png = (icons / "foundry-bench.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    ico = (icons / "foundry-bench.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", ico)
    assert (reserved, kind) == (0, 1) and count >= 4
    icns = (icons / "foundry-bench.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack_from(">I", icns, 4)[0] == len(icns)


def test_ci_workflow_builds_tests_and_uploads_on_three_oses() -> None:
    workflow = (ROOT / ".github" / "workflows" / "build.yml").read_text(encoding="utf-8")
    for needle in (
        "windows-latest",
        "macos-latest",
        "ubuntu-latest",
        'python-version: "3.11"',
        '".[dev,package]"',
        "python -m pytest",
        "python packaging/build.py",
        "actions/upload-artifact",
    ):
        assert needle in workflow, needle


# -- the real thing --------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(1200)
@pytest.mark.skipif(
    os.environ.get(FREEZE_ENV) != "1",
    reason=f"builds the frozen app with PyInstaller (~1.5 min); set {FREEZE_ENV}=1 to run",
)
def test_frozen_app_builds_and_passes_its_self_test(tmp_path: Path) -> None:
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.skip("PyInstaller is not installed (pip install -e '.[package]')")
    dist, work = tmp_path / "dist", tmp_path / "work"
    result = subprocess.run(
        [
            sys.executable,
            str(PACKAGING / "build.py"),
            "--no-package",
            "--dist",
            dist,
            "--work",
            work,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1100,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    summary = json.loads((dist / "build-summary.json").read_text())
    smoke = summary["smoke_test"]
    assert smoke["exit_code"] == 0
    assert smoke["unexpected_stderr"] == [] and smoke["written_to_install_dir"] == []
    assert smoke["startup_to_window_s"] is not None
