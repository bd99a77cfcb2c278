"""kiosk.macs: a member's device by its MAC address, written any common way; private
(randomised), multicast and empty addresses refused with words."""

from __future__ import annotations

import re

import pytest

from kiosk.macs import MacError, check_mac, mac_tail, normalise_mac


@pytest.mark.parametrize(
    "written",
    [
        "A4:5E:60:C1:02:9F",
        "a4-5e-60-c1-02-9f",
        "a45e.60c1.029f",
        " A45E60C1029F ",
        "a4 5e 60 c1 02 9f",
    ],
)
def test_every_common_way_of_writing_a_mac_is_one(written: str) -> None:
    assert normalise_mac(written) == "A4:5E:60:C1:02:9F"
    assert check_mac(written) == "A4:5E:60:C1:02:9F"
    assert mac_tail(check_mac(written)) == "02:9F"


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("A6:5E:60:C1:02:9F", "private (randomised)"),  # 0x02: locally administered
        ("DA:A1:19:00:00:01", "Private Wi-Fi Address off"),  # as an iPhone shows one network
        ("01:00:5E:00:00:FB", "multicast"),
        ("00:00:00:00:00:00", "no device's address"),
        ("A4:5E:60:C1:02", "is not a MAC address"),
        ("not a mac at all", "is not a MAC address"),
        ("G4:5E:60:C1:02:9F", "is not a MAC address"),
    ],
)
def test_an_address_that_cannot_name_a_device_is_refused_in_words(written: str, said: str) -> None:
    with pytest.raises(MacError, match=re.escape(said)):
        check_mac(written)
