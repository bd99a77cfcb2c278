"""Members' devices by their network (MAC) address, for check-in by Wi-Fi presence.

A MAC is written many ways (``A4:5E:60:C1:02:9F``, ``a4-5e-60-c1-02-9f``, ``a45e.60c1.029f``);
it is stored as one, upper case with colons, and only as a keyed hash, like every credential.

Phones and laptops today show each Wi-Fi network a *private* (randomised) address: its first
byte has the "locally administered" bit (0x02) set. Such an address may change per network or
over time, so it names nobody for long: it is refused at enrolment, with what to change.

>>> normalise_mac("a45e.60c1.029f")
'A4:5E:60:C1:02:9F'
>>> check_mac("A6:5E:60:C1:02:9F")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
kiosk.macs.MacError: A6:5E:60:C1:02:9F is a private (randomised) address: ...
"""

from __future__ import annotations

import re

_HEX = re.compile(r"[0-9A-F]{12}")


class MacError(ValueError):
    """Not a MAC address a member's device can be known by; the message says why."""


PRIVATE = (
    "is a private (randomised) address: the device shows this network a made-up address. "
    "Turn it off for this network only (iPhone: Wi-Fi → ⓘ → Private Wi-Fi Address off; "
    "Android: Wi-Fi → network → Privacy → Use device MAC; Windows: Wi-Fi → network → Random "
    "hardware addresses off), then enrol the address it shows"
)


def normalise_mac(text: str) -> str:
    """``A4:5E:60:C1:02:9F`` from any common way of writing it; `MacError` when it is not."""
    digits = "".join(c for c in text.strip().upper() if c not in ":-. ")
    if not _HEX.fullmatch(digits):
        raise MacError(f"{text.strip()[:40]!r} is not a MAC address (like A4:5E:60:C1:02:9F)")
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def check_mac(text: str) -> str:
    """The normalised MAC of a member's device; `MacError` for one that cannot name a
    device: randomised (locally administered), multicast, or all zeros."""
    mac = normalise_mac(text)
    first = int(mac[:2], 16)
    if first & 0x02:
        raise MacError(f"{mac} {PRIVATE}")
    if first & 0x01:
        raise MacError(f"{mac} is a multicast address, not a device's")
    if mac == "00:00:00:00:00:00":
        raise MacError("00:00:00:00:00:00 is no device's address")
    return mac


def mac_tail(mac: str) -> str:
    """The last two bytes, for staff to tell a member's devices apart: ``02:9F``."""
    return mac[-5:]
