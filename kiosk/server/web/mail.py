"""Email from the web admin (a member's QR pass, a new PIN): one small interface, SMTP behind
it, and a null mailer that says email is not set up.

smtplib's and the socket's errors become `MailError` here, with words for staff.
"""

from __future__ import annotations

import dataclasses
import smtplib
import ssl
from email.message import EmailMessage
from typing import Protocol


class MailError(Exception):
    """The message could not be sent; the message says why."""


@dataclasses.dataclass(frozen=True)
class Attachment:
    """A file sent with a message."""

    filename: str
    media: str  # "image/png"
    data: bytes = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True)
class Message:
    """An email to one member."""

    to: str
    subject: str
    text: str = dataclasses.field(repr=False)
    attachments: tuple[Attachment, ...] = ()


class Mailer(Protocol):
    """Sends messages (blocking: call it from a thread)."""

    @property
    def ready(self) -> bool:
        """Whether sending is set up at all."""
        ...

    def send(self, message: Message) -> None:
        """Send `message`; `MailError` when it cannot be."""
        ...


@dataclasses.dataclass(frozen=True)
class SmtpSettings:
    """Where mail goes: ``kiosk serve --smtp-host`` and friends (the password from the
    environment, never from the command line)."""

    host: str
    sender: str
    port: int = 587
    user: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)
    tls: str = "starttls"  # "starttls", "tls" (implicit, port 465) or "none" (a local relay)
    timeout: float = 10.0


class SmtpMailer:
    """Mail through an SMTP server."""

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings

    @property
    def ready(self) -> bool:
        return True

    def send(self, message: Message) -> None:
        s = self._settings
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = s.sender, message.to, message.subject
        email.set_content(message.text)
        for a in message.attachments:
            main, _, sub = a.media.partition("/")
            email.add_attachment(a.data, maintype=main, subtype=sub, filename=a.filename)
        context = ssl.create_default_context()
        try:
            if s.tls == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=context
                )
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            with smtp:
                if s.tls == "starttls":
                    smtp.starttls(context=context)
                if s.user and s.password:
                    smtp.login(s.user, s.password)
                smtp.send_message(email)
        except smtplib.SMTPAuthenticationError:
            raise MailError(f"the mail server {s.host} refused our user name or password") from None
        except smtplib.SMTPRecipientsRefused:
            raise MailError(f"the mail server {s.host} refused the address {message.to}") from None
        except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
            why = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise MailError(f"cannot send through {s.host}:{s.port}: {why}") from None


class NoMailer:
    """The null mailer: email is not set up."""

    @property
    def ready(self) -> bool:
        return False

    def send(self, message: Message) -> None:
        raise MailError("email is not set up: start the server with --smtp-host and --smtp-from")
