"""``bridge.mail`` against a real SMTP server on loopback (aiosmtpd): a message in UTF-8
received whole, a login, the bounded queue, and a server that is down (logged, dropped,
never raised into the caller)."""

from __future__ import annotations

import asyncio
import logging
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from bridge.mail import Mailer, MailSettings
from tests.conftest import free_port


class Handler:
    def __init__(self) -> None:
        self.received: list[Any] = []
        self.logins: list[bool] = []  # whether the sender had logged in, per message

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(envelope)
        self.logins.append(bool(session.authenticated))
        return "250 OK"


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"vp", b"bi-mat")
    return AuthResult(success=ok)


@pytest.mark.parametrize("login", [False, True])
async def test_an_email_reaches_the_server(login: bool) -> None:
    handler = Handler()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticate if login else None,
        auth_required=login,  # with a login configured, mail without one is refused
        auth_require_tls=False,
    )
    controller.start()
    try:
        settings = MailSettings(
            "127.0.0.1", port, "vp" if login else None, "bi-mat" if login else None,
            "vanphong@tinh.example", starttls=False, timeout_s=5,
        )  # fmt: skip
        mailer = Mailer(settings)
        assert mailer.send(["tochuc@so.example", "tochuc@so.example"], "Đã duyệt", "Nội dung\n")
        await mailer.flush()
        assert mailer.sent == 1 and mailer.failed == 0
    finally:
        controller.stop()
    [envelope] = handler.received
    assert handler.logins == [login]  # logged in exactly when a login is configured
    assert envelope.rcpt_tos == ["tochuc@so.example"]
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["subject"] == "Đã duyệt" and message["from"] == "vanphong@tinh.example"
    assert message.get_content().strip() == "Nội dung"


async def test_no_server_no_queue_and_a_full_queue_drops() -> None:
    assert Mailer(MailSettings(None)).send(["a@b.example"], "s", "b") is False
    mailer = Mailer(MailSettings("127.0.0.1", free_port(), starttls=False), limit=2)
    assert mailer.send([], "s", "b") is False
    assert [mailer.send(["a@b.example"], "s", "b") for _ in range(3)] == [True, True, False]
    assert mailer.dropped == 1


async def test_a_server_that_is_down_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bridge.mail")
    mailer = Mailer(MailSettings("127.0.0.1", free_port(), starttls=False, timeout_s=2))
    assert mailer.send(["a@b.example"], "s", "b") is True
    task = asyncio.create_task(mailer.run())
    for _ in range(100):
        if mailer.failed:
            break
        await asyncio.sleep(0.05)
    assert not task.done(), "the worker stopped on a failure"  # it keeps serving the queue
    task.cancel()
    assert mailer.failed == 1 and "not sent" in caplog.text
