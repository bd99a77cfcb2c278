"""The burst detector with controlled key timing, and what a scanned text is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain import Credential, CredentialKind, Reason
from kiosk.inputs.codes import LAYOUTS, classify, describe
from kiosk.inputs.reader import ReadFailure
from kiosk.inputs.wedge import BurstDetector, Decision, KeyPress, Scan, Typed
from kiosk.passes import Issuer, Subject

ENTER = KeyPress("\r", suffix=True)
TAB = KeyPress("\t", suffix=True)
PASS = Issuer.from_seed(bytes(32)).issue(
    Subject.member(7), datetime(2026, 3, 2, tzinfo=UTC), timedelta(days=1)
)


def run(
    detector: BurstDetector, keys: list[tuple[float, KeyPress]], end: bool = True
) -> list[Decision]:
    """Feed `keys` (ms, key); with `end`, a pause after the last one."""
    decided: list[Decision] = []
    for at, key in keys:
        decided += detector.feed(key, at / 1000)
    if end:
        decided += detector.pause()
    return decided


def burst(text: str, start: float = 0.0, step: float = 4.0) -> list[tuple[float, KeyPress]]:
    return [(start + i * step, KeyPress(c)) for i, c in enumerate(text)]


def typed(decided: list[Decision]) -> str:
    return "".join(k.text for d in decided if isinstance(d, Typed) for k in d.keys)


def scans(decided: list[Decision]) -> list[str]:
    return [d.text for d in decided if isinstance(d, Scan)]


def test_a_scanner_burst_ending_in_enter_is_one_scan() -> None:
    keys = burst(PASS)
    decided = run(BurstDetector(0.03, 4), [*keys, (keys[-1][0] + 4, ENTER)], end=False)
    assert decided == [Scan(PASS)]


@pytest.mark.parametrize("suffix", [ENTER, TAB])
def test_enter_or_tab_end_a_scan_and_are_not_typed(suffix: KeyPress) -> None:
    decided = run(BurstDetector(0.03, 4), [*burst("ABCDEF"), (24, suffix)])
    assert (scans(decided), typed(decided)) == (["ABCDEF"], "")


def test_a_scanner_without_suffix_ends_at_the_pause() -> None:
    detector = BurstDetector(0.03, 4)
    assert run(detector, burst(PASS), end=False) == []
    assert detector.holding == len(PASS)
    assert detector.wait == pytest.approx(0.1)  # a started burst waits longer than a key
    assert detector.pause() == [Scan(PASS)]


def test_human_typing_on_a_keypad_stays_typing_in_order() -> None:
    keys = [(i * 140.0, KeyPress(c)) for i, c in enumerate("12345")] + [(700.0, ENTER)]
    decided = run(BurstDetector(0.03, 4), keys)
    assert scans(decided) == []
    assert typed(decided) == "12345\r"


def test_a_fast_typist_with_some_rollover_is_still_typing() -> None:
    # pairs of keys 10 ms apart (rollover), pairs 90 ms apart
    times = [0, 10, 100, 110, 200, 210]
    keys = [(float(t), KeyPress(c)) for t, c in zip(times, "123456", strict=True)]
    decided = run(BurstDetector(0.03, 4), keys)
    assert (scans(decided), typed(decided)) == ([], "123456")


def test_back_to_back_scans_with_suffixes_are_split() -> None:
    first = [*burst("CODE1"), (20.0, ENTER)]
    second = [(t + 22.0, k) for t, k in [*burst("CODE2"), (20.0, ENTER)]]
    assert scans(run(BurstDetector(0.03, 4), first + second)) == ["CODE1", "CODE2"]


def test_back_to_back_scans_without_suffix_split_at_a_gap() -> None:
    keys = burst("AAAAAA") + burst("BBBBBB", start=200.0)
    assert scans(run(BurstDetector(0.03, 4), keys)) == ["AAAAAA", "BBBBBB"]


def test_typing_then_a_scan_then_typing() -> None:
    keys = [(0.0, KeyPress("1")), (150.0, KeyPress("2"))]
    keys += [*burst("SCANNED", start=400.0), (428.0, ENTER)]
    keys += [(700.0, KeyPress("3"))]
    decided = run(BurstDetector(0.03, 4), keys)
    assert [type(d).__name__ for d in decided] == ["Typed", "Typed", "Scan", "Typed"]
    assert (scans(decided), typed(decided)) == (["SCANNED"], "123")


def test_a_short_burst_is_typing_and_the_threshold_applies_live() -> None:
    detector = BurstDetector(0.03, 4)
    assert typed(run(detector, burst("123"))) == "123"
    detector.min_length = 3
    assert scans(run(detector, burst("123"))) == ["123"]
    detector.gap = 0.002  # 4 ms apart is now too slow for a burst
    assert typed(run(detector, burst("12345"))) == "12345"


def test_a_lone_enter_is_typing_at_once() -> None:
    assert BurstDetector(0.03, 4).feed(ENTER, 1.0) == [Typed((ENTER,))]


@given(st.lists(st.tuples(st.floats(0, 500), st.sampled_from("0123456789AB\r")), max_size=60))
def test_every_key_comes_out_once_in_order(gaps: list[tuple[float, str]]) -> None:
    at, keys = 0.0, []
    for gap, char in gaps:
        at += gap
        keys.append((at, KeyPress(char, suffix=char == "\r")))
    decided = run(BurstDetector(0.03, 4), keys)
    out = "".join(d.text + "\r" if isinstance(d, Scan) else typed([d]) for d in decided)
    sent = "".join(c for _, c in gaps)
    # a scan without suffix gains nothing; a scan with one keeps it in place
    assert out.replace("\r", "") == sent.replace("\r", "")


# --- classify -------------------------------------------------------------------------------


def test_a_pass_is_a_qr_credential() -> None:
    [credential] = classify(PASS.lower() + "\n", "wedge")
    assert isinstance(credential, Credential)
    assert (credential.kind, credential.value, credential.source) == (
        CredentialKind.QR,
        PASS,
        "wedge",
    )


@pytest.mark.parametrize(
    "text", ["ada@example.com", "mailto:ada@example.com", "MAILTO:ada@example.com\n"]
)
def test_a_code_carrying_an_email_is_an_email_credential(text: str) -> None:
    [credential] = classify(text, "camera")
    assert isinstance(credential, Credential)
    assert (credential.kind, credential.value) == (CredentialKind.EMAIL, "ada@example.com")


@pytest.mark.parametrize(
    "text", ["ada@", "@example.com", "a@b", "https://x.example/@ada", "a b@c.d"]
)
def test_what_only_looks_like_an_email_is_not_a_pass(text: str) -> None:
    [failure] = classify(text, "camera")
    assert isinstance(failure, ReadFailure)
    assert failure.reason is Reason.NOT_A_PASS
    assert "ada" not in failure.detail  # the shape only, never the text


def test_passes_run_together_are_two_credentials() -> None:
    assert [c.value for c in classify(PASS + PASS, "wedge")] == [PASS, PASS]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("https://example.com/ticket?id=1", "a URL, 31 characters"),
        ("12345", "digits, 5 characters"),
        ("WIFI:S:guest;T:WPA;;", "text, 20 characters"),
        ("", "nothing, 0 characters"),
        ("CKP1" + "A" * 20, "text, 24 characters"),
    ],
)
def test_other_codes_are_not_passes_and_only_their_shape_is_told(text: str, shape: str) -> None:
    [failure] = classify(text, "camera")
    assert failure == ReadFailure(Reason.NOT_A_PASS, "camera", shape)


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_a_pass_typed_with_the_wrong_layout_names_the_layout(layout: str) -> None:
    meant_to_arrived = {v: chr(k) for k, v in LAYOUTS[layout].items()}
    mangled = "".join(meant_to_arrived.get(ord(c), c) for c in PASS)
    assert mangled != PASS
    [failure] = classify(mangled, "wedge")
    assert isinstance(failure, ReadFailure)
    assert failure.reason is Reason.UNREADABLE_CODE
    assert layout in failure.detail
    assert mangled not in failure.detail


def test_unknown_mangling_of_a_pass_still_points_at_the_layout() -> None:
    mangled = PASS.replace("3", "§")
    [failure] = classify(mangled, "wedge")
    assert isinstance(failure, ReadFailure)
    assert failure.reason is Reason.UNREADABLE_CODE
    assert "'§'" in failure.detail
    assert "keyboard layout" in failure.detail


def test_describe_never_repeats_the_text() -> None:
    assert "secret" not in describe("secret-token-123")


@given(st.text(max_size=300))
def test_classify_never_raises(text: str) -> None:
    for item in classify(text, "wedge"):
        assert isinstance(item, Credential | ReadFailure)
