"""What the layout audit checks on a window as shown: text cut off, widgets on top of one
another or outside the window, touch targets too small. Each problem is a line of words."""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)


def problems(window: QWidget, target: int, text: int = 0) -> list[str]:
    """Every layout problem of `window`'s visible widgets; `target`: the smallest touch target
    (px) each visible button must be, across and down; `text`: the smallest text (px)."""
    found: list[str] = []
    interactive: list[tuple[QWidget, QRect]] = []
    cut_off: set[QWidget] = set()
    for widget in _visible(window):
        place = _on_window(widget, window)
        name = _name(widget)
        shown = _clip(widget, window)
        seen = _clip(widget, window, scrolled=False)
        if not shown.contains(place) and not any(w.isAncestorOf(widget) for w in cut_off):
            cut_off.add(widget)  # said once, for the outermost widget cut
            found.append(f"{name} is cut off: {_rect(place)} shown in {_rect(shown)}")
        if cut := _cut(widget):
            found.append(f"{name} cuts its text: {cut}")
        px = QFontInfo(widget.font()).pixelSize()
        if _text(widget) and px < text:
            found.append(f"{name}'s text is {px} px, under {text} px")
        if isinstance(widget, QAbstractButton | QLineEdit):
            interactive.append((widget, place & seen))  # what can be touched of it
            if isinstance(widget, QAbstractButton) and min(place.width(), place.height()) < target:
                found.append(f"{name} is {place.width()}×{place.height()}, under {target} px")
    for i, (one, a) in enumerate(interactive):
        for other, b in interactive[i + 1 :]:
            if a.intersects(b) and not (one.isAncestorOf(other) or other.isAncestorOf(one)):
                found.append(f"{_name(one)} and {_name(other)} overlap at {_rect(a & b)}")
    return found


def _visible(window: QWidget) -> Iterator[QWidget]:
    for widget in window.findChildren(QWidget):
        if widget.isVisible() and widget.width() > 0 and widget.height() > 0:
            yield widget


def _on_window(widget: QWidget, window: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def _clip(widget: QWidget, window: QWidget, scrolled: bool = True) -> QRect:
    """The part of the window where `widget` can be seen: inside every parent, the window
    included. `scrolled`: a scroll area's page may run past its top and bottom (it scrolls:
    the scroll area itself is checked as a widget of its own), never past a side."""
    left, top, right, bottom = 0, 0, window.width() - 1, window.height() - 1
    scrolls = False
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        r = _on_window(parent, window)
        left, right = max(left, r.left()), min(right, r.right())
        top, bottom = max(top, r.top()), min(bottom, r.bottom())
        area = parent.parentWidget()
        scrolls = scrolls or (isinstance(area, QAbstractScrollArea) and parent is area.viewport())
        parent = area
    if scrolls and scrolled:
        top, bottom = -(2**20), 2**20
    return QRect(QPoint(left, top), QPoint(right, bottom))


def _text(widget: QWidget) -> str:
    if isinstance(widget, QLabel | QAbstractButton):
        return widget.text()
    return widget.text() or widget.placeholderText() if isinstance(widget, QLineEdit) else ""


def _cut(widget: QWidget) -> str:
    """How `widget` cuts its text, or "" when it shows all of it."""
    if isinstance(widget, QLabel):
        return _label_cut(widget)
    if isinstance(widget, QPushButton):
        return _button_cut(widget)
    if isinstance(widget, QLineEdit):
        text = widget.text() or widget.placeholderText()
        box = widget.contentsRect()
        need = widget.fontMetrics().height()
        if box.height() < need:
            return f"{text!r} needs {need} px down, has {box.height()}"
    return ""


def _label_cut(label: QLabel) -> str:
    """Qt's own measure: what the label asks for (its size hint, or for wrapped text the
    height its width needs) against what it was given."""
    text = label.text()
    pixmap = label.pixmap()
    if not text or (pixmap is not None and not pixmap.isNull()):
        return ""
    hint = label.sizeHint()
    if label.wordWrap():
        need_w = label.minimumSizeHint().width()  # the longest word
        need_h = label.heightForWidth(label.width())
    else:
        need_w, need_h = hint.width(), hint.height()
    if label.width() < need_w or label.height() < need_h:
        return f"{_short(text)!r} needs {need_w}×{need_h}, has {label.width()}×{label.height()}"
    return ""


def _button_cut(button: QPushButton) -> str:
    text = button.text()
    if not text:
        return ""
    hint = button.sizeHint()
    metrics = button.fontMetrics()
    lines = text.split("\n")
    tall = metrics.lineSpacing() * len(lines)
    if button.width() < hint.width() or button.contentsRect().height() < tall:
        return (
            f"{_short(text)!r} needs {hint.width()}×{tall}, has"
            f" {button.width()}×{button.contentsRect().height()}"
        )
    return ""


def _name(widget: QWidget) -> str:
    kind = type(widget).__name__
    what = widget.objectName() or (widget.text() if isinstance(widget, QLabel | QAbstractButton)
                                   else "")  # fmt: skip
    return f"{kind} {_short(what)!r}" if what else kind


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 40 else flat[:39] + "…"


def _rect(r: QRect) -> str:
    return f"{r.width()}×{r.height()}+{r.x()}+{r.y()}"
