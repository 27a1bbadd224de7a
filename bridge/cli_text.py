"""The command line's words, in Vietnamese and English, and how its language is chosen.

``--lang`` first, then the user's locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``) when it is
Vietnamese or English, then the bridge's ``BRIDGE_DEFAULT_LANG``, then Vietnamese.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

LANGS = ("vi", "en")

TEXT: dict[str, tuple[str, str]] = {
    # (vi, en)
    "description": (
        "bridge: chạy cầu truyền hình, quản lý điểm cầu, phiên họp, đường dẫn và tài khoản.",
        "bridge: run the bridge, and script sites, sessions, links and accounts.",
    ),
    "epilog": (
        "Cơ sở dữ liệu mặc định: {db} (BRIDGE_DATA_DIR, --db). "
        "Trợ giúp của từng lệnh: bridge LỆNH --help.",
        "Default database: {db} (BRIDGE_DATA_DIR, --db). Help on a command: bridge COMMAND --help.",
    ),
    "opt.db": (
        "tệp SQLite (biến môi trường BRIDGE_DATABASE; mặc định {db})",
        "SQLite file (env BRIDGE_DATABASE; default {db})",
    ),
    "opt.config": ("tệp cấu hình JSON", "JSON settings file"),
    "opt.json": ("in kết quả dạng JSON (cho script)", "print JSON (for scripts)"),
    "opt.lang": ("ngôn ngữ thông báo: vi hoặc en", "language of messages: vi or en"),
    "cmd.serve": ("chạy cầu truyền hình", "run the bridge"),
    "opt.host": (
        "địa chỉ lắng nghe (mặc định 127.0.0.1; 0.0.0.0: mọi giao diện, bật HTTPS)",
        "listen address (default 127.0.0.1; 0.0.0.0: every interface, HTTPS on)",
    ),
    "opt.port": ("cổng lắng nghe (mặc định 8080)", "listen port (default 8080)"),
    "opt.public_url": (
        "địa chỉ gốc in trong các đường dẫn (vd. https://cau.example.gov.vn)",
        "base URL printed in links (e.g. https://bridge.example.gov.vn)",
    ),
    "opt.no_demo": ("không tạo phiên họp mẫu", "do not create the demo session"),
    "opt.tls": (
        "HTTPS: auto (khi có chứng chỉ hoặc địa chỉ không phải loopback), on, off",
        "HTTPS: auto (when a certificate is given or the host is not loopback), on, off",
    ),
    "opt.tls_cert": (
        "chứng chỉ của máy chủ (PEM, kèm chuỗi trung gian)",
        "the server's certificate chain (PEM)",
    ),
    "opt.tls_key": ("khoá riêng của chứng chỉ (PEM)", "the certificate's private key (PEM)"),
    "opt.http_redirect_port": (
        "cổng HTTP thường chỉ để chuyển hướng sang HTTPS (vd. 80)",
        "plain-HTTP port that only redirects to HTTPS (e.g. 80)",
    ),
    "opt.log_level": (
        "mức ghi nhật ký: debug (kể cả ICE, từng yêu cầu), info, warning, error",
        "log level: debug (ICE checks and every request too), info, warning, error",
    ),
    "cmd.kit": (
        "bộ cài cho máy hội trường: chứng chỉ gốc (CA) của cầu và hướng dẫn cài",
        "the hall PC kit: the bridge's CA certificate and how to install it",
    ),
    "opt.out": (
        "thư mục ghi bộ cài (mặc định: hall-pc-kit/ cạnh cơ sở dữ liệu)",
        "directory to write the kit to (default: hall-pc-kit/ next to the database)",
    ),
    "opt.hall_link": (
        "đường dẫn tham gia của một hội trường: thêm vào bộ cài cấu hình kiosk Chromium cho "
        "máy đó (thư mục kiosk/: chính sách, trình khởi chạy, tự khởi động; docs/hall-pc.md)",
        "a hall's join link: the kit then also holds that PC's Chromium kiosk set-up "
        "(kiosk/: policies, launcher, autostart; docs/hall-pc.md)",
    ),
    "cmd.site": ("điểm cầu (hội trường)", "sites (halls)"),
    "cmd.site.create": ("tạo một điểm cầu", "create a site"),
    "opt.site.name": ("tên điểm cầu", "the site's name"),
    "opt.site.level": ("cấp: {choices}", "level: {choices}"),
    "opt.site.parent": ("mã điểm cầu cấp trên", "id of the parent site"),
    "cmd.site.list": ("liệt kê các điểm cầu", "list the sites"),
    "cmd.session": ("phiên họp", "sessions"),
    "cmd.session.create": ("tạo một phiên họp", "create a session"),
    "opt.session.title": ("tiêu đề phiên họp", "the session's title"),
    "opt.session.host": ("mã điểm cầu chủ trì", "id of the host site"),
    "opt.session.roster": (
        "mã các điểm cầu tham dự, cách nhau bởi dấu phẩy, theo thứ tự (vd. 1,2,5)",
        "comma-separated site ids in roster order (e.g. 1,2,5)",
    ),
    "opt.session.open": ("mở phiên ngay", "open it now"),
    "cmd.session.list": ("liệt kê các phiên họp", "list the sessions"),
    "cmd.session.links": (
        "cấp đường dẫn tham gia cho mỗi điểm cầu",
        "issue a join link for every roster site",
    ),
    "opt.session_id": ("mã phiên họp", "the session's id"),
    "opt.valid_hours": ("thời hạn đường dẫn (giờ)", "how long the links stay valid (hours)"),
    "cmd.session.staff": (
        "phân công cán bộ điều hành hoặc quan sát",
        "assign an operator or observer",
    ),
    "opt.username": ("tên tài khoản", "the account's username"),
    "opt.duty": (
        "nhiệm vụ: operator, observer, none (bỏ phân công)",
        "duty: operator, observer, none",
    ),
    "cmd.session.audit": ("ai đã làm gì, lúc nào", "who did what, and when"),
    "opt.after": ("chỉ các mục sau mã này", "entries after this id"),
    "opt.limit": ("số mục tối đa", "at most this many entries"),
    "cmd.session.schedule": (
        "đặt lịch phiên họp: giờ bắt đầu, kết thúc và khung giờ kiểm tra kết nối "
        "(mặc định từ 14:00 ngày làm việc trước đó đến giờ bắt đầu)",
        "set the session's start, end and connection-test window "
        "(by default from 14:00 on the working day before until the start)",
    ),
    "opt.schedule.starts": (
        "giờ bắt đầu, ISO (vd. 2026-12-14T09:00; không ghi múi giờ: giờ văn phòng)",
        "the start, ISO (e.g. 2026-12-14T09:00; without an offset: office time)",
    ),
    "opt.schedule.clear": ("xoá lịch của phiên họp", "clear the session's schedule"),
    "opt.schedule.ends": ("giờ kết thúc, ISO", "the end, ISO"),
    "opt.schedule.test_from": (
        "mở kiểm tra kết nối từ lúc này (thay cho 14:00 ngày làm việc trước)",
        "open the connection tests from then (instead of 14:00 the working day before)",
    ),
    "opt.schedule.test_until": (
        "đóng kiểm tra kết nối lúc này (thay cho giờ bắt đầu)",
        "close the connection tests then (instead of at the start)",
    ),
    "schedule.session": (
        "Phiên họp {id} «{title}»: bắt đầu {starts}, kết thúc {ends}",
        "Session {id} “{title}”: starts {starts}, ends {ends}",
    ),
    "schedule.window": (
        "Kiểm tra kết nối: từ {opens} đến {closes} ({kind})",
        "Connection tests: from {opens} until {closes} ({kind})",
    ),
    "schedule.default": ("mặc định", "default"),
    "schedule.explicit": ("đặt riêng", "set explicitly"),
    "schedule.testing": (" — đang trong giờ kiểm tra", " — testing now"),
    "schedule.no_window": (
        "Chưa có lịch: kiểm tra kết nối khi cần",
        "No schedule: connection tests on demand",
    ),
    "cmd.readiness": (
        "bảng sẵn sàng của phiên họp: kết quả kiểm tra kết nối của từng điểm cầu",
        "a session's readiness board: each site's connection test",
    ),
    "opt.readiness.csv": (
        "in dạng CSV (tiêu đề theo ngôn ngữ đã chọn)",
        "print CSV (header in the chosen language)",
    ),
    "readiness.title": (
        "Bảng sẵn sàng — phiên họp {id} «{title}»",
        "Readiness — session {id} “{title}”",
    ),
    "error.time": (
        "thời gian không hợp lệ {value!r}: cần dạng ISO, vd. 2026-12-14T09:00 "
        "hoặc 2026-12-14T09:00+07:00",
        "invalid time {value!r}: expected ISO, e.g. 2026-12-14T09:00 or 2026-12-14T09:00+07:00",
    ),
    "cmd.session.open": ("mở phiên họp", "open the session"),
    "cmd.session.close": ("kết thúc phiên họp", "close the session"),
    "cmd.operator": ("tài khoản", "accounts"),
    "cmd.operator.create": ("tạo một tài khoản", "create an account"),
    "opt.role": ("vai trò: {choices}", "role: {choices}"),
    "opt.password_stdin": (
        "đọc mật khẩu từ dòng đầu của đầu vào chuẩn",
        "read the password from the first line of standard input",
    ),
    "cmd.operator.set_password": ("đặt mật khẩu mới", "set a new password"),
    "cmd.agent": (
        "điểm cầu không giao diện (xem `bridge agent --help`)",
        "headless site endpoint (see `bridge agent --help`)",
    ),
    "cmd.profile": ("hồ sơ thiết bị của điểm cầu", "hardware profiles"),
    "cmd.profile.list": (
        "liệt kê các hồ sơ (dựng sẵn, rồi tự tạo)",
        "list the profiles (built-in, then custom)",
    ),
    "cmd.profile.show": ("xem một hồ sơ", "show a profile"),
    "cmd.profile.copy": ("sao chép một hồ sơ thành hồ sơ mới", "copy a profile into a new one"),
    "cmd.profile.edit": (
        "sửa các trường của một hồ sơ tự tạo",
        "change fields of a custom profile",
    ),
    "cmd.profile.delete": (
        "xoá một hồ sơ tự tạo (chưa gán cho điểm cầu nào)",
        "delete a custom profile (assigned to no site)",
    ),
    "cmd.profile.assign": (
        "gán hồ sơ, các trường riêng và khoá cho một điểm cầu (thay toàn bộ)",
        "assign a site's profile, own fields and locks (replacing them all)",
    ),
    "cmd.profile.unassign": ("bỏ gán hồ sơ của một điểm cầu", "take a site's assignment away"),
    "cmd.profile.effective": (
        "giá trị hiệu lực của từng trường và nguồn của nó",
        "each field's effective value and where it comes from",
    ),
    "opt.profile_id": ("mã hồ sơ (vd. large-hall)", "the profile's id (e.g. large-hall)"),
    "opt.profile.source": ("mã hồ sơ được sao chép", "id of the profile to copy"),
    "opt.profile.new": (
        "mã hồ sơ mới: chữ thường, số, dấu gạch ngang",
        "the new profile's id: lower-case letters, digits, dashes",
    ),
    "opt.profile.name_vi": ("tên tiếng Việt", "the Vietnamese name"),
    "opt.profile.name_en": ("tên tiếng Anh", "the English name"),
    "opt.profile.set": (
        "đặt một trường, vd. microphone.gain_db=3 hoặc display.layout=grid "
        "(giá trị đọc như JSON, nếu không thì là chuỗi); lặp lại được",
        "set a field, e.g. microphone.gain_db=3 or display.layout=grid "
        "(the value read as JSON, else a string); repeatable",
    ),
    "opt.profile.set_site": (
        "một trường đặt riêng cho điểm cầu, vd. speaker.volume=0.8; lặp lại được",
        "a field set on the site itself, e.g. speaker.volume=0.8; repeatable",
    ),
    "opt.profile.lock": (
        "khoá một trường hoặc cả một nhóm (vd. speaker) cho các điểm cầu cấp dưới; lặp lại được",
        "lock a field or a whole section (e.g. speaker) for the sites below; repeatable",
    ),
    "opt.profile.site_id": ("mã điểm cầu", "the site's id"),
    "opt.profile.assigned": (
        "mã hồ sơ gán cho cấp của điểm cầu (bỏ trống: không có)",
        "id of the profile the site's level applies (omitted: none)",
    ),
    # output
    "profile.builtin": ("  [dựng sẵn]", "  [built-in]"),
    "profile.default": ("mặc định", "default"),
    "profile.made": ("hồ sơ {id} (sao chép từ {source})", "profile {id} (copied from {source})"),
    "profile.changed": ("đã sửa hồ sơ {id}", "profile {id} changed"),
    "profile.deleted": ("đã xoá hồ sơ {id}", "profile {id} deleted"),
    "profile.site": ("điểm cầu {id}: {name}", "site {id}: {name}"),
    "profile.locked": ("  [khoá bởi {by}]", "  [locked by {by}]"),
    "profile.ignored": ("  [{count} giá trị bị bỏ qua]", "  [{count} overrides ignored]"),
    "error.setting": (
        "{value!r} không phải dạng ĐƯỜNG_DẪN=GIÁ_TRỊ, vd. microphone.gain_db=3",
        "{value!r} is not PATH=VALUE, e.g. microphone.gain_db=3",
    ),
    "password.prompt": ("Mật khẩu: ", "Password: "),
    "no.sites": ("(chưa có điểm cầu)", "(no sites)"),
    "no.sessions": ("(chưa có phiên họp)", "(no sessions)"),
    "no.staff": ("(chưa phân công)", "(no staff)"),
    "no.entries": ("(không có mục nào)", "(no entries)"),
    "site.made": ("điểm cầu {id}: {name} ({level})", "site {id}: {name} ({level})"),
    "session.made": ("phiên họp {id}: {title}", "session {id}: {title}"),
    "session.state": ("phiên họp {id}: {state}", "session {id}: {state}"),
    "operator.made": ("tài khoản {username} ({role})", "operator {username} ({role})"),
    "password.changed": ("đã đổi mật khẩu của {username}", "password changed for {username}"),
    "no.account": ("không có tài khoản {username!r}", "no account {username!r}"),
    "error.db": (
        "không mở được cơ sở dữ liệu {db}: {reason}",
        "cannot open the database {db}: {reason}",
    ),
    "error.roster": (
        "mã điểm cầu không hợp lệ {bad!r} trong {value!r}: cần các số nguyên dương "
        "cách nhau bởi dấu phẩy, vd. 1,2,5",
        "invalid site id {bad!r} in {value!r}: expected positive whole numbers separated "
        "by commas, e.g. 1,2,5",
    ),
    "kit.own_cert": (
        "cầu đang dùng chứng chỉ riêng ({cert}): máy hội trường cần tin cậy CA đã cấp nó; "
        "bộ cài này chỉ dành cho CA nội bộ của cầu",
        "the bridge serves your own certificate ({cert}): hall PCs must trust the CA that "
        "issued it; this kit is for the bridge's local CA only",
    ),
    "kit.written": (
        "Đã ghi bộ cài máy hội trường vào {out}:\n{files}\nSHA-256 của CA: {fingerprint}",
        "Hall PC kit written to {out}:\n{files}\nCA SHA-256: {fingerprint}",
    ),
    "kit.written_kiosk": (
        "Đã ghi cấu hình kiosk máy hội trường vào {out}:\n{files}",
        "Hall PC kiosk set-up written to {out}:\n{files}",
    ),
    "kit.kiosk": (
        "Kiosk: cho phép micrô, camera và phát âm thanh với {origin}; mở {link}\n"
        "Debian/Ubuntu: sudo sh kiosk/install-debian.sh NGƯỜI_DÙNG; "
        "Windows: kiosk\\bridge-hall.ps1 (quyền quản trị). Xem docs/hall-pc.md.",
        "Kiosk: microphone, camera and sound allowed for {origin}; opens {link}\n"
        "Debian/Ubuntu: sudo sh kiosk/install-debian.sh USER; Windows: kiosk\\bridge-hall.ps1 "
        "(as administrator). See docs/hall-pc.md.",
    ),
    "kit.bad_link": (
        "đường dẫn hội trường không dùng được ({link}): {reason}",
        "cannot use the hall link ({link}): {reason}",
    ),
}


def text(key: str, lang: str, **values: object) -> str:
    vi, en = TEXT[key]
    return (en if lang == "en" else vi).format(**values)


def _lang_of(value: str | None) -> str | None:
    if not value:
        return None
    head = value.strip().lower()[:2]
    return head if head in LANGS else None


def choose_lang(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    """The language of this command's messages (see the module's docstring)."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return _lang_of(argv[i + 1]) or "vi"
        if arg.startswith("--lang="):
            return _lang_of(arg.partition("=")[2]) or "vi"
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if environ.get(name):
            found = _lang_of(environ[name])
            if found:
                return found
            break  # the first one set is the locale in force (C, POSIX…): not vi/en
    return _lang_of(environ.get("BRIDGE_DEFAULT_LANG")) or "vi"
