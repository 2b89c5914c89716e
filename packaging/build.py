"""Build the double-click app, sign it if a certificate is configured, package it, smoke-test it.

    python packaging/build.py [--clean] [--no-package] [--dist DIR] [--work DIR]

Steps (packaging/README.md has the details):
1. PyInstaller with ``packaging/foundry-bench.spec`` (onedir; a .app on macOS).
2. Check the bundle holds what the app needs (resources, Qt platform plugins, native libs).
3. Sign: macOS ``codesign`` when ``MACOS_SIGN_IDENTITY`` is set, Windows ``signtool`` when
   ``WINDOWS_CERT_FILE`` is set; otherwise print a WARNING and go on (like Picard's builds).
4. Smoke test, like qutebrowser's ``build_release.py``: run the frozen app's ``--self-test``
   with a fresh ``FOUNDRY_BENCH_HOME``; fail on a non-zero exit, on stderr lines that are not
   known to be harmless, or on any file written into the install folder. It also measures
   the start-up time to a shown window.
5. Package: a .dmg on macOS (then notarize when Apple credentials are set), a zip and, if
   Inno Setup's ``iscc`` is installed, an installer on Windows, a .tar.gz on Linux.

A summary goes to ``<dist>/build-summary.json``. Exit code 0 on success, 1 on any failure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "foundry-bench.spec"
INSTALLER_SCRIPT = PACKAGING / "windows" / "installer.iss"
ENTITLEMENTS = PACKAGING / "macos" / "entitlements.plist"

APP_NAME = "Foundry Local Bench"
EXE_NAME = "foundry-bench"  # must match EXE_NAME in the spec
ARTIFACT_STEM = "Foundry-Local-Bench"
SMOKE_TIMEOUT_S = 300.0

# Lines the frozen self-test may print on stderr without failing the build; everything else
# fails it. Each entry says why it is harmless.
ALLOWED_STDERR = [
    # Right after a streamed answer the runtime's web service holds its session for a few ms;
    # the native library logs each refused unload, and FoundryRuntime.unload retries.
    re.compile(
        r"^\[error\] model_load_manager\.cc:\d+ .*cannot unload model '[^']+': "
        r"\d+ session\(s\) still using it$"
    ),
    # Offscreen Qt 6.11+ says this for every shown window (ui/app.py filters it as well).
    re.compile(r"This plugin does not support propagateSizeHints"),
]

# Signing configuration: environment variables, so CI maps its secrets onto them.
MACOS_IDENTITY_ENV = "MACOS_SIGN_IDENTITY"  # "Developer ID Application: Name (TEAMID)"
MACOS_NOTARY_ENVS = ("MACOS_NOTARY_APPLE_ID", "MACOS_NOTARY_TEAM_ID", "MACOS_NOTARY_PASSWORD")
WINDOWS_CERT_ENV = "WINDOWS_CERT_FILE"  # a .pfx file
WINDOWS_CERT_PASSWORD_ENV = "WINDOWS_CERT_PASSWORD"
WINDOWS_TIMESTAMP_ENV = "WINDOWS_TIMESTAMP_URL"
DEFAULT_TIMESTAMP_URL = "http://timestamp.digicert.com"


class BuildError(Exception):
    """A step failed; the message says which and why."""


# -- where things are ------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Where PyInstaller puts the app on this OS."""

    dist: Path
    onedir: Path  # dist/foundry-bench (on macOS inside the .app, see install_dir)
    install_dir: Path  # what a user installs: the onedir, or the .app on macOS
    smoke_exe: Path  # a console executable that can print the self-test's output
    resources: Path  # where resources_dir() looks (sys._MEIPASS/foundry_bench/resources)

    @classmethod
    def for_platform(cls, dist: Path) -> Layout:
        onedir = dist / EXE_NAME
        if sys.platform == "darwin":
            app = dist / f"{APP_NAME}.app"
            return cls(
                dist,
                onedir,
                app,
                app / "Contents" / "MacOS" / EXE_NAME,
                # BUNDLE moves data files to Contents/Resources (and links them from
                # Contents/Frameworks, which is sys._MEIPASS).
                app / "Contents" / "Resources" / "foundry_bench" / "resources",
            )
        internal = onedir / "_internal"
        exe = onedir / (f"{EXE_NAME}-cli.exe" if sys.platform == "win32" else EXE_NAME)
        return cls(dist, onedir, onedir, exe, internal / "foundry_bench" / "resources")


