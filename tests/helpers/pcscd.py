"""A pcscd of the test's own: its socket in a folder of ours, its vpcd readers on ports of ours.

Debian's pcscd always listens on /run/pcscd/pcscd.comm, but takes a socket handed to it the
way systemd does (LISTEN_FDS, LISTEN_PID): so we bind a socket of our own, hand it over, and
point our clients at it with PCSCLITE_CSOCK_NAME. Its reader.conf.d is ours too, so vpcd's
two readers ("Virtual PCD 00 00" and "… 00 01") listen on a free pair of TCP ports, which
`VirtualCard` reads from KIOSK_TEST_VPCD_PORT. A pcscd running on the machine (the system's,
another test run's) is never touched, and `kill` stops only ours.

libpcsclite reads PCSCLITE_CSOCK_NAME once per process, so a test process has one `Pcscd`,
started before its first PC/SC call; child processes get `env`.

    service = Pcscd(tmp_folder).start()     # os.environ now points PC/SC here
    subprocess.run([...], env={**os.environ, **service.env})
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

PORT_VARIABLE = "KIOSK_TEST_VPCD_PORT"
READERS = ("Virtual PCD 00 00", "Virtual PCD 00 01")  # on the port and the next one
VPCD_DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
_LISTEN = "0A"  # TCP state LISTEN in /proc/net/tcp
_PR_SET_PDEATHSIG = 1  # prctl: a signal for the child when its parent dies


class Pcscd:
    """Our pcscd, with the vpcd readers."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.socket_path = folder / "pcscd.comm"
        self.port = free_port_pair()
        self._proc: subprocess.Popen[bytes] | None = None
        conf = folder / "reader.conf.d"
        conf.mkdir(exist_ok=True)
        (conf / "vpcd").write_text(
            f'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:0x{self.port:X}\n'
            f"LIBPATH {VPCD_DRIVER}\nCHANNELID 0x{self.port:X}\n"
        )
        self._conf = conf

    @property
    def env(self) -> dict[str, str]:
        """What a process needs to use this pcscd and its readers."""
        return {"PCSCLITE_CSOCK_NAME": str(self.socket_path), PORT_VARIABLE: str(self.port)}

    def start(self) -> Pcscd:
        """Start our pcscd (this process's PC/SC calls go to it) and wait for its readers."""
        os.environ.update(self.env)
        binary = shutil.which("pcscd") or "/usr/sbin/pcscd"
        self.socket_path.unlink(missing_ok=True)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(str(self.socket_path))
            listener.listen(64)
            fd = listener.fileno()
            self._proc = subprocess.Popen(
                ["sh", "-c", f'LISTEN_PID=$$ exec "{binary}" --foreground -c "$0"', self._conf],
                env={**os.environ, "LISTEN_FDS": "1"},
                # fd 3, as systemd hands it over; the other fds are not inheritable (PEP 446),
                # and close_fds would close fd 3 after preexec_fn made it
                preexec_fn=lambda: _child_setup(fd),
                close_fds=False,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        finally:
            listener.close()  # pcscd holds its own copy
        _until(self.ready, 10, "our pcscd did not bring up the vpcd readers")
        return self

    def kill(self) -> None:
        """Stop our pcscd, as a crash or `systemctl stop` would."""
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.terminate()
            proc.wait(10)
        self.socket_path.unlink(missing_ok=True)

    def close(self) -> None:
        """Stop our pcscd, if it runs."""
        self.kill()

    def ready(self) -> bool:
        """Our pcscd runs and vpcd listens for both readers' cards."""
        if self._proc is None or self._proc.poll() is not None:
            return False
        if not {self.port, self.port + 1} <= _listening_ports():
            return False
        from smartcard import scard

        hr, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hr != scard.SCARD_S_SUCCESS:
            return False
        try:
            hr, readers = scard.SCardListReaders(context, [])
            return hr == scard.SCARD_S_SUCCESS and set(READERS) <= set(readers)
        finally:
            scard.SCardReleaseContext(context)


def _child_setup(fd: int) -> None:
    """In the child, before pcscd starts: the socket as fd 3, and death with its parent (a test
    run that crashes leaves no pcscd behind)."""
    if fd != 3:
        os.dup2(fd, 3)
    os.set_inheritable(3, True)  # also when the socket was fd 3 already
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port_pair() -> int:
    """A port P with P and P + 1 free on loopback (vpcd's two readers)."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port > 65000:
            continue
        try:
            with socket.socket() as first, socket.socket() as second:
                first.bind(("0.0.0.0", port))
                second.bind(("0.0.0.0", port + 1))
        except OSError:
            continue
        return port
    raise RuntimeError("no free pair of ports for vpcd")


def _listening_ports() -> set[int]:
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 3 and fields[3] == _LISTEN:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def _until(condition: Callable[[], bool], seconds: float, message: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(message)
        time.sleep(0.02)
