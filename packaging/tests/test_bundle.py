"""The built bundle works: `make bundle-test` (minutes; not part of `make test`).

Builds dist/thenar/ with `make bundle`, then runs the bundle the way a person's
computer would: its self-test, its simulated massager, its window (offscreen),
and the tarball's install.sh / uninstall.sh into a throw-away home folder.
Every run of the bundle gets its own empty HOME and XDG folders, so the test
also checks what the app creates: only its own data, settings and log folders.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
BUNDLE = DIST / "thenar"
EXE = BUNDLE / "thenar"
APP_ID = "app.thenar.Thenar"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
BUILD_TIMEOUT_S = 1800  # about 20 s here with a warm disk cache; minutes on a cold CI runner

pytestmark = [pytest.mark.bundle, pytest.mark.timeout(BUILD_TIMEOUT_S + 600)]


def report(line: str) -> None:
    """Measurements for the README and the reviewer (shown with -rA)."""
    print(f"[bundle] {line}", flush=True)


@pytest.fixture(scope="module")
def bundle() -> Path:
    started = time.monotonic()
    built = subprocess.run(
        ["make", "--no-print-directory", "bundle"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        check=False,
    )
    took = time.monotonic() - started
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
    assert EXE.is_file()
    assert os.access(EXE, os.X_OK)
    size = sum(f.stat().st_size for f in BUNDLE.rglob("*") if f.is_file() and not f.is_symlink())
    report(f"build: {took:.0f} s; bundle: {size / 1e6:.0f} MB in {BUNDLE}")
    return EXE


def home_env(home: Path) -> dict[str, str]:
    """An environment whose user folders all live in `home` (empty at first)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "QT_"))}
    env |= {"HOME": str(home), "TMPDIR": str(home / "tmp"), "LC_ALL": "C.UTF-8"}
    (home / "tmp").mkdir(parents=True)
    return env


def created(home: Path) -> set[str]:
    """Everything under `home` except the scratch tmp folder, as relative paths."""
    return {str(p.relative_to(home)) for p in home.rglob("*") if p.parts[len(home.parts)] != "tmp"}


def test_self_test_passes(bundle: Path, tmp_path: Path) -> None:
    env = home_env(tmp_path / "home")
    started = time.monotonic()
    run = subprocess.run(
        [str(bundle), "--self-test"], env=env, capture_output=True, text=True, timeout=120
    )
    took = time.monotonic() - started
    report(f"self-test: {took:.1f} s, exit {run.returncode}")
    for line in run.stdout.splitlines():
        report(f"  {line}")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("ok  ") == 6
    assert "FAIL" not in run.stdout
    assert "Thenar self-test passed." in run.stdout
    # Only the diagnostic log is left behind; the session log was temporary.
    assert created(tmp_path / "home") == {
        ".local",
        ".local/state",
        ".local/state/Thenar",
        ".local/state/Thenar/log",
        ".local/state/Thenar/log/thenar.log",
    }
    assert list((tmp_path / "home" / "tmp").iterdir()) == []