def app_version() -> str:
    text = (ROOT / "desktop" / "foundry_bench" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if not match:
        raise BuildError("no __version__ in desktop/foundry_bench/__init__.py")
    return match.group(1)


def platform_tag() -> str:
    os_name = {"win32": "windows", "darwin": "macos"}.get(sys.platform, "linux")
    machine = platform.machine().lower()
    arch = {"amd64": "x64", "x86_64": "x64", "aarch64": "arm64"}.get(machine, machine)
    return f"{os_name}-{arch}"


# -- output ----------------------------------------------------------------------------


def say(text: str) -> None:
    print(text, flush=True)


def warn(text: str) -> None:
    """A WARNING line, and an annotation on the run's page when running in GitHub Actions."""
    print(f"WARNING: {text}", file=sys.stderr, flush=True)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        print(f"::warning title=packaging::{text}", flush=True)


def run(cmd: Sequence[str | Path], cwd: Path | None = None) -> None:
    printable = " ".join(str(c) for c in cmd)
    say(f"$ {printable}")
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, check=False)
    if result.returncode != 0:
        raise BuildError(f"command failed with exit code {result.returncode}: {printable}")


def tree_size(path: Path) -> int:
    """Bytes in regular files under ``path`` (symlinks are not followed, so not counted twice)."""
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            file = os.path.join(dirpath, name)
            if not os.path.islink(file):
                total += os.path.getsize(file)
    return total


def seconds(value: float | None) -> str:
    return "?" if value is None else f"{value:.2f} s"


def mib(n_bytes: int) -> float:
    return round(n_bytes / 2**20, 1)


# -- 1. PyInstaller --------------------------------------------------------------------


def build(layout: Layout, work: Path, *, clean: bool) -> float:
    cmd: list[str | Path] = [sys.executable, "-m", "PyInstaller", "--noconfirm"]
    cmd += ["--log-level", "WARN", "--distpath", layout.dist, "--workpath", work]
    if clean:
        cmd.append("--clean")
    started = time.perf_counter()
    run([*cmd, SPEC], cwd=ROOT)
    return time.perf_counter() - started


# -- 2. what the bundle must (not) hold ------------------------------------------------


def expected_files(layout: Layout) -> list[Path]:
    if sys.platform == "darwin":
        frameworks = layout.install_dir / "Contents" / "Frameworks"
        qt_plugins = frameworks / "PySide6" / "Qt" / "plugins"
        platforms = ["libqoffscreen.dylib", "libqcocoa.dylib"]
        native = ["foundry_local_sdk/_native/osx-arm64/libfoundry_local.dylib"]
        if platform.machine() != "arm64":
            native = ["foundry_local_sdk/_native/osx-x64/libfoundry_local.dylib"]
        native.append("onnxruntime_genai_core/bin/libonnxruntime-genai.dylib")
        internal = frameworks
    elif sys.platform == "win32":
        internal = layout.onedir / "_internal"
        qt_plugins = internal / "PySide6" / "plugins"
        platforms = ["qoffscreen.dll", "qwindows.dll"]
        native = [
            "foundry_local_sdk/_native/win-x64/foundry_local.dll",
            "onnxruntime/capi/onnxruntime.dll",
            "onnxruntime_genai_core/bin/onnxruntime-genai.dll",
        ]
    else:
        internal = layout.onedir / "_internal"
        qt_plugins = internal / "PySide6" / "Qt" / "plugins"
        platforms = ["libqoffscreen.so", "libqxcb.so", "libqwayland.so"]
        native = [
            "foundry_local_sdk/_native/linux-x64/libfoundry_local.so",
            "onnxruntime_genai_core/bin/libonnxruntime-genai.so",
        ]
    files = [layout.smoke_exe]
    files += [layout.resources / "demo_model" / "genai_config.json"]
    files += [layout.resources / "examples" / "prompts.json"]
    files += [qt_plugins / "platforms" / name for name in platforms]
    files += [internal / rel for rel in native]
    # Markers that make find_spec() locate the ONNX Runtime libraries (see the spec).
    files += [internal / "onnxruntime" / "__init__.py"]
    files += [internal / "onnxruntime_genai_core" / "__init__.py"]
    return files


# Library names (Linux libQt6Quick.so.6, Windows Qt6Quick.dll, macOS QtQuick.framework).
FORBIDDEN = re.compile(r"Qt6?(WebEngine|Quick|3D)|onnxruntime_pybind11_state")


