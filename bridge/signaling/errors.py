"""Errors that cross a boundary: a stable code, a message in the user's language, and
(for WebSocket errors about who the sender is) the close code that ends the connection.

An error about one field also names the field (``roster[2]``) and its ``Problem`` (a stable
word: ``missing``, ``too_long``…); its message then says both, in Vietnamese or English.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    INVALID_JSON = "invalid_json"
    INVALID_MESSAGE = "invalid_message"
    UNKNOWN_TYPE = "unknown_type"
    MESSAGE_TOO_LARGE = "message_too_large"
    NOT_JOINED = "not_joined"
    ALREADY_JOINED = "already_joined"
    FORBIDDEN = "forbidden"
    INVALID_SDP = "invalid_sdp"
    UNKNOWN_SITE = "unknown_site"
    SITE_OFFLINE = "site_offline"
    INVALID_TOKEN = "invalid_token"
    TOKEN_EXPIRED = "token_expired"
    # An account's login token (console, API), told apart from a hall's join link.
    LOGIN_INVALID = "login_invalid"
    LOGIN_EXPIRED = "login_expired"
    WRONG_SESSION = "wrong_session"
    SESSION_NOT_OPEN = "session_not_open"
    SESSION_CLOSED = "session_closed"
    REPLACED = "replaced"
    REMOVED = "removed"
    JOIN_TIMEOUT = "join_timeout"
    TOO_MANY_ERRORS = "too_many_errors"
    TOO_MANY_REQUESTS = "too_many_requests"
    TEST_RUNNING = "test_running"
    # HTTP only
    UNAUTHORIZED = "unauthorized"
    INVALID_CREDENTIALS = "invalid_credentials"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    INVALID_INPUT = "invalid_input"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    INTERNAL = "internal"
    # Issue 13 B: bookings (HTTP).
    BOOKING_STATE = "booking_state"
    LEAD_TIME = "lead_time"
    REASON_REQUIRED = "reason_required"
    # D (issue 13): a notice's document refused.
    FILE_TOO_LARGE = "file_too_large"
    UNSUPPORTED_FILE_TYPE = "unsupported_file_type"
    # Issue 14: a recording still being written, failed, or deleted after its retention.
    RECORDING_UNAVAILABLE = "recording_unavailable"


# WebSocket close codes (4000-4999 are the application's own, RFC 6455 section 7.4.2).
CLOSE_CODES: dict[ErrorCode, int] = {
    ErrorCode.INVALID_TOKEN: 4401,
    ErrorCode.TOKEN_EXPIRED: 4401,
    ErrorCode.LOGIN_INVALID: 4401,
    ErrorCode.LOGIN_EXPIRED: 4401,
    ErrorCode.WRONG_SESSION: 4403,
    ErrorCode.SESSION_NOT_OPEN: 4409,
    ErrorCode.SESSION_CLOSED: 4410,
    ErrorCode.REPLACED: 4000,
    ErrorCode.REMOVED: 4001,
    ErrorCode.JOIN_TIMEOUT: 4408,
    ErrorCode.TOO_MANY_ERRORS: 4429,
}

HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.INVALID_JSON: 400,
    ErrorCode.INVALID_MESSAGE: 422,
    ErrorCode.INVALID_INPUT: 422,
    ErrorCode.MESSAGE_TOO_LARGE: 413,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.INVALID_TOKEN: 401,
    ErrorCode.TOKEN_EXPIRED: 401,
    ErrorCode.LOGIN_INVALID: 401,
    ErrorCode.LOGIN_EXPIRED: 401,
    ErrorCode.INVALID_CREDENTIALS: 401,
    ErrorCode.TOO_MANY_ATTEMPTS: 429,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.UNKNOWN_SITE: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.SESSION_CLOSED: 409,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.INTERNAL: 500,
    # Issue 13 B: bookings.
    ErrorCode.BOOKING_STATE: 409,
    ErrorCode.LEAD_TIME: 422,
    ErrorCode.REASON_REQUIRED: 422,
    # D: notices' documents.
    ErrorCode.FILE_TOO_LARGE: 413,
    ErrorCode.UNSUPPORTED_FILE_TYPE: 415,
    # Issue 14.
    ErrorCode.RECORDING_UNAVAILABLE: 409,
}

_MESSAGES: dict[ErrorCode, tuple[str, str]] = {
    ErrorCode.INVALID_JSON: (
        "Tin nhắn không phải là một đối tượng JSON hợp lệ.",
        "The message is not a valid JSON object.",
    ),
    ErrorCode.INVALID_MESSAGE: (
        "Tin nhắn thiếu trường, thừa trường hoặc sai kiểu dữ liệu.",
        "The message has missing, unknown or ill-typed fields.",
    ),
    ErrorCode.UNKNOWN_TYPE: ("Loại tin nhắn không được hỗ trợ.", "Unknown message type."),
    ErrorCode.MESSAGE_TOO_LARGE: ("Tin nhắn quá lớn.", "The message is too large."),
    ErrorCode.NOT_JOINED: (
        "Cần tham gia phiên họp trước khi gửi tin nhắn này.",
        "Join the session before sending this message.",
    ),
    ErrorCode.ALREADY_JOINED: (
        "Kết nối này đã tham gia phiên họp.",
        "This connection has already joined.",
    ),
    ErrorCode.FORBIDDEN: (
        "Bạn không có quyền thực hiện thao tác này.",
        "You are not allowed to do this.",
    ),
    ErrorCode.INVALID_SDP: (
        "Không áp dụng được mô tả phiên (SDP).",
        "The session description (SDP) could not be applied.",
    ),
    ErrorCode.UNKNOWN_SITE: (
        "Điểm cầu không có trong danh sách của phiên họp.",
        "The site is not on this session's roster.",
    ),
    ErrorCode.SITE_OFFLINE: (
        "Điểm cầu chưa kết nối vào phiên họp.",
        "The site is not connected to the session.",
    ),
    ErrorCode.INVALID_TOKEN: (
        "Đường dẫn tham gia không hợp lệ. Vui lòng liên hệ cán bộ điều hành.",
        "The join link is not valid. Please contact the operator.",
    ),
    ErrorCode.TOKEN_EXPIRED: (
        "Đường dẫn tham gia đã hết hạn. Vui lòng liên hệ cán bộ điều hành.",
        "The join link has expired. Please contact the operator.",
    ),
    ErrorCode.LOGIN_INVALID: (
        "Phiên đăng nhập không hợp lệ. Vui lòng đăng nhập lại.",
        "Your login is not valid. Please log in again.",
    ),
    ErrorCode.LOGIN_EXPIRED: (
        "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.",
        "Your login has expired. Please log in again.",
    ),
    ErrorCode.WRONG_SESSION: (
        "Đường dẫn này dành cho một phiên họp khác.",
        "This link belongs to another session.",
    ),
    ErrorCode.SESSION_NOT_OPEN: (
        "Phiên họp chưa bắt đầu. Vui lòng chờ.",
        "The session has not started yet. Please wait.",
    ),
    ErrorCode.SESSION_CLOSED: ("Phiên họp đã kết thúc.", "The session has ended."),
    ErrorCode.REPLACED: (
        "Điểm cầu này đã kết nối từ một máy khác.",
        "This site has connected from another device.",
    ),
    ErrorCode.REMOVED: (
        "Cán bộ điều hành đã mời điểm cầu này rời phiên họp.",
        "The operator has removed this site from the session.",
    ),
    ErrorCode.JOIN_TIMEOUT: (
        "Không nhận được yêu cầu tham gia kịp thời.",
        "No join request arrived in time.",
    ),
    ErrorCode.TOO_MANY_ERRORS: (
        "Quá nhiều tin nhắn không hợp lệ; kết nối bị đóng.",
        "Too many invalid messages; the connection is closed.",
    ),
    ErrorCode.TOO_MANY_REQUESTS: (
        "Thao tác quá nhanh; vui lòng chờ vài giây rồi thử lại.",
        "Too many requests; please wait a few seconds and try again.",
    ),
    ErrorCode.TEST_RUNNING: (
        "Điểm cầu đang được kiểm tra kết nối; vui lòng chờ kết quả.",
        "The site's connection test is running; please wait for its result.",
    ),
    ErrorCode.UNAUTHORIZED: ("Cần đăng nhập.", "Login required."),
    ErrorCode.INVALID_CREDENTIALS: (
        "Tên đăng nhập hoặc mật khẩu không đúng.",
        "Wrong username or password.",
    ),
    ErrorCode.TOO_MANY_ATTEMPTS: (
        "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau ít phút.",
        "Too many failed logins. Please try again in a few minutes.",
    ),
    ErrorCode.NOT_FOUND: ("Không tìm thấy.", "Not found."),
    ErrorCode.CONFLICT: (
        "Xung đột với dữ liệu đã có.",
        "Conflicts with existing data.",
    ),
    ErrorCode.INVALID_INPUT: ("Dữ liệu không hợp lệ.", "Invalid input."),
    ErrorCode.METHOD_NOT_ALLOWED: (
        "Phương thức này không được hỗ trợ tại địa chỉ này.",
        "This method is not allowed here.",
    ),
    ErrorCode.INTERNAL: ("Lỗi nội bộ của máy chủ.", "Internal server error."),
    # Issue 13 B: bookings (the routes say more: the state, the earliest day).
    ErrorCode.BOOKING_STATE: (
        "Đăng ký không ở trạng thái cho phép thao tác này.",
        "The booking is not in a state that allows this.",
    ),
    ErrorCode.LEAD_TIME: (
        "Không đủ thời hạn đăng ký trước.",
        "Short of the booking lead time.",
    ),
    ErrorCode.REASON_REQUIRED: ("Cần nêu lý do.", "A reason is required."),
    # D: notices' documents.
    ErrorCode.FILE_TOO_LARGE: (
        "Tệp tài liệu quá lớn.",
        "The document file is too large.",
    ),
    ErrorCode.UNSUPPORTED_FILE_TYPE: (
        "Chỉ nhận tài liệu PDF, Word, Excel, PowerPoint hoặc OpenDocument có nội dung đúng"
        " với tên tệp.",
        "Only PDF, Word, Excel, PowerPoint or OpenDocument files whose content matches their"
        " name are accepted.",
    ),
    ErrorCode.RECORDING_UNAVAILABLE: (
        "Bản ghi chưa sẵn sàng: đang ghi, ghi bị lỗi hoặc đã xoá khi hết thời hạn lưu trữ.",
        "The recording is not available: still being recorded, failed, or deleted after its"
        " retention.",
    ),
}

LANGS = ("vi", "en")


def message_for(code: ErrorCode, lang: str) -> str:
    vi, en = _MESSAGES[code]
    return en if lang == "en" else vi


def pick_lang(accept_language: str | None, default: str = "vi") -> str:
    """The first of our languages named in an ``Accept-Language`` header, else ``default``."""
    if accept_language:
        for part in accept_language.split(","):
            tag = part.split(";")[0].strip().lower()[:2]
            if tag in LANGS:
                return tag
    return default


class Problem(StrEnum):
    """What is wrong with one field: stable words an integrator can branch on."""

    MISSING = "missing"  # a required field is absent
    UNKNOWN_FIELD = "unknown_field"  # a field the request does not have (a typo)
    WRONG_TYPE = "wrong_type"  # a string where a number belongs… (``expected``)
    TOO_SHORT = "too_short"  # fewer characters or items than ``limit``
    TOO_LONG = "too_long"  # more characters or items than ``limit``
    TOO_SMALL = "too_small"  # a number under ``limit`` (or at it, when ``exclusive``)
    TOO_LARGE = "too_large"  # a number over ``limit`` (or at it, when ``exclusive``)
    NOT_ALLOWED = "not_allowed"  # not one of ``choices``
    BLANK = "blank"  # only spaces
    DUPLICATE = "duplicate"  # an item that repeats an earlier one
    NOT_FOUND = "not_found"  # an id that names nothing
    WRONG_LEVEL = "wrong_level"  # a parent site not above the new site's ``level``
    TAKEN = "taken"  # a name already used
    INVALID = "invalid"  # anything else
    BUILT_IN = "built_in"  # a built-in hardware profile, read-only
    IN_USE = "in_use"  # a profile still assigned to ``sites``
    # Issue 13, part C: roster ownership.
    ON_ROSTER = "on_roster"  # a site already on the session's roster
    HOST = "host"  # the session's host site, which is always on its roster


# What a ``wrong_type`` field should have been, in both languages.
_TYPES: dict[str, tuple[str, str]] = {
    "string": ("một chuỗi ký tự", "a string"),
    "integer": ("một số nguyên", "an integer"),
    "number": ("một số", "a number"),
    "boolean": ("true hoặc false", "true or false"),
    "array": ("một danh sách", "a list"),
    "object": ("một đối tượng JSON", "a JSON object"),
    "null": ("null", "null"),
}
_UNITS = {"characters": ("ký tự", "characters"), "items": ("phần tử", "items")}

Params = Mapping[str, Any]
_Say = Callable[[Params], tuple[str, str]]


def _number(value: Any) -> Any:
    """``0.0`` said as ``0``: the bound as a person writes it."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _bound(p: Params, at_least: bool) -> tuple[str, str]:
    limit, exclusive = _number(p.get("limit")), p.get("exclusive", False)
    if at_least:
        return (
            (f"phải lớn hơn {limit}", f"must be greater than {limit}")
            if exclusive
            else (f"phải từ {limit} trở lên", f"must be at least {limit}")
        )
    return (
        (f"phải nhỏ hơn {limit}", f"must be less than {limit}")
        if exclusive
        else (f"phải không quá {limit}", f"must be at most {limit}")
    )


