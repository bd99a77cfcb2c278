"""Forms posted to the web admin: URL-encoded, read by hand (no multipart: nothing we take is
a file), at most `MAX_FORM` bytes; a field read as text, a number, a flag or a day.

>>> form = Form.parse(b"name=Ada+L&plan=&days=1&days=3&limit=x")
>>> form.text("name"), form.text("plan"), form.optional("plan"), form.all("days")
('Ada L', '', None, ['1', '3'])
>>> form.flag("active"), form.number("limit")
Traceback (most recent call last):
...
kiosk.server.web.forms.FormError: limit: "x" is not a whole number
"""

from __future__ import annotations

import dataclasses
from datetime import date, time
from urllib.parse import parse_qsl

from starlette.requests import Request

from kiosk.server import rules

MAX_FORM = 64 * 1024


class FormError(Exception):
    """A field that is missing or malformed; the message names it for staff."""


@dataclasses.dataclass(frozen=True)
class Form:
    """The fields of a posted form."""

    pairs: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, body: bytes) -> Form:
        """The fields of a URL-encoded body (malformed bytes become U+FFFD, not an error)."""
        text = body.decode("utf-8", errors="replace")
        return cls(tuple(parse_qsl(text, keep_blank_values=True, max_num_fields=500)))

    def all(self, name: str) -> list[str]:
        """Every value of `name`, in order."""
        return [value for key, value in self.pairs if key == name]

    def text(self, name: str, default: str = "") -> str:
        """The first value of `name`, stripped; `default` when absent."""
        found = self.all(name)
        return found[0].strip() if found else default

    def optional(self, name: str) -> str | None:
        """The value of `name`, or None when absent or empty."""
        return self.text(name) or None

    def required(self, name: str, label: str) -> str:
        """The value of `name`; `FormError` naming `label` when it is empty."""
        value = self.text(name)
        if not value:
            raise FormError(f"{label}: this field is required")
        return value

    def flag(self, name: str) -> bool:
        """Whether a checkbox was ticked."""
        return bool(self.all(name))

    def number(self, name: str, low: int = 0, high: int = 10**9) -> int | None:
        """A whole number between `low` and `high`, or None when empty."""
        value = self.text(name)
        if not value:
            return None
        if not value.isdigit() or not low <= int(value) <= high:
            raise FormError(f'{name}: "{value[:20]}" is not a whole number')
        return int(value)

    def clock(self, name: str, label: str) -> time:
        """A time of day ``HH:MM`` (``24:00``: the end of the day)."""
        value = self.text(name)
        try:
            return rules.END_OF_DAY if value == "24:00" else time.fromisoformat(value)
        except ValueError:
            raise FormError(f"{label}: {value[:20]!r} is not a time like 09:00") from None

    def day(self, name: str) -> date | None:
        """A date ``YYYY-MM-DD``, or None when empty."""
        value = self.text(name)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise FormError(f"{name}: {value[:20]!r} is not a date like 2026-12-01") from None


async def read_form(request: Request) -> Form:
    """The posted form; `FormError` for a body over `MAX_FORM` or not URL-encoded."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/x-www-form-urlencoded":
        raise FormError("this page takes a form")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            raise FormError(f"the form is larger than {MAX_FORM // 1024} KB")
    return Form.parse(bytes(body))