def check_bundle(layout: Layout) -> None:
    missing = [p for p in expected_files(layout) if not p.exists()]
    if missing:
        raise BuildError(
            "the bundle lacks files the app needs:\n  "
            + "\n  ".join(str(p.relative_to(layout.dist)) for p in missing)
        )
    if sys.platform != "win32" and not any(layout.install_dir.rglob("libonnxruntime.*")):
        raise BuildError("the bundle has no ONNX Runtime library (libonnxruntime.*)")
    stray = sorted(
        str(p.relative_to(layout.dist))
        for p in layout.install_dir.rglob("*")
        if FORBIDDEN.search(p.name)
    )
    if stray:
        raise BuildError(
            "the bundle holds modules the spec excludes:\n  " + "\n  ".join(stray[:20])
        )
    say(f"bundle check: {len(expected_files(layout))} required files present, nothing excluded")


# -- 3. signing ------------------------------------------------------------------------


def sign_macos_app(app: Path) -> bool:
    identity = os.environ.get(MACOS_IDENTITY_ENV)
    if not identity:
        warn(
            f"{MACOS_IDENTITY_ENV} is not set: the app is only ad-hoc signed by PyInstaller and "
            "not notarized; Gatekeeper will block it until users right-click > Open"
        )
        return False
    run(
        [
            "codesign",
            "--force",
            "--deep",
            "--options",
            "runtime",
            "--timestamp",
            "--entitlements",
            ENTITLEMENTS,
            "--sign",
            identity,
            app,
        ]
    )
    run(["codesign", "--verify", "--deep", "--strict", "--verbose=2", app])
    return True


def sign_macos_dmg_and_notarize(dmg: Path) -> bool:
    identity = os.environ.get(MACOS_IDENTITY_ENV)
    if not identity:
        return False  # already warned when the app was not signed
    run(["codesign", "--force", "--timestamp", "--sign", identity, dmg])
    apple_id, team_id, password = (os.environ.get(name) for name in MACOS_NOTARY_ENVS)
    if not (apple_id and team_id and password):
        warn(
            f"{', '.join(MACOS_NOTARY_ENVS)} are not all set: the .dmg is signed but not "
            "notarized; Gatekeeper will warn on first start"
        )
        return False
    run(
        [
            "xcrun",
            "notarytool",
            "submit",
            dmg,
            "--apple-id",
            apple_id,
            "--team-id",
            team_id,
            "--password",
            password,
            "--wait",
        ]
    )
    run(["xcrun", "stapler", "staple", dmg])
    return True


def find_windows_tool(name: str, *globs: str) -> Path | None:
    """``name`` on PATH, else the newest match of ``globs`` under Program Files (x86)."""
    found = shutil.which(name)
    if found:
        return Path(found)
    base = os.environ.get("PROGRAMFILES(X86)")
    if not base:
        return None
    matches = sorted(m for pattern in globs for m in Path(base).glob(pattern))
    return matches[-1] if matches else None


def sign_windows(files: Iterable[Path]) -> bool:
    cert = os.environ.get(WINDOWS_CERT_ENV)
    if not cert:
        warn(
            f"{WINDOWS_CERT_ENV} is not set: the .exe files are not signed; SmartScreen will "
            "warn users before the first start"
        )
        return False
    signtool = find_windows_tool("signtool", "Windows Kits/10/bin/*/x64/signtool.exe")
    if signtool is None:
        raise BuildError(f"{WINDOWS_CERT_ENV} is set but signtool.exe was not found")
    cmd: list[str | Path] = [signtool, "sign", "/f", cert, "/fd", "sha256"]
    password = os.environ.get(WINDOWS_CERT_PASSWORD_ENV)
    if password:
        cmd += ["/p", password]
    timestamp = os.environ.get(WINDOWS_TIMESTAMP_ENV, DEFAULT_TIMESTAMP_URL)
    cmd += ["/tr", timestamp, "/td", "sha256"]
    run([*cmd, *files])
    return True


# -- 4. smoke test ---------------------------------------------------------------------


@dataclass
class SmokeResult:
    exit_code: int
    stdout: list[str]
    stderr: list[str]
    startup_to_window_s: float | None  # process start -> the window is shown
    runtime_ready_s: float | None  # process start -> the embedded runtime is serving
    total_s: float
    max_ui_stall_ms: int | None = None
    unexpected_stderr: list[str] = field(default_factory=list)
    written_to_install_dir: list[str] = field(default_factory=list)


