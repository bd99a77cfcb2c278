"""The style sheet's colours meet WCAG 2.2 AA: text at least 4.5:1 on what it is drawn on,
a button's or field's edge at least 3:1 against the page (disabled controls are exempt)."""

from __future__ import annotations

import re

import pytest

from kiosk.ui.theme import style_sheet

PAGE = "#0f1720"  # every screen's background
BUTTON = "#1d2a38"  # a button's own fill, under a label inside it
RULE = re.compile(r"([^{}]+)\{([^}]*)\}")
HEX = re.compile(r"#[0-9a-fA-F]{6}\b")


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def rules(accent: str = "") -> list[tuple[str, dict[str, str]]]:
    """(selector, properties) for every selector of every rule of the style sheet, with the
    members' buttons in `accent` (a site's colour)."""
    text = re.sub(r"/\*.*?\*/", "", style_sheet(1.0, accent), flags=re.S)
    out = []
    for selectors, body in RULE.findall(text):
        pairs = (part.partition(":") for part in body.split(";"))
        props = {k.strip(): v.strip() for k, _, v in pairs if k.strip()}
        out += [(selector.strip(), props) for selector in selectors.split(",")]
    return out


ACCENTS = ["", "#0b7a75", "#ffcc00", "#777777", "#000000", "#ffffff", "#e91e63"]


@pytest.mark.parametrize("accent", ACCENTS)
def test_text_is_at_least_4_5_to_1_on_what_it_is_drawn_on(accent: str) -> None:
    low = []
    for selector, props in rules(accent):
        colour = HEX.search(props.get("color", ""))
        if colour is None or ":disabled" in selector:
            continue
        own = HEX.search(props.get("background", ""))
        grounds = [own.group()] if own else [PAGE, BUTTON]
        for ground in grounds:
            ratio = contrast(colour.group(), ground)
            if ratio < 4.5:
                low.append(f"{selector}: {colour.group()} on {ground} is {ratio:.2f}:1")
    assert not low, "\n".join(low)


@pytest.mark.parametrize("accent", ACCENTS)
def test_every_buttons_and_fields_edge_is_at_least_3_to_1_against_the_page(accent: str) -> None:
    low = []
    for selector, props in rules(accent):
        if not selector.startswith(
            ("QPushButton", "QLineEdit", "QListWidget", "QScrollBar::handle")
        ):
            continue
        if any(state in selector for state in (":disabled", ":pressed")):
            continue
        edge = HEX.search(props.get("border-color", "") or props.get("border", ""))
        if selector.startswith("QScrollBar::handle"):
            edge = HEX.search(props.get("background", ""))  # the handle is its fill
        if edge is None:
            continue
        ground = "#16212c" if selector.startswith("QScrollBar") else PAGE  # the track
        ratio = contrast(edge.group(), ground)
        if ratio < 3.0:
            low.append(f"{selector}: {edge.group()} against {ground} is {ratio:.2f}:1")
    assert not low, "\n".join(low)


def test_the_kiosks_own_blue_stays_as_it_was() -> None:
    own = dict(rules())['QPushButton[role="primary"]']
    assert own["background"] == "#1565c0"
    assert own["border-color"] == "#64b5f6"


def test_the_measure_is_wcags() -> None:
    assert round(contrast("#ffffff", "#000000"), 1) == 21.0
    assert round(contrast("#ffffff", "#1565c0"), 2) == 5.75  # white on the primary blue