def test_simulator_is_in_the_bundle(bundle: Path, tmp_path: Path) -> None:
    env = home_env(tmp_path / "home")
    with subprocess.Popen(
        [str(bundle), "--simulator", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            started = time.monotonic()
            line = proc.stdout.readline()  # the simulator prints its address once it listens
            report(f"simulator ready in {time.monotonic() - started:.1f} s: {line.strip()}")
            match = re.search(r"tcp-client:127\.0\.0\.1:(\d+)", line)
            assert match, line
            with socket.create_connection(("127.0.0.1", int(match.group(1))), timeout=5):
                pass  # it accepts a client on loopback
            assert proc.poll() is None
        finally:
            proc.terminate()
            proc.communicate(timeout=10)
    assert created(tmp_path / "home") == set()


def test_qt_platform_plugins_are_in_the_bundle(bundle: Path) -> None:
    platforms = bundle.parent / "_internal" / "PySide6" / "Qt" / "plugins" / "platforms"
    present = {p.name for p in platforms.iterdir()}
    assert {"libqoffscreen.so", "libqxcb.so", "libqwayland.so"} <= present, present
    # Left out on purpose (packaging/thenar.spec): nothing in the bundle may need them.
    internal = bundle.parent / "_internal"
    assert not list(internal.rglob("libQt6Quick.so*"))
    assert not [p for p in internal.rglob("*") if p.is_symlink() and not p.exists()]
    assert not (internal / "tests").exists()


def test_window_starts_and_keeps_data_in_the_user_folders(bundle: Path, tmp_path: Path) -> None:
    """The real app, offscreen: it starts, opens its log in the user data folder, and a
    SIGTERM (logout) shuts it down cleanly. It creates nothing but its own folders."""
    home = tmp_path / "home"
    env = home_env(home) | {"QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen(
        [str(bundle), "--transport", "sim"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    data = home / ".local" / "share" / "Thenar"
    try:
        deadline = time.monotonic() + 60
        while not (data.is_dir() and any(data.iterdir())):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the app did not open its log within 60 s"
            time.sleep(0.2)
        time.sleep(3)  # let the window come up fully
        assert proc.poll() is None, proc.communicate()
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
    assert proc.returncode == 0, out + err
    assert "Traceback" not in err, err
    assert "Could not load the Qt platform plugin" not in err, err
    tops = {str(Path(p).parent) for p in created(home) if Path(p).name == "Thenar"}
    assert tops <= {".local/share", ".config", ".local/state"}, tops
    allowed = (".local/share/Thenar", ".config/Thenar", ".local/state/Thenar")
    outside = {
        p
        for p in created(home)
        if not p.startswith(allowed) and not any(a.startswith(p + "/") for a in allowed)
    }
    assert outside == set(), outside


@pytest.fixture(scope="module")
def tarball(bundle: Path) -> Path:
    run = subprocess.run(
        ["sh", str(ROOT / "packaging" / "linux" / "make_tarball.sh")],
        cwd=ROOT,
        env=os.environ | {"PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    out = DIST / f"thenar-{VERSION}-linux-{os.uname().machine}.tar.gz"
    assert out.is_file()
    report(f"tarball: {out.name}, {out.stat().st_size / 1e6:.0f} MB")
    return out


@pytest.fixture
def unpacked(tarball: Path, tmp_path: Path) -> Iterator[Path]:
    with tarfile.open(tarball) as tar:
        tar.extractall(tmp_path / "unpacked", filter="tar")
    yield tmp_path / "unpacked" / f"thenar-{VERSION}"
    shutil.rmtree(tmp_path / "unpacked")


def tree(home: Path) -> dict[str, str]:
    """Every path under home, with what it is (for before/after comparisons)."""
    out = {}
    for p in sorted(home.rglob("*")):
        kind = "link" if p.is_symlink() else "dir" if p.is_dir() else "file"
        out[str(p.relative_to(home))] = kind
    return out


def test_install_then_uninstall_leaves_only_the_data(unpacked: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = home_env(home)
    # Something of the person's own already in ~/.local, which must survive.
    (home / ".local" / "share" / "applications").mkdir(parents=True)
    (home / ".local" / "share" / "applications" / "other.desktop").write_text("[Desktop Entry]\n")
    before = tree(home)

    run = subprocess.run(
        ["sh", str(unpacked / "install.sh")], env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout + run.stderr
    local = home / ".local"
    exe = local / "bin" / "thenar"
    assert exe.is_symlink()
    assert exe.resolve() == (local / "lib" / "thenar" / "thenar").resolve()
    desktop = local / "share" / "applications" / f"{APP_ID}.desktop"
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(desktop)
    assert entry["Desktop Entry"]["Exec"] == f'"{exe}"'
    assert (local / "share" / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    for size in (16, 32, 48, 64, 128, 256, 512):
        assert (local / f"share/icons/hicolor/{size}x{size}/apps/{APP_ID}.png").is_file()
    assert (local / f"share/icons/hicolor/scalable/apps/{APP_ID}.svg").is_file()
    # The installed tree as a software centre sees it: .desktop, metainfo and icon agree.
    check = subprocess.run(
        ["appstreamcli", "validate-tree", "--no-net", str(local)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    report(f"appstreamcli validate-tree: {check.stdout.strip().splitlines()[-1:]}")
    assert check.returncode == 0, check.stdout + check.stderr

    # The installed app runs from its menu command, and keeps data where it says.
    ran = subprocess.run(
        [str(exe), "--self-test"], env=env, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    data = local / "share" / "Thenar"
    data.mkdir(parents=True)
    (data / "thenar.db").write_text("the person's log")

    gone = subprocess.run(
        ["sh", str(local / "lib" / "thenar" / "uninstall.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert "Your data is still here" in gone.stdout
    after = tree(home)
    left = {p for p in after if p not in before}
    # Exactly the person's data (and its parent folders) and the diagnostic log remain.
    assert left == {
        ".local/share/Thenar",
        ".local/share/Thenar/thenar.db",
        ".local/state",
        ".local/state/Thenar",
        ".local/state/Thenar/log",
        ".local/state/Thenar/log/thenar.log",
        "tmp",
    } - set(before), left
    assert {p: k for p, k in after.items() if p in before} == before


def test_desktop_entry_and_metainfo_agree() -> None:
    linux = ROOT / "packaging" / "linux"
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(linux / f"{APP_ID}.desktop")
    keys = entry["Desktop Entry"]
    assert keys["Exec"] == "thenar"
    assert keys["Icon"] == APP_ID
    assert keys["StartupWMClass"] == "Thenar"  # QApplication.applicationName in desktop/app.py
    assert keys["Categories"].endswith(";")
    assert keys["Keywords"].endswith(";")
    metainfo = (linux / f"{APP_ID}.metainfo.xml").read_text()
    assert f"<id>{APP_ID}</id>" in metainfo
    assert f'<release version="{VERSION}"' in metainfo
    assert f"{APP_ID}.desktop</launchable>" in metainfo
    check = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(linux / f"{APP_ID}.metainfo.xml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    report("appstreamcli validate: " + " ".join(check.stdout.split()))
    assert check.returncode == 0, check.stdout + check.stderr
