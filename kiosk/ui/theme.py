"""The look: one style sheet in `kiosk/assets`, its sizes scaled to the screen.

Sizes are designed for 1280×800 (scale 1.0: headlines 56 px, touch targets 96 px) and scale
with the screen's short side, so 1920×1080 gets larger text and 800×1280 portrait the same.
"""

from __future__ import annotations

import functools
import string
from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent / "assets"
BASE = {
    "clock": 44,
    "h1": 56,
    "h2": 38,
    "body": 26,
    "small": 19,
    "key": 42,
    "target": 96,
    "choice": 180,
    "radius": 16,
    "pad": 24,
    "field": 64,
}
COLOURS = {
    "welcome": "#4ade80",
    "goodbye": "#93c5fd",
    "refused": "#fca5a5",
    "problem": "#fcd34d",
    "info": "#bfdbfe",
    "plain": "#ffffff",
    "muted": "#b8c4d0",
    "accent": "#64b5f6",
}


def scale_for(width: int, height: int) -> float:
    """The size factor for a window of `width`×`height`, in steps of 0.05."""
    factor = min(width, height) / 800
    return round(max(0.6, min(factor, 2.0)) * 20) / 20


FLOOR = {"target": 64, "field": 44, "key": 24, "body": 18, "small": 18}  # px, at any scale


def size(name: str, scale: float) -> int:
    """The size `name` (see `BASE`) in px at `scale`, never under its `FLOOR`: a finger and
    an eye stay the same size on a small screen."""
    return max(FLOOR.get(name, 1), round(BASE[name] * scale))


PAGE = "#0f1720"  # every screen's background
WHITE, DARK = "#ffffff", PAGE
OWN = {  # the buttons members press, unless a site brands them
    "accent": "#1565c0",
    "accent_text": WHITE,
    "accent_edge": "#64b5f6",
    "accent_pressed": "#0d47a1",
}


@functools.cache
def style_sheet(scale: float, accent: str = "") -> str:
    """The style sheet with its sizes at `scale`, and the members' buttons in `accent` (a
    site's colour, "" for the kiosk's own blue)."""
    template = string.Template((ASSETS / "kiosk.qss").read_text(encoding="utf-8"))
    colours = accent_colours(accent) if accent else OWN
    return template.substitute({**{name: size(name, scale) for name in BASE}, **colours})


def accent_colours(accent: str) -> dict[str, str]:
    """A button's fill, text, edge and pressed fill from one colour, every pair readable:
    the text at least 4.5:1 on the fill (white, else dark, else the fill is darkened until
    white is), the edge at least 3:1 against the page."""
    fill = accent.lower()
    text = WHITE if contrast(WHITE, fill) >= 4.5 else DARK
    while contrast(text, fill) < 4.5:
        text, fill = WHITE, _mix(fill, "#000000", 0.1)
    edge = _mix(fill, WHITE, 0.35)
    while contrast(edge, PAGE) < 3:
        edge = _mix(edge, WHITE, 0.2)
    pressed = _mix(fill, "#000000", 0.25 if text == WHITE else 0.1)
    return {"accent": fill, "accent_text": text, "accent_edge": edge, "accent_pressed": pressed}


def contrast(a: str, b: str) -> float:
    """WCAG's contrast ratio of two colours (#rrggbb), from 1 to 21."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _mix(colour: str, toward: str, share: float) -> str:
    parts = [
        round(int(colour[i : i + 2], 16) * (1 - share) + int(toward[i : i + 2], 16) * share)
        for i in (1, 3, 5)
    ]
    return "#" + "".join(f"{part:02x}" for part in parts)


@functools.cache
def icon_svg(name: str, colour: str) -> bytes:
    """The SVG icon `name` drawn in `colour`."""
    text = (ASSETS / "icons" / f"{name}.svg").read_text(encoding="utf-8")
    return text.replace("#COLOR#", colour).encode()
