"""Take out of an installed PySide6 the Qt the kiosk does not use (WebEngine, Qt 3D, QML, …).

The kiosk imports QtCore, QtGui, QtWidgets, QtSvg, QtMultimedia and QtMultimediaWidgets; those
modules, the plugins the kiosk can need at run time, and every Qt library they load (followed
through the ELF ``NEEDED`` entries, read with ``readelf``) stay; everything else goes. Copies of one
library under its versioned names (pip does not keep symbolic links) become links.

    removed_bytes = prune(Path("/opt/kiosk/lib/python3.11/site-packages/PySide6"))
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

MODULES = (
    "QtCore",
    "QtGui",
    "QtWidgets",
    "QtSvg",
    "QtMultimedia",
    "QtMultimediaWidgets",
    "QtNetwork",
)
PLUGINS = (
    "platforms",  # xcb, wayland, eglfs, linuxfb, offscreen
    "platforminputcontexts",
    "imageformats",  # a logo or background in any format staff choose
    "iconengines",
    "multimedia",  # the camera (FFmpeg)
    "xcbglintegrations",
    "egldeviceintegrations",
    "generic",  # evdev and tslib touch input for eglfs and linuxfb
    "wayland-shell-integration",
    "wayland-decoration-client",
    "wayland-graphics-integration-client",
    "tls",
    "networkinformation",
)
UNWANTED_PLUGINS = (
    "libqpdf.so",  # PDF as an image format: Qt PDF, 4 MB
    "libqtvirtualkeyboardplugin.so",  # Qt's own on-screen keyboard: Qt Quick and QML, 20 MB
)
DROPPED_DIRS = ("qml", "metatypes", "resources", "libexec", "translations")
DEVELOPER_DIRS = ("scripts", "include", "lib", "doc", "glue", "typesystems")  # tools, C++ headers
NEEDED = re.compile(r"\(NEEDED\)\s+Shared library: \[(.+)\]")


def prune(pyside: Path) -> int:
    """Remove what the kiosk does not use from the PySide6 package at `pyside`; returns the
    bytes saved."""
    before = _size(pyside)
    qt = pyside / "Qt"
    for name in DROPPED_DIRS:
        shutil.rmtree(qt / name, ignore_errors=True)
    for name in DEVELOPER_DIRS:
        shutil.rmtree(pyside / name, ignore_errors=True)
    for path in pyside.glob("libpyside6qml*"):  # only QtQml loads it
        path.unlink()
    for path in pyside.iterdir():
        if path.is_file() and _is_module_file(path) and path.name.split(".")[0] not in MODULES:
            path.unlink()
    for path in pyside.glob("[a-z]*"):  # designer, linguist, qmlls and other developer programs
        if path.is_file() and os.access(path, os.X_OK) and ".so" not in path.name:
            path.unlink()
    plugins = qt / "plugins"
    for folder in plugins.iterdir():
        if folder.name not in PLUGINS:
            shutil.rmtree(folder)
    for name in UNWANTED_PLUGINS:
        for path in plugins.rglob(name):
            path.unlink()
    for path in plugins.rglob("*.so"):  # built against a Qt library the wheel does not have
        if any(
            name.startswith("libQt6") and not (qt / "lib" / name).exists() for name in _needed(path)
        ):
            path.unlink()
    roots = [pyside / f"{name}.abi3.so" for name in MODULES]
    roots += list(pyside.glob("libpyside6.*"))
    roots += [path for path in plugins.rglob("*.so") if path.is_file()]
    keep = libraries_needed(roots, qt / "lib")
    for path in (qt / "lib").iterdir():
        if path.is_file() and path.name not in keep:
            path.unlink()
    link_copies(qt / "lib")
    return before - _size(pyside)


def libraries_needed(roots: Iterable[Path], folder: Path) -> set[str]:
    """The names of the libraries in `folder` that `roots` load, directly or through others."""
    keep: set[str] = set()
    todo = list(roots)
    while todo:
        for name in _needed(todo.pop()):
            if name not in keep and (folder / name).exists():
                keep.add(name)
                todo.append(folder / name)
    return keep


def link_copies(folder: Path) -> None:
    """``libX.so.61.7.103`` and ``libX.so`` that are byte copies of ``libX.so.61`` become links
    to it (the name the others load)."""
    by_digest: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.is_symlink() and ".so" in path.name:
            by_digest.setdefault(_digest(path), []).append(path)
    for copies in by_digest.values():
        if len(copies) < 2:
            continue
        target = min(copies, key=lambda path: (path.name.count("."), len(path.name)))
        target = next((path for path in copies if re.search(r"\.so\.\d+$", path.name)), target)
        for path in copies:
            if path != target:
                path.unlink()
                path.symlink_to(target.name)


def _is_module_file(path: Path) -> bool:
    return path.name.startswith("Qt") and path.suffix in (".so", ".pyi")


def _needed(path: Path) -> Iterator[str]:
    result = subprocess.run(
        ["readelf", "-d", "-W", str(path)], capture_output=True, text=True, check=True
    )
    for line in result.stdout.splitlines():
        found = NEEDED.search(line)
        if found:
            yield found.group(1)


def _digest(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _size(folder: Path) -> int:
    return sum(path.lstat().st_size for path in folder.rglob("*") if not path.is_dir())
