"""A real SMTP server for tests (aiosmtpd on 127.0.0.1, a free port) that keeps what it receives."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Mailbox:
    """Collect every message the server accepts; tests read codes from them."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.url = ""
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Store one received message."""
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def clear(self) -> None:
        """Forget every message received so far."""
        with self._lock:
            self.messages.clear()

    def to(self, address: str) -> list[EmailMessage]:
        """Return the messages sent to `address`, oldest first."""
        with self._lock:
            return [m for m in self.messages if m["To"] == address]

    def code_for(self, address: str, pattern: str = r"code(?: is)?: ([A-Z0-9]{8})") -> str:
        """Return the code in the newest message to `address` (fails if there is none)."""
        messages = self.to(address)
        assert messages, f"no mail to {address}; got {[m['To'] for m in self.messages]}"
        match = re.search(pattern, messages[-1].get_content())
        assert match, messages[-1].get_content()
        return match.group(1)


class SmtpServer:
    """Run aiosmtpd in its own thread until stopped."""

    def __init__(self) -> None:
        self.mailbox = Mailbox()
        port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=port)
        self.mailbox.url = f"smtp://127.0.0.1:{port}"

    def __enter__(self) -> Mailbox:
        self.controller.start()
        return self.mailbox

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