def _length(p: Params, at_least: bool) -> tuple[str, str]:
    vi_unit, en_unit = _UNITS.get(str(p.get("unit")), _UNITS["characters"])
    limit = p.get("limit")
    if limit == 1:
        en_unit = en_unit.removesuffix("s")
    if at_least:
        return f"phải có ít nhất {limit} {vi_unit}", f"must have at least {limit} {en_unit}"
    return f"chỉ được có tối đa {limit} {vi_unit}", f"must have at most {limit} {en_unit}"


def _wrong_type(expected: str) -> tuple[str, str]:
    """``expected`` is a JSON type, or several joined by ``|`` (a union's members)."""
    names = [_TYPES.get(kind, (kind, kind)) for kind in expected.split("|")]
    vi = " hoặc ".join(n[0] for n in names)
    en = " or ".join(n[1] for n in names)
    return f"phải là {vi}", f"must be {en}"


# Each problem as a predicate of "Trường «x» …" / "Field “x” …".
_PROBLEMS: dict[Problem, _Say] = {
    Problem.MISSING: lambda p: ("bị thiếu", "is missing"),
    Problem.UNKNOWN_FIELD: lambda p: ("không có trong yêu cầu này", "is not a known field"),
    Problem.WRONG_TYPE: lambda p: _wrong_type(str(p.get("expected"))),
    Problem.TOO_SHORT: lambda p: _length(p, at_least=True),
    Problem.TOO_LONG: lambda p: _length(p, at_least=False),
    Problem.TOO_SMALL: lambda p: _bound(p, at_least=True),
    Problem.TOO_LARGE: lambda p: _bound(p, at_least=False),
    Problem.NOT_ALLOWED: lambda p: (
        f"phải là một trong: {', '.join(p.get('choices', ()))}",
        f"must be one of: {', '.join(p.get('choices', ()))}",
    ),
    Problem.BLANK: lambda p: ("không được để trống", "must not be blank"),
    Problem.DUPLICATE: lambda p: ("bị lặp lại", "repeats an earlier item"),
    Problem.NOT_FOUND: lambda p: ("trỏ tới mục không tồn tại", "refers to nothing that exists"),
    Problem.WRONG_LEVEL: lambda p: (
        f"phải là điểm cầu cấp trên của cấp {p.get('level')}",
        f"must be a site of a higher level than {p.get('level')}",
    ),
    Problem.TAKEN: lambda p: ("đã được dùng", "is already taken"),
    Problem.INVALID: lambda p: ("không hợp lệ", "is not valid"),
    Problem.BUILT_IN: lambda p: (
        "là hồ sơ dựng sẵn, chỉ đọc: hãy sao chép để sửa",
        "is a built-in profile, read-only: copy it to change it",
    ),
    Problem.IN_USE: lambda p: (
        f"đang được gán cho điểm cầu {p.get('sites') or ''}".rstrip(),
        f"is assigned to sites {p.get('sites') or ''}".rstrip(),
    ),
    # Issue 13, part C: roster ownership.
    Problem.ON_ROSTER: lambda p: (
        "đã có trong danh sách điểm cầu của phiên họp",
        "is on the session's roster already",
    ),
    Problem.HOST: lambda p: (
        "là điểm cầu chủ trì: không thể bỏ khỏi danh sách của phiên họp",
        "is the host site: it cannot be taken off the session's roster",
    ),
}


