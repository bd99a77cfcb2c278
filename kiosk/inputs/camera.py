"""The camera as a QR scanner: frames from a `QVideoSink`, decoded off the UI thread.

    QCamera ─▶ QMediaCaptureSession ─▶ QVideoWidget (preview) ─▶ its QVideoSink
        ─videoFrameChanged─▶ FrameScanner.offer ─▶ one worker thread: toImage, zxing-cpp
        ─loop.call_soon_threadsafe─▶ FrameScanner._decoded (Qt thread) ─▶ scanned · failed

`FrameScanner` decodes at most `camera.rate` frames a second and one at a time: frames that
arrive while a decode runs, or too soon after the last one, are dropped, so a 30 fps camera
never queues work. zxing-cpp releases the GIL while it decodes, so the UI thread keeps
painting. A code that stays in view is one credential; it counts again only once it has been
out of view for `GONE_AFTER` and `repeat_after` has passed since it was read.

`CameraInput` finds and runs the camera. With no camera, the wrong name, or an error, it
reports a status and nothing else changes: the kiosk takes PINs, cards and scanners as before.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import enum
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QLoggingCategory, QObject, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from kiosk.inputs.codes import classify
from kiosk.inputs.reader import ReadFailure
from kiosk.settings.model import CameraSettings

if TYPE_CHECKING:  # Qt Multimedia is loaded only when a camera is used
    from PySide6.QtMultimedia import QVideoFrame

log = logging.getLogger(__name__)

GONE_AFTER = 1.0
"""Seconds a code must be out of view before it counts as shown again."""

# Qt Multimedia warns about optional system libraries (PipeWire, VA-API) it can do without.
QUIET_RULES = "qt.multimedia.symbolsresolver.warning=false"

Decoder = Callable[[QImage], list[str]]
_SLACK = 0.9  # a frame a little early still counts: at 30 fps, 10 a second, not 7.5


def decode_qr(image: QImage) -> list[str]:
    """The QR codes' texts in `image` (thread-safe; zxing-cpp releases the GIL)."""
    import zxingcpp

    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    found = zxingcpp.read_barcodes(
        gray, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    )
    return [r.text for r in found if r.valid]


class CameraState(enum.StrEnum):
    """Whether the camera can read codes."""

    READY = "ready"
    NO_CAMERA = "no_camera"
    FAILED = "failed"
    OFF = "off"

    @property
    def label(self) -> str | None:
        """Words for the idle screen; None when there is nothing to show."""
        return {
            CameraState.READY: "ready",
            CameraState.NO_CAMERA: "no camera found",
            CameraState.FAILED: "not working",
            CameraState.OFF: None,
        }[self]


@dataclasses.dataclass(frozen=True)
class CameraStatus:
    """The state, the camera in use, and for staff what went wrong."""

    state: CameraState
    camera: str = ""
    detail: str = ""


