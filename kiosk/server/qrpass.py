"""QR passes issued by this server for its members: one function shared by the CLI and the API."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from kiosk import passes
from kiosk.server.keys import InstallKeys
from kiosk.server.store import NotFoundError, Store
from kiosk.server.store.models import Member


@dataclasses.dataclass(frozen=True)
class IssuedPass:
    """A signed pass, whom it is for, until when, and its QR code as PNG."""

    text: str = dataclasses.field(repr=False)
    member: Member
    expires_at: datetime
    single_use: bool

    def png(self) -> bytes:
        """The pass as a QR code image."""
        return passes.render_png(self.text)


def issue_for(
    store: Store,
    keys: InstallKeys,
    email: str,
    valid_for: timedelta,
    now: datetime,
    single_use: bool = False,
) -> IssuedPass:
    """A pass for the member with `email`; `NotFoundError` when there is none."""
    member = store.find_member(email=email.strip())
    if member is None:
        raise NotFoundError(f"no member with email {email.strip()[:254]}")
    subject = passes.Subject.member(member.id)
    text = keys.issuer.issue(subject, now, valid_for, single_use)
    expires_at = passes.parse(text).pass_.expires_at
    return IssuedPass(text, member, expires_at, single_use)
