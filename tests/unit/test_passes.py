"""The pass format: issue, parse, verify, split, render; tampering, expiry, skew; any text."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import zxingcpp
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageFilter

from kiosk import passes
from kiosk.passes import ALPHABET, Issuer, Subject, Verifier

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ISSUER = Issuer.from_seed(bytes(range(32)))
VERIFIER = Verifier([ISSUER.public_key])
DAY = timedelta(days=1)


ADA = Subject.member(42)


def issue(
    subject: Subject = ADA,
    now: datetime = NOW,
    valid_for: timedelta = DAY,
    single_use: bool = False,
) -> str:
    return ISSUER.issue(subject, now, valid_for, single_use)


def test_a_pass_round_trips_with_everything_it_says() -> None:
    text = issue(Subject.email("ada@example.com"), single_use=True)
    got = VERIFIER.verify(text, NOW + timedelta(hours=3))
    assert got.subject == Subject(passes.SubjectKind.EMAIL, "ada@example.com")
    assert (got.issued_at, got.expires_at) == (NOW, NOW + DAY)
    assert got.single_use is True
    assert got.key_id == ISSUER.key_id
    assert len(got.nonce) == 8


def test_the_text_uses_only_the_wedge_safe_alphabet_and_qr_alphanumeric_mode() -> None:
    text = issue()
    assert re.fullmatch(r"CKP1[0-9A-HJ-NP-X]+", text)
    assert not set(text) & set("IOYZ")
    assert len(text) < 160


def test_every_pass_has_its_own_nonce() -> None:
    assert len({passes.parse(issue()).pass_.nonce for _ in range(50)}) == 50


def test_scanner_case_and_blanks_do_not_matter() -> None:
    text = issue()
    assert VERIFIER.verify(f"  {text.lower()}\n", NOW).subject == Subject.member(42)


@pytest.mark.parametrize("position", [4, 10, 30, 60, 100, -1])
def test_any_changed_character_is_refused(position: int) -> None:
    text = issue()
    at = position % len(text)
    swapped = ALPHABET[(ALPHABET.index(text[at]) + 1) % 32]
    tampered = text[:at] + swapped + text[at + 1 :]
    with pytest.raises(passes.PassError):
        VERIFIER.verify(tampered, NOW)


def test_a_pass_for_someone_else_with_the_old_signature_is_forged() -> None:
    signed = passes.parse(issue(Subject.member(42)))
    other = issue(Subject.member(43))
    other_signed = passes.parse(other)
    # the body of 43 with the signature of 42
    body = other_signed.message[4:]
    text = "CKP1" + passes._encode(body + signed.signature)
    with pytest.raises(passes.ForgedError, match="bad signature"):
        VERIFIER.verify(text, NOW)


def test_another_servers_pass_is_forged_and_says_whose_key() -> None:
    stranger = Issuer.generate().issue(Subject.member(42), NOW, DAY)
    with pytest.raises(passes.ForgedError, match="unknown key") as caught:
        VERIFIER.verify(stranger, NOW)
    assert caught.value.pass_ is not None


def test_expiry_with_leeway_for_clock_skew() -> None:
    text = issue(valid_for=timedelta(hours=1))
    end = NOW + timedelta(hours=1)
    assert VERIFIER.verify(text, end + passes.LEEWAY - timedelta(seconds=1))
    with pytest.raises(passes.ExpiredError) as caught:
        VERIFIER.verify(text, end + passes.LEEWAY)
    assert caught.value.pass_ is not None
    assert caught.value.pass_.subject == Subject.member(42)


def test_a_pass_from_a_clock_running_ahead() -> None:
    text = issue(now=NOW + timedelta(minutes=1))
    assert VERIFIER.verify(text, NOW)  # a minute of skew is fine
    ahead = issue(now=NOW + timedelta(minutes=10))
    with pytest.raises(passes.NotYetValidError):
        VERIFIER.verify(ahead, NOW)
    strict = Verifier([ISSUER.public_key], leeway=timedelta(0))
    with pytest.raises(passes.NotYetValidError):
        strict.verify(text, NOW)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "https://example.com/ticket/123",
        "12345",
        "WIFI:S:guest;T:WPA;P:secret;;",
        "CKP1",
        "CKP2" + "A" * 140,  # a version we do not know
        "CKP1" + "0" * 140,  # zero flags and kind: no subject
        "CKP1" + "A" * 141,  # not canonical Base32 length
        "CKP1ÀÉ",
    ],
)
def test_texts_that_are_not_our_passes(text: str) -> None:
    assert not passes.is_pass(text)
    with pytest.raises(passes.NotAPassError):
        VERIFIER.verify(text, NOW)


def test_trailing_bits_must_be_canonical() -> None:
    text = issue()
    last = ALPHABET.index(text[-1])
    assert ALPHABET[last ^ 1] != text[-1]
    # the final character carries unused bits: another spelling of the same bytes is refused
    variants = [text[:-1] + ALPHABET[last ^ b] for b in (1, 2)]
    assert not any(passes.is_pass(v) for v in variants)


def test_split_back_to_back_scans() -> None:
    a, b = issue(), issue(Subject.email("ben@example.com"))
    assert passes.split(a + b) == [a, b]
    assert passes.split(a + b + a) == [a, b, a]
    assert passes.split(a) == [a]
    assert passes.split(a + "XYZ") == [a + "XYZ"]
    assert passes.split("HELLO") == ["HELLO"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1d", DAY), ("12h", timedelta(hours=12)), ("1w2d", timedelta(days=9)), ("90m", None)],
)
def test_durations(text: str, expected: timedelta | None) -> None:
    assert passes.parse_duration(text) == (expected or timedelta(minutes=90))


@pytest.mark.parametrize("text", ["", "1y", "0d", "-1d", "d", "1d junk", "400d", "1.5h"])
def test_bad_durations_say_what_is_allowed(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|366 days"):
        passes.parse_duration(text)


def test_issue_refuses_empty_or_huge_subjects_and_no_validity() -> None:
    with pytest.raises(ValueError, match="subject"):
        ISSUER.issue(Subject.email(""), NOW, DAY)
    with pytest.raises(ValueError, match="subject"):
        ISSUER.issue(Subject.email("a" * 300), NOW, DAY)
    with pytest.raises(ValueError, match="valid"):
        ISSUER.issue(Subject.member(1), NOW, timedelta(0))


# --- rendering and decoding ---------------------------------------------------------------


def decode(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]  # type: ignore[arg-type]  # a format is a set of one


def render(text: str) -> Image.Image:
    return Image.open(io.BytesIO(passes.render_png(text))).convert("L")


def test_rendered_pass_is_qr_level_m_with_a_quiet_zone_and_decodes() -> None:
    text = issue(Subject.email("ada.lovelace@example.com"))
    image = render(text)
    assert image.size[0] == image.size[1] >= 300
    corner = image.crop((0, 0, 32, 32))
    assert corner.getextrema() == (255, 255)  # 4 modules of 8 px, white
    result = zxingcpp.read_barcodes(image)[0]
    assert result.text == text
    assert result.ec_level == "M"

    member = render(issue(Subject.member(4821)))
    modules = member.size[0] // 8 - 8  # 8 px a module, 4 modules of quiet zone each side
    assert (modules - 17) / 4 == 6  # a member's pass is QR version 6, as passes.py says
    assert VERIFIER.verify(result.text, NOW)


@pytest.mark.parametrize("subject", [Subject.member(4821), Subject.email("ada@example.com")])
def test_a_second_decoder_zbar_reads_a_rendered_pass(subject: Subject, tmp_path: Path) -> None:
    text = issue(subject)
    png = tmp_path / "pass.png"
    png.write_bytes(passes.render_png(text))
    zbarimg = shutil.which("zbarimg")
    assert zbarimg is not None, "zbar-tools is a test dependency (make system-packages)"
    read = subprocess.run(
        [zbarimg, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(png)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert read.stdout.strip() == text


def on_scene(code: Image.Image, size: tuple[int, int] = (1280, 720)) -> Image.Image:
    """The code on a grey desk, as a camera frame would show it."""
    scene = Image.new("L", size, 128)
    scene.paste(code, ((size[0] - code.width) // 2, (size[1] - code.height) // 2))
    return scene


@pytest.mark.parametrize(
    "transform",
    [
        pytest.param(lambda im: im.rotate(90, expand=True, fillcolor=255), id="rot90"),
        pytest.param(lambda im: im.rotate(180, expand=True, fillcolor=255), id="rot180"),
        pytest.param(lambda im: im.rotate(17, expand=True, fillcolor=255), id="rot17"),
        pytest.param(lambda im: im.rotate(-33, expand=True, fillcolor=255), id="rot-33"),
        pytest.param(lambda im: im.resize((200, 200)), id="small"),
        pytest.param(lambda im: im.resize((640, 640)), id="large"),
        pytest.param(lambda im: im.filter(ImageFilter.GaussianBlur(2)), id="blur"),
        pytest.param(lambda im: noisy(im, 60), id="noise"),
        pytest.param(lambda im: noisy(im.filter(ImageFilter.GaussianBlur(1.5)), 40), id="both"),
    ],
)
def test_passes_decode_from_rotated_scaled_blurred_noisy_frames(transform: object) -> None:
    text = issue(Subject.email("ada@example.com"))
    frame = on_scene(transform(render(text)))  # type: ignore[operator]
    assert decode(frame) == [text]


def noisy(image: Image.Image, amount: int) -> Image.Image:
    noise = Image.effect_noise(image.size, amount)
    return Image.blend(image, noise, 0.35)


# --- any text -------------------------------------------------------------------------------


@given(st.text(max_size=400))
def test_no_exception_but_pass_error_escapes_for_any_text(text: str) -> None:
    with contextlib.suppress(passes.PassError):
        VERIFIER.verify(text, NOW)
    assert "".join(passes.split(text)) == passes.normalise(text)


@given(st.text(alphabet=ALPHABET, min_size=0, max_size=200))
def test_any_text_in_the_alphabet_after_the_prefix_is_refused_cleanly(tail: str) -> None:
    with pytest.raises(passes.PassError):
        VERIFIER.verify("CKP1" + tail, NOW)


@given(st.binary(min_size=0, max_size=200))
def test_any_bytes_in_pass_clothing_are_refused_cleanly(raw: bytes) -> None:
    with pytest.raises(passes.PassError):
        VERIFIER.verify("CKP1" + passes._encode(raw), NOW)


@given(
    st.one_of(
        st.integers(1, 2**31).map(Subject.member),
        st.emails().filter(lambda e: len(e.encode()) <= 254).map(Subject.email),
    ),
    st.integers(60, 366 * 86400),
    st.booleans(),
)
def test_every_issued_pass_verifies(subject: Subject, seconds: int, single_use: bool) -> None:
    text = ISSUER.issue(subject, NOW, timedelta(seconds=seconds), single_use)
    got = VERIFIER.verify(text, NOW)
    assert (got.subject, got.single_use) == (subject, single_use)
    assert set(text) <= set(ALPHABET)