def problem_message(field: str, problem: Problem, params: Params, lang: str) -> str:
    """``Trường «roster[2]» bị lặp lại.`` / ``Field “roster[2]” repeats an earlier item.``"""
    vi, en = _PROBLEMS[problem](params)
    return f"Field “{field}” {en}." if lang == "en" else f"Trường «{field}» {vi}."


class SignalingError(Exception):
    """An error to report to the sender; ``detail`` adds specifics (in English, for logs).

    ``field`` is the field at fault (``sdp``, ``roster[2]``…), when one is; ``problem`` and
    its ``params`` say what is wrong with it, and then the message says so too."""

    def __init__(
        self,
        code: ErrorCode,
        detail: str = "",
        field: str | None = None,
        problem: Problem | None = None,
        params: Params | None = None,
    ) -> None:
        super().__init__(f"{code}: {detail}" if detail else str(code))
        self.code = code
        self.detail = detail
        self.field = field
        self.problem = problem
        self.params: Params = params or {}

    @property
    def close_code(self) -> int | None:
        return CLOSE_CODES.get(self.code)

    def message(self, lang: str) -> str:
        if self.field is not None and self.problem is not None:
            return problem_message(self.field, self.problem, self.params, lang)
        return message_for(self.code, lang)

    def body(self, lang: str) -> dict[str, object]:
        """``{code, message, field?, problem?}``: the error as both boundaries say it."""
        body: dict[str, object] = {"code": str(self.code), "message": self.message(lang)}
        if self.field is not None:
            body["field"] = self.field
        if self.problem is not None:
            body["problem"] = str(self.problem)
        return body

    def to_message(self, lang: str, ref_id: str | int | None = None) -> dict[str, object]:
        return {"type": "error", **self.body(lang), "ref_id": ref_id}


def login_error(code: str) -> SignalingError:
    """A store's token refusal for an account's login token: said as a login, not a link."""
    if code == ErrorCode.TOKEN_EXPIRED:
        return SignalingError(ErrorCode.LOGIN_EXPIRED)
    if code == ErrorCode.INVALID_TOKEN:
        return SignalingError(ErrorCode.LOGIN_INVALID)
    return SignalingError(ErrorCode(code))
