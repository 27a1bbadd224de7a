"""The HTTP routes of a session's official notices (docs/api.md, "Notices"): staff post
(multipart: the text fields and an optional document), list with every hall's read
receipt, withdraw, and download; a hall — with its join token as the bearer — lists its
session's notices in force, downloads their documents and confirms it read one (the page
does that over the WebSocket once joined: ``notice_read``, docs/protocol.md; this route is
for a hall that is waiting for its session to open).

``NoticeRoutes`` is a part of ``api.Api`` (its rows are in ``api.ROUTES``). A document is
checked and stored by ``bridge.notices.files`` (type by content and name, size limit,
0600 under ``<data dir>/notices``) and always served as an attachment, ``nosniff``, to the
session's staff and the session's halls only: a hall of another session is ``forbidden``
(its token is for one session), a stranger ``unauthorized``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, Response

from bridge.live import LiveSessions
from bridge.live.audit import AuditLog
from bridge.notices.files import KINDS as FILE_KINDS
from bridge.notices.files import FileRefused, NoticeFiles, StoredFile
from bridge.permissions import Action, Principal, Role, SessionScope, authorize
from bridge.settings import Settings
from bridge.signaling import messages as m
from bridge.signaling import outbound
from bridge.signaling import schemas as s
from bridge.signaling.errors import ErrorCode, Problem, SignalingError
from bridge.signaling.validation import invalid
from bridge.store import NotFound, Session, SessionState, Store, StoreError
from bridge.store.notices import Notice, NoticeFile, NoticeRead

MAX_ID = 2**53
# What a form carries beside its document: the text fields and the parts' headers.
FORM_OVERHEAD = 64 * 1024
FORM_FIELDS = frozenset({"kind", "title", "body", "file"})
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
# The routes a hall takes with its join token (the policy's hall actions over HTTP).
HALL_ACTIONS = frozenset({Action.SITE_NOTICES})


def _refusal(field: str, problem: Problem, detail: str = "", **params: Any) -> SignalingError:
    return SignalingError(
        ErrorCode.INVALID_INPUT, detail or f"{field}: {problem}", field, problem, params
    )


def _file_error(exc: FileRefused, max_bytes: int) -> SignalingError:
    if exc.code == "too_large":
        return SignalingError(
            ErrorCode.FILE_TOO_LARGE, str(exc), "file", Problem.TOO_LARGE, {"limit": max_bytes}
        )
    if exc.code == "type":
        return SignalingError(
            ErrorCode.UNSUPPORTED_FILE_TYPE,
            str(exc),
            "file",
            Problem.NOT_ALLOWED,
            {"choices": list(FILE_KINDS)},
        )
    if exc.code == "empty":
        return _refusal("file", Problem.TOO_SHORT, str(exc), limit=1, unit="characters")
    return _refusal("file", Problem.INVALID, str(exc))


def notice_json(notice: Notice, reads: list[NoticeRead], roster: list[int]) -> s.NoticeJson:
    file = notice.file
    read_ids = {r.site_id for r in reads}
    return {
        "id": notice.id,
        "session_id": notice.session_id,
        "kind": notice.kind,  # type: ignore[typeddict-item]
        "title": notice.title,
        "body": notice.body,
        "file_name": file.name if file else None,
        "file_type": file.type if file else None,  # type: ignore[typeddict-item]
        "file_size": file.size if file else None,
        "file_sha256": file.sha256 if file else None,
        "posted_by": notice.posted_by,
        "posted_at": notice.posted_at.isoformat(),
        "withdrawn_at": notice.withdrawn_at.isoformat() if notice.withdrawn_at else None,
        "reads": [{"site_id": r.site_id, "read_at": r.read_at.isoformat()} for r in reads],
        "unread_site_ids": [site_id for site_id in roster if site_id not in read_ids],
    }


def hall_notices(store: Store, session_id: int, site_id: int) -> list[outbound.NoticeEntry]:
    """The session's notices in force as the hall is told them, each with whether it read
    it (what its page gets on ``joined``, and over HTTP while it waits)."""
    notices = store.notices.list(session_id, withdrawn=False)
    reads = store.notices.reads(session_id)
    return [
        outbound.notice_entry(n, any(r.site_id == site_id for r in reads.get(n.id, ())))
        for n in notices
    ]


def file_response(path: Any, file: NoticeFile) -> Response:
    """A document as an attachment, never rendered by the browser (octet-stream, nosniff),
    under its own name (RFC 6266 ``filename*`` for the Vietnamese letters)."""
    return FileResponse(
        path,
        media_type="application/octet-stream",
        filename=file.name,
        content_disposition_type="attachment",
        headers={"x-content-type-options": "nosniff", "cache-control": "no-store"},
    )


class NoticeRoutes:
    """The notice routes of ``api.Api``, which provides these."""

    store: Store
    sessions: LiveSessions
    audit_log: AuditLog
    settings: Settings

    @property
    def notice_files(self) -> NoticeFiles:
        files: NoticeFiles | None = getattr(self, "_notice_files", None)
        if files is None:
            root = self.settings.database.parent / "notices"
            files = NoticeFiles(root, self.settings.notice_max_bytes)
            self._notice_files = files
        return files

    # ---- who: a hall's join token as the bearer -------------------------------------------

    async def authorize_hall(self, request: Request, action: Action) -> Any:
        """The caller of a hall route: its join token's site, tied to the path's session."""
        from bridge.signaling.api import Caller  # api imports this module

        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise SignalingError(ErrorCode.UNAUTHORIZED)
        try:
            grant = await asyncio.to_thread(self.store.tokens.check, token)
        except StoreError as exc:
            raise SignalingError(ErrorCode(exc.code)) from None
        session_id = request.path_params["id"]
        if not 1 <= session_id <= MAX_ID:
            raise SignalingError(ErrorCode.NOT_FOUND, "id", field="id")
        principal = Principal(Role.SITE, site_id=grant.site_id, session_id=grant.session_id)
        decision = authorize(principal, action, SessionScope(session_id))
        if not decision.allowed:
            raise SignalingError(ErrorCode.FORBIDDEN, f"{action}: {decision.reason}")
        session = await asyncio.to_thread(self.store.sessions.get, session_id)
        return Caller(principal, token, session)

    # ---- staff ----------------------------------------------------------------------------

    async def post_notice(self, request: Request, caller: Any, _: None) -> s.NoticeReply:
        """Post a notice: multipart/form-data with ``kind``, ``title``, ``body`` and an
        optional ``file`` (one document)."""
        session: Session = caller.session
        if session.state is SessionState.CLOSED:
            raise SignalingError(ErrorCode.SESSION_CLOSED, "notice for a closed session")
        form = await self._read_form(request)
        try:
            fields = m.NoticeForm.model_validate({k: v for k, v in form.items() if k != "file"})
        except ValidationError as exc:
            raise invalid(exc, ErrorCode.INVALID_INPUT, m.NoticeForm) from None
        if not fields.title.strip():
            raise _refusal("title", Problem.BLANK)
        stored: StoredFile | None = None
        upload = form.get("file")
        if upload is not None:
            assert isinstance(upload, UploadFile)
            files = self.notice_files
            try:
                stored = await asyncio.to_thread(files.store, upload.file, upload.filename)
            except FileRefused as exc:
                raise _file_error(exc, files.max_bytes) from None
            finally:
                await upload.close()
        file = None if stored is None else NoticeFile(**vars_of(stored))
        notice = await asyncio.to_thread(
            lambda: self.store.notices.post(
                session.id, fields.kind, fields.title, fields.body, file, by=caller.principal.by
            )
        )
        self.audit_log.record(
            session.id,
            caller.principal.by,
            "notice_post",
            notice_id=notice.id,
            kind=notice.kind,
            title=notice.title,
            file_name=file.name if file else None,
            file_sha256=file.sha256 if file else None,
        )
        self._tell(session.id, notice)
        return {"notice": notice_json(notice, [], list(session.roster))}

    async def _read_form(self, request: Request) -> dict[str, str | UploadFile]:
        """The form's parts, refused as soon as it is known to be too big (its declared
        length before a byte is read, else while it streams in); unknown or repeated
        fields, and a ``file`` that is not a file part, are refused by name."""
        content_type = request.headers.get("content-type", "").lower()
        multipart = content_type.startswith("multipart/form-data")
        # A notice without a document may come as a plain form too (``curl -d``).
        if not multipart and not content_type.startswith("application/x-www-form-urlencoded"):
            raise _refusal("content-type", Problem.NOT_ALLOWED, choices=list(FORM_TYPES))
        max_bytes = self.notice_files.max_bytes
        limit = max_bytes + FORM_OVERHEAD
        declared = request.headers.get("content-length")
        if declared is not None:
            if not (declared.isascii() and declared.isdigit()):
                raise _refusal("content-length", Problem.INVALID)
            if len(declared) > 20 or int(declared) > limit:
                raise SignalingError(
                    ErrorCode.FILE_TOO_LARGE,
                    f"{declared} bytes declared",
                    "file",
                    Problem.TOO_LARGE,
                    {"limit": max_bytes},
                )

        async def bounded() -> AsyncIterator[bytes]:
            size = 0
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise SignalingError(
                        ErrorCode.FILE_TOO_LARGE,
                        f"over {limit} bytes",
                        "file",
                        Problem.TOO_LARGE,
                        {"limit": max_bytes},
                    )
                yield chunk

        parser: MultiPartParser | FormParser
        if multipart:
            parser = MultiPartParser(
                request.headers,
                bounded(),  # type: ignore[arg-type]
                max_files=1,
                max_fields=len(FORM_FIELDS),
                max_part_size=FORM_OVERHEAD,
            )
        else:
            parser = FormParser(request.headers, bounded())  # type: ignore[arg-type]
        try:
            form = await parser.parse()
        except MultiPartException as exc:
            raise _refusal("form", Problem.INVALID, str(exc)) from None
        except ClientDisconnect:
            raise
        items: dict[str, str | UploadFile] = {}
        try:
            for key, value in form.multi_items():
                if key not in FORM_FIELDS:
                    raise _refusal(key[:64], Problem.UNKNOWN_FIELD)
                if key in items:
                    raise _refusal(key, Problem.DUPLICATE)
                if (key == "file") != isinstance(value, UploadFile):
                    expected = "file" if key == "file" else "string"
                    raise _refusal(key, Problem.WRONG_TYPE, expected=expected)
                items[key] = value
        except SignalingError:
            await form.close()
            raise
        return items

    async def list_notices(self, request: Request, caller: Any, _: None) -> s.NoticesReply:
        """Every notice of the session, oldest first, withdrawn ones too, each with the
        roster halls that read it (and when) and those that have not."""
        session: Session = caller.session

        def read() -> list[s.NoticeJson]:
            notices = self.store.notices.list(session.id)
            reads = self.store.notices.reads(session.id)
            roster = list(self.store.sessions.get(session.id).roster)
            return [notice_json(n, reads.get(n.id, []), roster) for n in notices]

        return {"notices": await asyncio.to_thread(read)}

    async def withdraw_notice(self, request: Request, caller: Any, _: None) -> s.NoticeReply:
        session: Session = caller.session
        notice_id = _notice_id(request)
        before = await asyncio.to_thread(self.store.notices.get, session.id, notice_id)
        notice = await asyncio.to_thread(self.store.notices.withdraw, session.id, notice_id)
        if not before.withdrawn:
            self.audit_log.record(
                session.id, caller.principal.by, "notice_withdraw", notice_id=notice_id
            )
            self._tell(session.id, notice)
        reads = (await asyncio.to_thread(self.store.notices.reads, session.id)).get(notice_id, [])
        return {"notice": notice_json(notice, reads, list(session.roster))}

    async def notice_file(self, request: Request, caller: Any, _: None) -> Response:
        session: Session = caller.session
        notice = await asyncio.to_thread(self.store.notices.get, session.id, _notice_id(request))
        return await self._file(notice)

    # ---- a hall ---------------------------------------------------------------------------

    async def hall_notices(self, request: Request, caller: Any, _: None) -> s.HallNoticesReply:
        session: Session = caller.session
        site_id = caller.principal.site_id
        found = await asyncio.to_thread(hall_notices, self.store, session.id, site_id)
        return {"notices": found}  # type: ignore[typeddict-item]

    async def hall_notice_file(self, request: Request, caller: Any, _: None) -> Response:
        """The document of a notice in force; fetching it is reading it (its receipt)."""
        session: Session = caller.session
        notice = await self._hall_notice(session.id, _notice_id(request))
        response = await self._file(notice)
        await self.notice_read_by(session.id, notice.id, caller.principal.site_id)
        return response

    async def hall_notice_read(self, request: Request, caller: Any, _: None) -> s.HallReadReply:
        session: Session = caller.session
        notice = await self._hall_notice(session.id, _notice_id(request))
        receipt = await self.notice_read_by(session.id, notice.id, caller.principal.site_id)
        return {
            "notice_id": receipt.notice_id,
            "site_id": receipt.site_id,
            "read_at": receipt.read_at.isoformat(),
        }

    async def _hall_notice(self, session_id: int, notice_id: int) -> Notice:
        notice = await asyncio.to_thread(self.store.notices.get, session_id, notice_id)
        if notice.withdrawn:  # a hall sees only what is in force
            raise NotFound(f"notice {notice_id} withdrawn", field="notice_id")
        return notice

    async def notice_read_by(self, session_id: int, notice_id: int, site_id: int) -> NoticeRead:
        """Record the hall's receipt (once) and tell the consoles of its first read."""
        return await record_read(
            self.store, self.sessions, self.audit_log, session_id, notice_id, site_id
        )

    async def _file(self, notice: Notice) -> Response:
        if notice.file is None:
            raise NotFound(f"notice {notice.id} has no document", field="notice_id")
        path = await asyncio.to_thread(self.notice_files.open, notice.file.sha256)
        if path is None:
            raise NotFound(f"notice {notice.id}: its document is missing", field="notice_id")
        return file_response(path, notice.file)

    def _tell(self, session_id: int, notice: Notice) -> None:
        """A notice posted or withdrawn: the session's halls and consoles hear it at once."""
        live = self.sessions.find(session_id)
        if live is None:
            return
        message = outbound.notice(outbound.notice_entry(notice))
        for hall in live.halls():
            hall.send(message)
        for console in live.consoles():
            console.send(message)


async def record_read(
    store: Store,
    sessions: LiveSessions,
    audit: AuditLog,
    session_id: int,
    notice_id: int,
    site_id: int,
) -> NoticeRead:
    """A hall's receipt, stored once; its first read is audited and told to the consoles
    (the WebSocket's ``notice_read`` and the hall routes share this)."""
    receipt, created = await asyncio.to_thread(store.notices.mark_read, notice_id, site_id)
    if created:
        audit.record(session_id, f"site:{site_id}", "notice_read", notice_id=notice_id)
        live = sessions.find(session_id)
        if live is not None:
            message = outbound.notice_read(notice_id, site_id, receipt.read_at.isoformat())
            for console in live.consoles():
                console.send(message)
    return receipt


def _notice_id(request: Request) -> int:
    notice_id = int(request.path_params["notice_id"])
    if not 1 <= notice_id <= MAX_ID:
        raise SignalingError(ErrorCode.NOT_FOUND, "notice_id", field="notice_id")
    return notice_id


def vars_of(stored: StoredFile) -> dict[str, Any]:
    return {"name": stored.name, "type": stored.type, "size": stored.size, "sha256": stored.sha256}
