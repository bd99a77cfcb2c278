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


@functools.cache
def style_sheet(scale: float) -> str:
    """The style sheet with its sizes at `scale`."""
    template = string.Template((ASSETS / "kiosk.qss").read_text(encoding="utf-8"))
    return template.substitute({name: size(name, scale) for name in BASE})


@functools.cache
def icon_svg(name: str, colour: str) -> bytes:
    """The SVG icon `name` drawn in `colour`."""
    text = (ASSETS / "icons" / f"{name}.svg").read_text(encoding="utf-8")
    return text.replace("#COLOR#", colour).encode()
