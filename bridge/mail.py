"""E-mail: the notifications of bookings sent to whoever has an address (docs/office.md).

Sending never blocks a request nor the event loop: ``Mailer.send`` only puts a message in a
bounded queue (a full queue drops it, counted and logged — the notification is on the
pages all the same); one task takes messages in turn and talks SMTP (``smtplib``) in a
worker thread, with a timeout. A failure is logged and the message is dropped: the office
page is the record, e-mail its echo. Without ``smtp_host`` nothing is sent.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

log = logging.getLogger(__name__)

QUEUE_LIMIT = 500


@dataclass(frozen=True)
class MailSettings:
    host: str | None
    port: int = 587
    user: str | None = None
    password: str | None = None
    sender: str = "bridge@localhost"
    starttls: bool = True
    timeout_s: float = 20.0

    @property
    def enabled(self) -> bool:
        return bool(self.host)


@dataclass(frozen=True)
class Mail:
    to: tuple[str, ...]
    subject: str
    body: str


def message_of(mail: Mail, sender: str) -> EmailMessage:
    """The e-mail as sent: UTF-8 text (Vietnamese as it is), a date and an id."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(mail.to)
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    message.set_content(mail.body)
    return message


def deliver(settings: MailSettings, mail: Mail) -> None:
    """One SMTP conversation (blocking: run it in a thread)."""
    assert settings.host is not None
    with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s) as smtp:
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.user:
            smtp.login(settings.user, settings.password or "")
        smtp.send_message(message_of(mail, settings.sender))


class Mailer:
    def __init__(self, settings: MailSettings, limit: int = QUEUE_LIMIT) -> None:
        self.settings = settings
        self._queue: asyncio.Queue[Mail] = asyncio.Queue(limit)
        self.sent = 0
        self.failed = 0
        self.dropped = 0

    def send(self, to: Iterable[str], subject: str, body: str) -> bool:
        """Queue one e-mail to ``to`` (each address once); whether it was queued. Never
        waits: without a server, or with the queue full, it is not."""
        addresses = tuple(dict.fromkeys(a for a in to if a))
        if not addresses or not self.settings.enabled:
            return False
        try:
            self._queue.put_nowait(Mail(addresses, subject, body))
        except asyncio.QueueFull:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 100 == 0:
                log.warning("mail queue full: %d e-mails dropped", self.dropped)
            return False
        return True

    async def run(self) -> None:
        """Send what arrives, one e-mail at a time, until cancelled."""
        while True:
            mail = await self._queue.get()
            await self._deliver(mail)

    async def flush(self) -> None:
        """Send everything queued now (tests, shutdown)."""
        while not self._queue.empty():
            await self._deliver(self._queue.get_nowait())

    async def _deliver(self, mail: Mail) -> None:
        try:
            await asyncio.to_thread(deliver, self.settings, mail)
        except Exception as exc:  # a server down or refusing: logged, the pages have it
            self.failed += 1
            log.warning("e-mail to %s not sent: %s", ", ".join(mail.to), exc)
        else:
            self.sent += 1