class FrameScanner(QObject):
    """QR passes from video frames.

    Signals:
        scanned(Credential): a pass in view.
        failed(ReadFailure): a code in view that is not a pass.
    """

    scanned = Signal(object)
    failed = Signal(object)

    def __init__(
        self,
        settings: CameraSettings,
        loop: asyncio.AbstractEventLoop,
        repeat_after: float = 2.0,
        decode: Decoder = decode_qr,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._interval = 1 / settings.rate
        self._loop = loop
        self._repeat_after = repeat_after
        self._decode = decode
        self._clock = clock
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="qr-decode")
        self._busy = False
        self._started = -1e9
        self._seen: dict[str, float] = {}
        self._read: dict[str, float] = {}
        self.decoded = 0
        self.dropped = 0
        self.source = "camera"

    def offer(self, frame: QVideoFrame | QImage) -> bool:
        """A frame from any thread; returns whether it is decoded or dropped."""
        now = self._clock()
        if self._busy or now - self._started < self._interval * _SLACK:
            self.dropped += 1
            return False
        self._busy, self._started = True, now
        try:
            self._pool.submit(self._work, frame)
        except RuntimeError:  # closed
            return False
        return True

    def close(self) -> None:
        """Stop decoding; a decode in progress finishes and is dropped."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _work(self, frame: QVideoFrame | QImage) -> None:
        try:
            image = frame if isinstance(frame, QImage) else frame.toImage()
            texts = self._decode(image) if not image.isNull() else []
        except Exception:  # a bad frame must not end the camera
            log.exception("could not decode a camera frame")
            texts = []
        try:
            self._loop.call_soon_threadsafe(self._decoded, texts)
        except RuntimeError:
            log.debug("dropped a decoded frame after shutdown")

    def _decoded(self, texts: list[str]) -> None:
        self._busy = False
        self.decoded += 1
        now = self._clock()
        for text in texts:
            in_view = now - self._seen.get(text, -1e9) < GONE_AFTER
            recent = now - self._read.get(text, -1e9) < self._repeat_after
            self._seen[text] = now
            if in_view or recent:
                continue
            self._read[text] = now
            for item in classify(text, self.source):
                if isinstance(item, ReadFailure):
                    log.info("camera: %s: %s", item.reason.value, item.detail)
                    self.failed.emit(item)
                else:
                    self.scanned.emit(item)
        horizon = now - max(GONE_AFTER, self._repeat_after)
        self._seen = {t: at for t, at in self._seen.items() if at > horizon}
        self._read = {t: at for t, at in self._read.items() if at > horizon}


class CameraInput(QObject):
    """Runs the configured camera into a `FrameScanner`, with a preview widget when
    `camera.preview` is on.

    Signals:
        status_changed(CameraStatus): the camera's state changed.
    """

    status_changed = Signal(object)

    def __init__(self, settings: CameraSettings, scanner: FrameScanner) -> None:
        super().__init__(scanner)
        self._settings = settings
        self.scanner = scanner
        self.status = CameraStatus(CameraState.OFF)
        self.preview: QWidget | None = None
        self._camera: QObject | None = None
        self._session: QObject | None = None

    def start(self) -> None:
        """Find the camera and start it; report what happened."""
        QLoggingCategory.setFilterRules(QUIET_RULES)
        from PySide6.QtMultimedia import QCamera, QMediaCaptureSession, QMediaDevices, QVideoSink
        from PySide6.QtMultimediaWidgets import QVideoWidget

        wanted = self._settings.device.casefold()
        devices = [
            d
            for d in QMediaDevices.videoInputs()
            if wanted in d.description().casefold() or wanted in d.id().toStdString().casefold()
        ]
        if not devices:
            which = f" matching {self._settings.device!r}" if wanted else ""
            self._report(CameraStatus(CameraState.NO_CAMERA, detail=f"no camera{which}"))
            return
        device = devices[0]
        camera = QCamera(device)
        camera.errorOccurred.connect(self._error)
        session = QMediaCaptureSession(self)
        session.setCamera(camera)
        if self._settings.preview:
            preview = QVideoWidget()
            preview.setObjectName("camera-preview")
            session.setVideoOutput(preview)
            sink = preview.videoSink()
            self.preview = preview
        else:
            sink = QVideoSink(self)
            session.setVideoSink(sink)
        sink.videoFrameChanged.connect(self.scanner.offer)
        self.scanner.source = f"camera:{device.description()}"
        self._camera, self._session = camera, session
        camera.start()
        self._report(CameraStatus(CameraState.READY, device.description()))

    def stop(self) -> None:
        """Stop the camera and the decoding."""
        from PySide6.QtMultimedia import QCamera

        if isinstance(self._camera, QCamera):
            self._camera.stop()
        self.scanner.close()

    def _error(self, error: object, text: str) -> None:
        log.warning("camera error: %s", text)
        self._report(CameraStatus(CameraState.FAILED, self.status.camera, text))

    def _report(self, status: CameraStatus) -> None:
        self.status = status
        self.status_changed.emit(status)
