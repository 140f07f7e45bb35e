"""A real SMTP server for the mail tests (aiosmtpd on a free port) that keeps every delivered
message's bytes, counts connections, and can refuse recipients or drop the connection in the
middle of DATA."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


@dataclass
class Delivered:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def parsed(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)


@dataclass
class Behaviour:
    # Close the connection after reading this many DATA lines, for the next N transactions.
    drop_mid_data: int = 0
    # Recipient -> reply for RCPT TO (e.g. "550 5.1.1 No such user").
    rcpt_replies: dict[str, str] = field(default_factory=dict)


class RecordingHandler:
    def __init__(self) -> None:
        self.delivered: list[Delivered] = []
        self.sessions: set[int] = set()
        self.behaviour = Behaviour()
        self.lock = threading.Lock()
        self.on_data = None  # optional callback(Delivered) before the 250 reply

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with self.lock:
            self.sessions.add(id(session))
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.behaviour.rcpt_replies.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        item = Delivered(
            envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content)
        )
        if self.on_data is not None:
            self.on_data(item)
        with self.lock:
            self.delivered.append(item)
        return "250 Message accepted for delivery"


class DroppingSMTP(SMTP):
    """Drops the connection in the middle of DATA while the handler asks for it."""

    async def smtp_DATA(self, arg: str) -> None:
        handler: RecordingHandler = self.event_handler
        if handler.behaviour.drop_mid_data > 0 and self.envelope and self.envelope.rcpt_tos:
            handler.behaviour.drop_mid_data -= 1
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            await self._reader.readuntil(b"\r\n")  # one line of the message, then gone
            self.transport.close()
            return
        await super().smtp_DATA(arg)


class RecordingController(Controller):
    def factory(self):
        return DroppingSMTP(self.handler, **self.SMTP_kwargs)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SMTPServer:
    """Start with ``start()``; ``host``/``port`` for EMAIL_HOST/EMAIL_PORT."""

    def __init__(self) -> None:
        self.handler = RecordingHandler()
        self.host = "127.0.0.1"
        self.port = free_port()
        self.controller = RecordingController(
            self.handler, hostname=self.host, port=self.port, data_size_limit=0
        )

    def start(self) -> SMTPServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def delivered(self) -> list[Delivered]:
        with self.handler.lock:
            return list(self.handler.delivered)

    def wait_for(self, count: int, timeout: float = 60.0) -> list[Delivered]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.delivered) >= count:
                return self.delivered
            time.sleep(0.05)
        raise AssertionError(f"expected {count} messages, got {len(self.delivered)}")


class _FileHandler(RecordingHandler):
    """Appends each received Message-ID to a file (for a server in its own process)."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.file = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115

    async def handle_DATA(self, server, session, envelope):
        data = bytes(envelope.original_content)
        header = message_from_bytes(data, policy=policy.compat32)["Message-ID"] or ""
        self.file.write(" ".join(header.split()) + "\n")
        return "250 Message accepted for delivery"


def serve_in_process(port: int, path: str) -> None:
    """Run a server that logs Message-IDs to ``path`` until killed (benchmarks: no GIL shared
    with the sender)."""
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    controller = RecordingController(
        _FileHandler(path), hostname="127.0.0.1", port=port, data_size_limit=0
    )
    controller.start()
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    import sys

    serve_in_process(int(sys.argv[1]), sys.argv[2])
