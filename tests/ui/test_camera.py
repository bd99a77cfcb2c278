"""The camera path without a camera: frames fed into a `QVideoSink` and on to the scanner."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as settings_h
from hypothesis import strategies as st
from PIL import Image
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import QVideoFrame, QVideoSink
from pytestqt.qtbot import QtBot

from kiosk import passes
from kiosk.domain import CredentialKind, Reason
from kiosk.inputs.camera import GONE_AFTER, CameraState, FrameScanner, decode_qr
from kiosk.passes import Issuer, Subject
from kiosk.settings.model import CameraSettings
from kiosk.ui.member.idle import Method
from tests.fakes.backend import FakeBackend
from tests.helpers.kiosk import Build, events, settings

PASS = Issuer.generate().issue(Subject.member(7), datetime.now(UTC), timedelta(days=1))


def frame_with(text: str | None, size: tuple[int, int] = (1280, 720)) -> QImage:
    """A grey 1280×720 frame, with `text` as a QR code in the middle."""
    scene = Image.new("RGB", size, (120, 120, 120))
    if text is not None:
        code = Image.open(io.BytesIO(passes.render_png(text))).convert("RGB")
        scene.paste(code, ((size[0] - code.width) // 2, (size[1] - code.height) // 2))
    data = scene.tobytes()
    image = QImage(data, size[0], size[1], 3 * size[0], QImage.Format.Format_RGB888)
    return image.copy()  # own the pixels


class Ticks:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
def scanner(qtbot: QtBot, aloop: asyncio.AbstractEventLoop, ticks: Ticks):  # type: ignore[no-untyped-def]
    made = FrameScanner(CameraSettings(enabled=True, rate=10), aloop, 2.0, clock=ticks)
    yield made
    made.close()


def feed(sink: QVideoSink, image: QImage) -> None:
    sink.setVideoFrame(QVideoFrame(image))


def test_a_pass_in_a_video_frame_is_a_credential(qtbot: QtBot, scanner: FrameScanner) -> None:
    sink = QVideoSink()
    sink.videoFrameChanged.connect(scanner.offer)
    with qtbot.waitSignal(scanner.scanned, timeout=5000) as got:
        feed(sink, frame_with(PASS))
    credential = got.args[0]
    assert (credential.kind, credential.value, credential.source) == (
        CredentialKind.QR,
        PASS,
        "camera",
    )


def test_frames_without_a_code_give_nothing(
    qtbot: QtBot, scanner: FrameScanner, ticks: Ticks
) -> None:
    sink = QVideoSink()
    sink.videoFrameChanged.connect(scanner.offer)
    hits: list[object] = []
    scanner.scanned.connect(hits.append)
    scanner.failed.connect(hits.append)
    for _ in range(3):
        feed(sink, frame_with(None))
        qtbot.waitUntil(lambda: not scanner._busy, timeout=5000)
        ticks.now += 0.2
    assert (scanner.decoded, hits) == (3, [])


def test_another_systems_qr_code_is_not_a_pass(qtbot: QtBot, scanner: FrameScanner) -> None:
    with qtbot.waitSignal(scanner.failed, timeout=5000) as got:
        scanner.offer(frame_with("https://example.com/event/ticket/42"))
    assert got.args[0].reason is Reason.NOT_A_PASS
    assert got.args[0].detail == "a URL, 35 characters"


def test_frames_faster_than_decoding_are_dropped_and_the_code_read_once(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, ticks: Ticks
) -> None:
    release = threading.Event()

    def slow_decode(image: QImage) -> list[str]:
        release.wait(5)
        return decode_qr(image)

    scanner = FrameScanner(CameraSettings(rate=10), aloop, 2.0, slow_decode, ticks)
    reads: list[object] = []
    scanner.scanned.connect(reads.append)
    frame = frame_with(PASS)
    taken = []
    for _ in range(30):  # one second of 30 fps video while the first decode runs
        taken.append(scanner.offer(frame))
        ticks.now += 1 / 30
    assert taken.count(True) == 1
    assert scanner.dropped == 29
    release.set()
    qtbot.waitUntil(lambda: scanner.decoded == 1, timeout=5000)
    for _ in range(30):  # the next second: the code is still in view
        if scanner.offer(frame):
            before = scanner.decoded
            qtbot.waitUntil(lambda: scanner.decoded > before, timeout=5000)  # noqa: B023
        ticks.now += 1 / 30
    assert 9 <= scanner.decoded <= 11  # at most ~10 a second
    assert [c.value for c in reads] == [PASS]  # type: ignore[attr-defined]
    scanner.close()


def test_a_code_shown_again_after_leaving_the_view_counts_again(
    qtbot: QtBot, scanner: FrameScanner, ticks: Ticks
) -> None:
    reads: list[object] = []
    scanner.scanned.connect(reads.append)

    def show(image: QImage) -> None:
        n = scanner.decoded
        assert scanner.offer(image)
        qtbot.waitUntil(lambda: scanner.decoded > n, timeout=5000)
        ticks.now += 0.5

    with_code, without = frame_with(PASS), frame_with(None)
    show(with_code)
    show(without)  # a blurred frame: the code is still there for the member
    show(with_code)
    assert len(reads) == 1
    ticks.now += max(GONE_AFTER, 2.0)
    show(with_code)
    assert len(reads) == 2


def test_a_decoder_that_raises_is_survived(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(image: QImage) -> list[str]:
        raise ValueError("bad frame")

    scanner = FrameScanner(CameraSettings(), aloop, decode=broken)
    with caplog.at_level(logging.ERROR):
        scanner.offer(frame_with(PASS))
        qtbot.waitUntil(lambda: scanner.decoded == 1, timeout=5000)
    assert "could not decode a camera frame" in caplog.text
    scanner.close()


def with_camera(**changes: object):  # type: ignore[no-untyped-def]
    config = settings()
    return dataclasses.replace(config, camera=CameraSettings(enabled=True, **changes))  # type: ignore[arg-type]


def test_without_a_camera_the_kiosk_says_so_and_nothing_else_changes(
    qtbot: QtBot, build: Build, event_path: Path
) -> None:
    kiosk = build(with_camera())
    assert kiosk.camera is not None
    with qtbot.waitSignal(kiosk.camera.status_changed, timeout=5000) as got:
        kiosk.camera.start()
    assert got.args[0].state is CameraState.NO_CAMERA
    assert kiosk.window.idle.states["camera"] == "● Camera: no camera found"
    assert kiosk.window.idle.notice.text() == "Camera unavailable — please use your PIN"
    assert Method.SCAN not in kiosk.window.idle.methods
    assert Method.PIN in kiosk.window.idle.methods
    assert kiosk.window.idle._preview_box.count() == 0
    camera_events = [e for e in events(event_path) if e["event"] == "camera"]
    assert camera_events[-1]["state"] == "no_camera"
    kiosk.camera.stop()


def test_a_named_camera_that_is_not_there(qtbot: QtBot, build: Build) -> None:
    kiosk = build(with_camera(device="Logitech C920"))
    assert kiosk.camera is not None
    with qtbot.waitSignal(kiosk.camera.status_changed, timeout=5000) as got:
        kiosk.camera.start()
    assert "Logitech C920" in got.args[0].detail
    kiosk.camera.stop()


def test_frames_from_the_camera_check_the_member_in(
    qtbot: QtBot, build: Build, backend: FakeBackend
) -> None:
    kiosk = build(with_camera())
    assert kiosk.camera is not None
    sink = QVideoSink()
    sink.videoFrameChanged.connect(kiosk.camera.scanner.offer)
    with qtbot.waitSignal(kiosk.controller.finished, timeout=5000):
        feed(sink, frame_with(PASS))
    assert [r.credential.value for r in backend.requests] == [PASS]
    kiosk.camera.stop()


def test_the_camera_off_by_default() -> None:
    assert settings().camera.enabled is False


@settings_h(max_examples=40, deadline=None)
@given(st.binary(min_size=64 * 48, max_size=64 * 48), st.sampled_from([None, PASS]))
def test_the_decoder_never_raises_on_any_picture(noise: bytes, text: str | None) -> None:
    image = QImage(noise, 64, 48, 64, QImage.Format.Format_Grayscale8).copy()
    if text is not None:  # a pass pasted over noise, shrunk below what can be read
        image = frame_with(text).scaled(320, 180)
    assert all(isinstance(found, str) for found in decode_qr(image))
