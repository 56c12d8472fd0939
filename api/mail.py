"""Outgoing e-mail: SMTP when `SMTP_URL` is set, otherwise the message is written to the log.

`SMTP_URL` forms:

* `smtp://host:port` (plain; port 25 by default),
* `smtp://user:password@host:587?starttls=true` or `smtp+starttls://user:password@host:587`,
* `smtps://user:password@host:465` (TLS from the first byte).

User and password are percent-decoded. Without `SMTP_URL` (development), each message is logged
at INFO, code included: that is the documented way to read reset codes on a developer machine.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from api.config import ConfigError
from api.metrics import MAILS

log = logging.getLogger(__name__)

SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
TRUE_VALUES = {"1", "true", "yes", "on"}
DEFAULT_TIMEOUT = 10.0


class MailError(Exception):
    """Raise when a message could not be handed to the mail server."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to deliver mail, parsed from `SMTP_URL`."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    implicit_tls: bool = False

    @classmethod
    def from_url(cls, url: str) -> SmtpSettings:
        """Parse an `smtp://`, `smtp+starttls://` or `smtps://` URL; raise ConfigError if bad."""
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES:
            raise ConfigError(f"SMTP_URL must start with one of {sorted(SCHEMES)}: {url!r}")
        if not parts.hostname:
            raise ConfigError("SMTP_URL has no host")
        try:
            port = parts.port or SCHEMES[parts.scheme]
        except ValueError as ex:  # a port that is not a number, or out of range
            raise ConfigError(f"SMTP_URL has a bad port: {ex}") from ex
        query = parse_qs(parts.query)
        starttls = parts.scheme == "smtp+starttls" or any(
            value.lower() in TRUE_VALUES for value in query.get("starttls", [])
        )
        return cls(
            host=parts.hostname,
            port=port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            starttls=starttls,
            implicit_tls=parts.scheme == "smtps",
        )


class Mailer:
    """Send plain-text messages from one sender, over SMTP or (without settings) to the log."""

    def __init__(
        self, settings: SmtpSettings | None, sender: str, *, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self.settings = settings
        self.sender = sender
        self.timeout = timeout

    @classmethod
    def from_url(cls, url: str, sender: str) -> Mailer:
        """Build a mailer from `SMTP_URL` (empty: log the messages instead)."""
        return cls(SmtpSettings.from_url(url) if url else None, sender)

    def message(self, to: str, subject: str, body: str) -> EmailMessage:
        """Return the message that `send` would deliver."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid(domain="splits")
        message.set_content(body)
        return message

    def send(self, to: str, subject: str, body: str) -> None:
        """Deliver one message; raise MailError when the server refuses or cannot be reached."""
        message = self.message(to, subject, body)
        if self.settings is None:
            log.info("mail (SMTP_URL unset) to=%s subject=%s\n%s", to, subject, body)
            MAILS.labels("logged").inc()
            return
        try:
            self._deliver(self.settings, message)
        except (smtplib.SMTPException, OSError) as ex:
            MAILS.labels("failed").inc()
            raise MailError(f"{type(ex).__name__}: {ex}") from ex
        MAILS.labels("sent").inc()

    def _deliver(self, settings: SmtpSettings, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if settings.implicit_tls:
            smtp = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=self.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=self.timeout)
        with smtp:
            if settings.starttls:
                smtp.starttls(context=context)
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            smtp.send_message(message)
