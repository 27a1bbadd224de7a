"""Errors that cross a boundary: a stable code, a message in the user's language, and
(for WebSocket errors about who the sender is) the close code that ends the connection."""

from __future__ import annotations

from enum import StrEnum


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
    # HTTP only
    UNAUTHORIZED = "unauthorized"
    INVALID_CREDENTIALS = "invalid_credentials"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    INVALID_INPUT = "invalid_input"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    INTERNAL = "internal"


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


class SignalingError(Exception):
    """An error to report to the sender; ``detail`` adds specifics (in English, for logs)."""

    def __init__(self, code: ErrorCode, detail: str = "", field: str | None = None) -> None:
        super().__init__(f"{code}: {detail}" if detail else str(code))
        self.code = code
        self.detail = detail
        self.field = field  # the field at fault (``sdp``, ``roster.2``…), when one is

    @property
    def close_code(self) -> int | None:
        return CLOSE_CODES.get(self.code)

    def to_message(self, lang: str, ref_id: str | int | None = None) -> dict[str, object]:
        message: dict[str, object] = {
            "type": "error",
            "code": str(self.code),
            "message": message_for(self.code, lang),
            "ref_id": ref_id,
        }
        if self.field is not None:
            message["field"] = self.field
        return message


def login_error(code: str) -> SignalingError:
    """A store's token refusal for an account's login token: said as a login, not a link."""
    if code == ErrorCode.TOKEN_EXPIRED:
        return SignalingError(ErrorCode.LOGIN_EXPIRED)
    if code == ErrorCode.INVALID_TOKEN:
        return SignalingError(ErrorCode.LOGIN_INVALID)
    return SignalingError(ErrorCode(code))
