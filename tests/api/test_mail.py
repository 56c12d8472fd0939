"""Outgoing mail: SMTP_URL parsing, delivery to a real SMTP server, the log fallback, failures."""

from __future__ import annotations

import logging

import pytest

from api.config import ConfigError
from api.mail import Mailer, MailError, SmtpSettings
from tests.smtp import free_port


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", SmtpSettings("mail.example.com", 25)),
        ("smtp://127.0.0.1:2525", SmtpSettings("127.0.0.1", 2525)),
        (
            "smtp://us%40er:p%3Ass@mail.example.com:587?starttls=true",
            SmtpSettings("mail.example.com", 587, "us@er", "p:ss", starttls=True),
        ),
        (
            "smtp+starttls://u:p@mx.example.com",
            SmtpSettings("mx.example.com", 587, "u", "p", starttls=True),
        ),
        (
            "smtps://u:p@mx.example.com",
            SmtpSettings("mx.example.com", 465, "u", "p", implicit_tls=True),
        ),
    ],
)
def test_smtp_urls(url, expected):
    assert SmtpSettings.from_url(url) == expected


@pytest.mark.parametrize(
    "url", ["http://mail.example.com", "smtp://", "smtp://host:notaport", "mail.example.com"]
)
def test_bad_smtp_urls_are_config_errors(url):
    with pytest.raises(ConfigError):
        SmtpSettings.from_url(url)


def test_delivers_over_smtp(mailbox):
    Mailer.from_url(mailbox.url, "Splits <no-reply@example.com>").send(
        "runner@example.com", "Hello", "Your code is: ABCD1234\n"
    )
    (message,) = mailbox.to("runner@example.com")
    assert message["Subject"] == "Hello" and message["From"] == "Splits <no-reply@example.com>"
    assert message["Message-ID"] and message["Date"]
    assert mailbox.code_for("runner@example.com") == "ABCD1234"


def test_unreachable_server_is_a_mail_error():
    mailer = Mailer.from_url(f"smtp://127.0.0.1:{free_port()}", "a@example.com")
    with pytest.raises(MailError):
        mailer.send("b@example.com", "s", "b")


def test_without_smtp_url_the_message_is_logged(caplog):
    with caplog.at_level(logging.INFO, logger="api.mail"):
        Mailer.from_url("", "a@example.com").send("b@example.com", "Reset", "code: XYZ")
    (record,) = caplog.records
    assert "b@example.com" in record.getMessage() and "code: XYZ" in record.getMessage()
