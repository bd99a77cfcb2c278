"""What a scanned text is: passes to check in, or why not, for the member and for staff.

    >>> classify("https://example.com/x", "wedge")[0].detail
    'a URL, 21 characters'
    >>> classify("mailto:ada@example.com", "camera")[0].kind
    <CredentialKind.EMAIL: 'email'>

A code carrying an email address (plain, or ``mailto:``) is a Kadence member's pass: an
`EMAIL` credential; backends that do not take emails refuse it as `unsupported_credential`.

A text is never logged: only its shape. When a wedge scanner's keyboard layout differs from
the kiosk's, a pass arrives with characters a pass never has; where the layout can be told
(`LAYOUTS`), the hint for staff names it.
"""

from __future__ import annotations

import re

from kiosk import passes
from kiosk.domain import Credential, CredentialKind, Reason
from kiosk.inputs.reader import ReadFailure

_DIGITS_AZERTY = "&é\"'(-è_çà"
_DIGITS_SHIFTED_US = "!@#$%^&*()"
LAYOUTS: dict[str, dict[int, int]] = {
    # scanner types US English, the kiosk's layout is French AZERTY: what arrives → what was meant
    "the scanner types US English but the kiosk's keyboard is French (AZERTY)": str.maketrans(
        _DIGITS_AZERTY + "AQWZ?", "1234567890QAZWM"
    ),
    # scanner types French AZERTY, the kiosk's layout is US English
    "the scanner types French (AZERTY) but the kiosk's keyboard is US English": str.maketrans(
        _DIGITS_SHIFTED_US + "AQWZ:", "1234567890QAZWM"
    ),
}
_FIX = "set the scanner's keyboard layout to the kiosk's (see the scanner's manual)"
_EMAIL = re.compile(r"(?:mailto:)?([^@\s:/?]+@[^@\s/?]+\.[^@\s/?]+)", re.IGNORECASE)


def classify(text: str, source: str) -> list[Credential | ReadFailure]:
    """The passes in `text` as credentials (several when scans ran together), or one failure."""
    email = _EMAIL.fullmatch(text.strip())
    if email:
        return [Credential(CredentialKind.EMAIL, email.group(1), source=source)]
    pieces = passes.split(text)
    if all(passes.is_pass(p) for p in pieces):
        return [Credential(CredentialKind.QR, p, source=source) for p in pieces]
    for layout, table in LAYOUTS.items():
        if passes.is_pass(text.translate(table)):
            hint = f"a QR pass was typed with the wrong layout: {layout}; {_FIX}"
            return [ReadFailure(Reason.UNREADABLE_CODE, source, hint)]
    shape = describe(text)
    norm = passes.normalise(text)
    foreign = sorted(set(norm) - set(passes.ALPHABET))
    mangled = norm.startswith(passes.PREFIX) or len(norm) >= 100
    if foreign and mangled and "://" not in norm:
        shown = "".join(foreign[:8])
        hint = f"{shape} with characters a pass never has ({shown!r}): {_FIX}"
        return [ReadFailure(Reason.UNREADABLE_CODE, source, hint)]
    return [ReadFailure(Reason.NOT_A_PASS, source, shape)]


def describe(text: str) -> str:
    """The shape of a scanned text, for the log: never the text itself."""
    norm = text.strip()
    if "://" in norm or norm.lower().startswith("www."):
        kind = "a URL"
    elif norm.isdigit():
        kind = "digits"
    elif not norm:
        kind = "nothing"
    elif "@" in norm:
        kind = "an address"
    else:
        kind = "text"
    return f"{kind}, {len(norm)} characters"