def unexpected_stderr(lines: Iterable[str]) -> list[str]:
    """The stderr lines that none of ALLOWED_STDERR explains."""
    return [
        line
        for line in lines
        if line.strip() and not any(pattern.search(line) for pattern in ALLOWED_STDERR)
    ]


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and modification time."""
    state = {}
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            state[os.path.relpath(path, folder)] = (st.st_size, st.st_mtime_ns)
    return state


@dataclass
class _Timed:
    exit_code: int
    stdout: list[str]
    stderr: list[str]
    window_s: float | None
    ready_s: float | None
    total_s: float


def _run_timed(cmd: list[str], env: dict[str, str], timeout_s: float) -> _Timed:
    """Run ``cmd``, echoing its output, and note when the start-up lines arrive."""
    say(f"$ {' '.join(cmd)}")
    # stderr goes to a file, so a chatty stderr cannot block the stdout reader.
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as err:
        started = time.perf_counter()
        # The with block closes the stdout pipe (and reaps the process) however this ends.
        with subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env=env,
            text=True,
            encoding="utf-8",
            errors="replace",
        ) as proc:
            watchdog = threading.Timer(timeout_s, proc.kill)
            watchdog.start()
            stdout: list[str] = []
            window_s = ready_s = None
            try:
                assert proc.stdout is not None
                for raw in proc.stdout:
                    line = raw.rstrip("\r\n")
                    now = time.perf_counter() - started
                    stdout.append(line)
                    say(f"  | {line}")
                    if window_s is None and line == "self-test: open the window":
                        window_s = now
                    elif ready_s is None and line.strip().startswith("runtime serving at"):
                        ready_s = now
                exit_code = proc.wait()
            finally:
                watchdog.cancel()
                watchdog.join()
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        total = time.perf_counter() - started
        err.seek(0)
        stderr = err.read().splitlines()
    for line in stderr:
        say(f"  ! {line}")
    return _Timed(exit_code, stdout, stderr, window_s, ready_s, total)


def smoke_test(layout: Layout, *, timeout_s: float = SMOKE_TIMEOUT_S) -> SmokeResult:
    """Run ``--self-test`` with a fresh data folder and time it from the outside.

    The self-test prints "self-test: open the window" right after the window is shown and
    "runtime serving at ..." once the embedded runtime is up, so the arrival times of those
    lines are the start-up figures a user would feel (a cold start of the frozen app).
    """
    before = snapshot(layout.install_dir)
    home = Path(tempfile.mkdtemp(prefix="foundry-bench-smoke-"))
    env = dict(os.environ)
    env.update({"FOUNDRY_BENCH_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"})
    # A model's reply may hold any character; into a pipe on Windows (cp1252) that would be
    # an encoding error rather than a finding. The bootloader honours PYTHONUTF8.
    env.update({"PYTHONUTF8": "1", "PYTHONIOENCODING": "utf-8"})
    say(f"FOUNDRY_BENCH_HOME={home}")
    timed = _run_timed([str(layout.smoke_exe), "--self-test"], env, timeout_s)
    exit_code, stdout, stderr, total = timed.exit_code, timed.stdout, timed.stderr, timed.total_s

    after = snapshot(layout.install_dir)
    written = sorted(path for path, state in after.items() if before.get(path) != state)
    result = SmokeResult(exit_code, stdout, stderr, timed.window_s, timed.ready_s, total)
    result.unexpected_stderr = unexpected_stderr(stderr)
    result.written_to_install_dir = written
    stall = re.fullmatch(r"max_ui_stall_ms=(\d+)", stdout[-1]) if stdout else None
    result.max_ui_stall_ms = int(stall.group(1)) if stall else None

    problems = []
    if exit_code != 0:
        problems.append(
            f"exit code {exit_code}" + (" (killed: timeout)" if total >= timeout_s else "")
        )
    if stdout[-2:-1] != ["self-test ok"] or stall is None:
        problems.append("the last two lines are not 'self-test ok' and 'max_ui_stall_ms=<N>'")
    if result.unexpected_stderr:
        problems.append("unexpected stderr:\n    " + "\n    ".join(result.unexpected_stderr))
    if written:
        problems.append("files written into the install folder:\n    " + "\n    ".join(written))
    if problems:
        raise BuildError(
            f"frozen self-test failed (data folder kept: {home}):\n  - " + "\n  - ".join(problems)
        )
    shutil.rmtree(home, ignore_errors=True)
    return result


# -- 5. packages -----------------------------------------------------------------------


def package_macos(layout: Layout, stem: str) -> list[Path]:
    staging = layout.dist / "dmg-staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    # ditto keeps the bundle's symlinks, permissions and signature intact.
    run(["ditto", layout.install_dir, staging / layout.install_dir.name])
    (staging / "Applications").symlink_to("/Applications")  # drag-to-install target
    dmg = layout.dist / f"{stem}.dmg"
    dmg.unlink(missing_ok=True)
    run(
        [
            "hdiutil",
            "create",
            "-volname",
            APP_NAME,
            "-srcfolder",
            staging,
            "-format",
            "UDZO",
            "-ov",
            dmg,
        ]
    )
    shutil.rmtree(staging)
    return [dmg]


def package_windows(layout: Layout, stem: str, version: str) -> list[Path]:
    base = layout.dist / stem
    zip_path = Path(
        shutil.make_archive(str(base), "zip", root_dir=layout.dist, base_dir=layout.onedir.name)
    )
    outputs = [zip_path]
    iscc = find_windows_tool("iscc", "Inno Setup 6/ISCC.exe")
    if iscc is None:
        warn("Inno Setup (iscc) is not installed: no Windows installer, only the zip")
        return outputs
    setup_name = f"{stem}-setup"
    run(
        [
            iscc,
            "/Qp",
            f"/DAppVersion={version}",
            f"/DAppSourceDir={layout.onedir}",
            f"/DOutputDir={layout.dist}",
            f"/DOutputBaseName={setup_name}",
            INSTALLER_SCRIPT,
        ]
    )
    installer = layout.dist / f"{setup_name}.exe"
    sign_windows([installer])
    outputs.append(installer)
    return outputs


def package_linux(layout: Layout, stem: str) -> list[Path]:
    # A tarball keeps the executable bit and the symlinks that a CI artifact zip would lose.
    archive = layout.dist / f"{stem}.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
        tar.add(layout.onedir, arcname=layout.onedir.name)
    return [archive]


# -- main ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder")
    parser.add_argument(
        "--work", type=Path, default=ROOT / "build" / "pyinstaller", help="PyInstaller's temp"
    )
    parser.add_argument("--clean", action="store_true", help="empty PyInstaller's cache first")
    parser.add_argument(
        "--no-package", action="store_true", help="stop after the smoke test (no dmg/zip/tar)"
    )
    args = parser.parse_args(argv)
    layout = Layout.for_platform(args.dist.resolve())
    version = app_version()
    stem = f"{ARTIFACT_STEM}-{version}-{platform_tag()}"
    summary: dict[str, object] = {"version": version, "platform": platform_tag()}
    try:
        say(f"== PyInstaller ({SPEC.relative_to(ROOT)})")
        summary["build_s"] = round(build(layout, args.work.resolve(), clean=args.clean), 1)
        say(f"== check the bundle ({layout.install_dir})")
        check_bundle(layout)
        summary["onedir_mib"] = mib(tree_size(layout.install_dir))

        say("== sign the app")
        if sys.platform == "darwin":
            summary["signed"] = sign_macos_app(layout.install_dir)
        elif sys.platform == "win32":
            exes = [layout.onedir / f"{EXE_NAME}.exe", layout.onedir / f"{EXE_NAME}-cli.exe"]
            summary["signed"] = sign_windows(exes)
        else:
            summary["signed"] = False
            say("Linux builds are not signed")

        say("== smoke test: the frozen app's --self-test")
        smoke = smoke_test(layout)
        summary["smoke_test"] = {
            k: round(v, 3) if isinstance(v, float) else v
            for k, v in asdict(smoke).items()
            if k not in ("stdout", "stderr")
        }

        artifacts: list[Path] = []
        if not args.no_package:
            say("== package")
            if sys.platform == "darwin":
                artifacts = package_macos(layout, stem)
                summary["notarized"] = sign_macos_dmg_and_notarize(artifacts[0])
            elif sys.platform == "win32":
                artifacts = package_windows(layout, stem, version)
            else:
                artifacts = package_linux(layout, stem)
        artifact_sizes = {p.name: mib(p.stat().st_size) for p in artifacts}
        summary["artifacts"] = artifact_sizes
    except BuildError as exc:
        print(f"build.py: error: {exc}", file=sys.stderr)
        return 1

    (layout.dist / "build-summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    say("== done")
    say(f"app:        {layout.install_dir} ({summary['onedir_mib']} MiB)")
    say(f"build:      {summary['build_s']} s (PyInstaller)")
    say(
        f"start-up:   window shown after {seconds(smoke.startup_to_window_s)}, runtime serving "
        f"after {seconds(smoke.runtime_ready_s)}; self-test {seconds(smoke.total_s)}, "
        f"max UI stall {smoke.max_ui_stall_ms} ms"
    )
    for name, size in artifact_sizes.items():
        say(f"artifact:   {layout.dist / name} ({size} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
