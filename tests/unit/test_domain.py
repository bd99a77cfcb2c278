"""The shared domain types."""

from __future__ import annotations

from kiosk.domain import Credential, CredentialKind, Reason


def test_every_reason_has_a_member_message_and_a_hint() -> None:
    for reason in Reason:
        assert reason.message
        assert reason.hint
        assert "_" not in reason.message


def test_secrets_are_masked_and_kept_out_of_repr() -> None:
    pin = Credential(CredentialKind.PIN, "12345", source="keypad")
    assert pin.masked() == "•••••"
    assert "12345" not in repr(pin)
    card = Credential(CredentialKind.CARD, "04A1B2C3")
    assert card.masked() == "••••B2C3"  # a UID alone is a credential
    assert Credential(CredentialKind.PHONE, "x" * 40).masked() == "•" * 8


def test_an_email_shows_only_its_first_letter_and_domain_and_its_password_never() -> None:
    email = Credential(CredentialKind.EMAIL_PASSWORD, "ada@example.com", password="s3cret!")
    assert email.masked() == "a•••@example.com"
    assert "s3cret" not in repr(email)
    assert "ada@" not in repr(email)
    assert Credential(CredentialKind.EMAIL, "no-at-sign").masked() == "•••"
