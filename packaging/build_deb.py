"""Build the kiosk's Debian package: ``make deb``.

The package is a staged tree put together by ``dpkg-deb``: the kiosk in its own virtual
environment in /opt/kiosk (made from Debian's /usr/bin/python3, runtime dependencies only, Qt
pruned to what the kiosk uses), /usr/bin/kiosk, the systemd units, the PAM, polkit, udev and
modprobe files, and maintainer scripts that make the ``kiosk`` user.

    python3 packaging/build_deb.py --out dist          # dist/kiosk_0.1.0_amd64.deb
    python3 packaging/build_deb.py --out dist --version 0.1.1
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))

from qtprune import prune  # noqa: E402  (beside this script, not a package)

PREFIX = Path("opt/kiosk")
# (source under packaging/, where it goes, mode)
FILES = (
    ("systemd/kiosk.service", "lib/systemd/system/kiosk.service", 0o644),
    ("systemd/kiosk-server.service", "lib/systemd/system/kiosk-server.service", 0o644),
    ("default/kiosk-server", "etc/default/kiosk-server", 0o644),
    ("systemd/kiosk-presence.service", "lib/systemd/system/kiosk-presence.service", 0o644),
    ("default/kiosk-presence", "etc/default/kiosk-presence", 0o644),
    ("pam/kiosk", "etc/pam.d/kiosk", 0o644),
    ("modprobe/kiosk-nfc.conf", "etc/modprobe.d/kiosk-nfc.conf", 0o644),
    ("polkit/50-kiosk-pcscd.rules", "usr/share/polkit-1/rules.d/50-kiosk-pcscd.rules", 0o644),
    ("udev/60-kiosk-readers.rules", "lib/udev/rules.d/60-kiosk-readers.rules", 0o644),
    ("debian/copyright", "usr/share/doc/kiosk/copyright", 0o644),
    ("debian/lintian-overrides", "usr/share/lintian/overrides/kiosk", 0o644),
)
SCRIPTS = ("postinst", "prerm", "postrm")
# Dependencies without a wheel for Linux, compiled from source: here, against Debian's Python,
# never a wheel pip cached after compiling it for another Python (its paths would come along).
BUILT_HERE = ("pyscard",)
LEFT_OUT = (  # build tools a kiosk never runs
    "pip",
    "setuptools",
    "pkg_resources",
    "_distutils_hack",
    "distutils-precedence.pth",
    "wheel",
)


def main(argv: list[str] | None = None) -> int:
    """Build the package; prints its path."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PROJECT / "dist")
    parser.add_argument("--version", help="the package's version (default: the project's)")
    parser.add_argument("--python", default="/usr/bin/python3", help="Debian's Python 3.11")
    args = parser.parse_args(argv)
    print(build(args.out, args.version or project_version(), args.python))
    return 0


def project_version() -> str:
    """The version in pyproject.toml."""
    return str(_project()["version"])


def _dependencies() -> list[str]:
    dependencies: list[str] = _project()["dependencies"]
    return dependencies


def _project() -> dict[str, Any]:
    with (PROJECT / "pyproject.toml").open("rb") as stream:
        project: dict[str, Any] = tomllib.load(stream)["project"]
    return project


def build(out: Path, version: str, python: str) -> Path:
    """Stage the tree under `out` and build the package from it; its path."""
    root = out / "deb-root"
    if root.exists():
        shutil.rmtree(root)
    stage_environment(root, python)
    stage_files(root, version)
    arch = _output(["dpkg", "--print-architecture"])
    control(root, version, arch, _python_depends(python))
    deb = out / f"kiosk_{version}_{arch}.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zxz", "-z1", "--build", str(root), str(deb)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return deb


def stage_environment(root: Path, python: str) -> None:
    """The kiosk and its runtime dependencies in a virtual environment at /opt/kiosk, staged
    under `root`: pruned, and with its scripts pointing at /opt/kiosk."""
    venv = root / PREFIX
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    (venv / "lib64").unlink(missing_ok=True)  # a link to lib, which Python finds by itself
    pip = [str(venv / "bin/python3"), "-m", "pip", "--disable-pip-version-check"]
    built_here = [dep for dep in _dependencies() if dep.startswith(BUILT_HERE)]
    subprocess.run(
        [*pip, "install", "-q", "--no-compile", "--no-cache-dir", *built_here], check=True
    )
    subprocess.run([*pip, "install", "-q", "--no-compile", str(PROJECT)], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    saved = prune(site / "PySide6")
    print(f"Qt pruned: {saved / 1e6:.0f} MB left out", file=sys.stderr)
    for name in LEFT_OUT:
        for path in site.glob(f"{name}*"):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
    for path in (venv / "bin").iterdir():
        if path.name.startswith("python"):
            continue
        if path.name != "kiosk":  # activate scripts, pip, pyside6-* and other tools
            path.unlink()
            continue
        text = path.read_text()
        path.write_text(text.replace(str(venv.resolve()), "/" + str(PREFIX)))
    config = venv / "pyvenv.cfg"
    lines = config.read_text().splitlines()
    config.write_text("".join(f"{line}\n" for line in lines if not line.startswith("command")))
    for cache in list(venv.rglob("__pycache__")):
        shutil.rmtree(cache)  # postinst compiles on the kiosk; prerm takes it away
    tidy(site)
    (root / "usr/bin").mkdir(parents=True)
    (root / "usr/bin/kiosk").symlink_to("/" + str(PREFIX / "bin/kiosk"))


def tidy(site: Path) -> None:
    """As Debian's helpers leave a package: nothing in `site` executable (Python loads its
    modules and libraries, nothing runs them), and shared objects stripped of their symbols."""
    objects = []
    for path in site.rglob("*"):
        if path.is_symlink():
            continue
        path.chmod(0o755 if path.is_dir() else 0o644)
        if path.is_file() and ".so" in path.name and _is_elf(path):
            objects.append(str(path))
    for start in range(0, len(objects), 200):
        subprocess.run(["strip", "--strip-unneeded", *objects[start : start + 200]], check=True)


def _is_elf(path: Path) -> bool:
    with path.open("rb") as stream:
        return stream.read(4) == b"\x7fELF"


def stage_files(root: Path, version: str) -> None:
    """The units, rules and documents, and a changelog for `version`."""
    for source, target, mode in FILES:
        path = root / target
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(HERE / source, path)
        path.chmod(mode)
    doc = root / "usr/share/doc/kiosk"
    changelog = (
        f"kiosk ({version}) stable; urgency=medium\n\n"
        "  * Built from the kiosk's source; its CHANGELOG.md says what changed.\n\n"
        f" -- Kiosk developers <kiosk@example.org>  {_changelog_date()}\n"
    )
    with gzip.GzipFile(doc / "changelog.gz", "wb", mtime=0) as stream:
        stream.write(changelog.encode())
    for name in ("README.md", "CHANGELOG.md"):
        with gzip.GzipFile(doc / f"{name}.gz", "wb", mtime=0) as stream:
            stream.write((PROJECT / name).read_bytes())
    for path in (root / "usr/share/doc/kiosk").iterdir():
        path.chmod(0o644)


def _python_depends(python: str) -> str:
    """The environment is built for the Python it was made from: that minor version exactly."""
    code = "import sys; print(*sys.version_info[:2])"
    major, minor = (int(part) for part in _output([python, "-c", code]).split())
    return f"python3 (>= {major}.{minor}~), python3 (<< {major}.{minor + 1}), python{major}.{minor}"


def control(root: Path, version: str, arch: str, python: str) -> None:
    """DEBIAN/: control, maintainer scripts, conffiles and md5sums."""
    debian = root / "DEBIAN"
    debian.mkdir()
    size = sum(p.lstat().st_size for p in root.rglob("*") if not p.is_dir()) // 1024
    text = (HERE / "debian/control").read_text()
    fields = {
        "version": version,
        "architecture": arch,
        "installed_size": str(size),
        "python": python,
    }
    (debian / "control").write_text(text.format(**fields))
    for name in SCRIPTS:
        shutil.copyfile(HERE / "debian" / name, debian / name)
        (debian / name).chmod(0o755)
    conffiles = sorted("/" + target for _, target, _ in FILES if target.startswith("etc/"))
    (debian / "conffiles").write_text("".join(f"{path}\n" for path in conffiles))
    sums = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and debian not in path.parents:
            digest = hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()
            sums.append(f"{digest}  {path.relative_to(root)}\n")
    (debian / "md5sums").write_text("".join(sums))
    for path in debian.iterdir():
        if path.name not in SCRIPTS:
            path.chmod(0o644)


def _changelog_date() -> str:
    stamp = os.environ.get("SOURCE_DATE_EPOCH") or _output(["git", "log", "-1", "--format=%ct"])
    return _output(["date", "-R", "-u", "-d", f"@{stamp}"])


def _output(command: list[str]) -> str:
    return subprocess.run(
        command, check=True, capture_output=True, text=True, cwd=PROJECT
    ).stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
