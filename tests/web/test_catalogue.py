"""The web pages' message catalogues are complete, and the pages stay within the CSP.

Pure Python: reads endpoints/web/ with regexes, no browser. A key used in HTML
(`data-i18n="key"` and its attribute variants) or in any JS module under js/, however deep
(`t("key")`, or any key-shaped string literal) must exist in both catalogues; keys built at
run time (`site.status.${state}`) are checked through the value sets they are built from.
"""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path

import pytest

from bridge.conference.quality import Grade
from bridge.permissions import Action
from bridge.readiness.verdict import Measured
from bridge.signaling.errors import ErrorCode
from bridge.signaling.messages import SiteBody

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "endpoints" / "web"
PROTOCOL = ROOT / "docs" / "protocol.md"
HTML_FILES = sorted(WEB.glob("*.html"))
JS_FILES = sorted((WEB / "js").rglob("*.js"))
CSS_FILES = sorted((WEB / "css").glob("*.css"))

KEY = r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+"
HTML_KEY = re.compile(rf'data-i18n(?:-[a-z-]+)?="({KEY})"')
JS_T_CALL = re.compile(rf"""\bt\(\s*["']({KEY})["']""")
NAMESPACES = "lang|site|console|state|level|role|error"
JS_KEY_LITERAL = re.compile(rf"""["']((?:{NAMESPACES})(?:\.[a-z0-9_]+)+)["']""")
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# The action names a console's `ready` lists (docs/protocol.md): key-shaped, yet no keys.
CONSOLE_PERMISSIONS = {
    "console.previews",
    "site.mute",
    "site.unmute",
    "site.show",
    "voice.set",
    "hand.lower",
    "floor.give",
    "mute.all_except_host",
    "unmute.all",
    "site.remove",
    "session.end",
    "readiness.test",
}
# Every action name (the profiles screen gates by the profile actions, literals too).
ACTION_NAMES = {action.value for action in Action}

# Local error codes the pages raise themselves (not sent by the server).
PAGE_ERROR_CODES = {"no_token", "bad_link", "unsupported_browser", "network", "http", "unknown"}
# States the pages render with a computed key; see site/state.js and console/model.js.
SITE_PAGE_STATES = {
    "starting",
    "connecting",
    "connected",
    "reconnecting",
    "waiting",
    "ended",
    "invalid_link",
    "replaced",
    "removed",
    "unsupported",
}
CONSOLE_CONN_STATES = {
    "connecting",
    "ready",
    "reconnecting",
    "reconnecting_in",
    "waiting",
    "waiting_in",
    "ended",
    "stopped",
}
CONTROL_ACTIONS = {
    "mute",
    "unmute",
    "show",
    "give_floor",
    "lower_hand",
    "remove",
    "mute_all_except_host",
    "unmute_all",
    "end_session",
    "test_run",
    "test_run_all",
}
# The readiness board's computed keys (js/console/readiness.js): its states, the tests'
# sources, and the names of the figures a test may leave unmeasured (verdict.Measured).
READINESS_STATES = {"not_ready", "warning", "testing", "not_tested", "ready"}
READINESS_SOURCES = {"hall", "operator", "agent"}


def _catalogue(lang: str) -> dict[str, str]:
    data = json.loads((WEB / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


VI = _catalogue("vi")
EN = _catalogue("en")


def _protocol_error_codes() -> set[str]:
    text = PROTOCOL.read_text(encoding="utf-8")
    section = text.split("## Errors", 1)[1]
    return set(re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE))


def _protocol_states(entry: str) -> set[str]:
    """The quoted alternatives of a "state" field in the protocol's entry definition."""
    text = PROTOCOL.read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.startswith(f"A **{entry} entry**"))
    states = re.search(r'"state": ((?:"[a-z_]+"\|?)+)', line)
    assert states, line
    return set(re.findall(r'"([a-z_]+)"', states.group(1)))


def _strip_js_comments(source: str) -> str:
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.DOTALL)
    return re.sub(r"^\s*//.*$", "", source, flags=re.MULTILINE)


def test_vi_and_en_catalogues_have_exactly_the_same_keys() -> None:
    assert sorted(set(VI) - set(EN)) == []
    assert sorted(set(EN) - set(VI)) == []


@pytest.mark.parametrize("catalogue", [VI, EN], ids=["vi", "en"])
def test_every_catalogue_entry_is_non_empty_text(catalogue: dict[str, str]) -> None:
    bad = [k for k, v in catalogue.items() if not isinstance(v, str) or not v.strip()]
    assert bad == []


def test_translations_use_the_same_placeholders() -> None:
    mismatched = [
        key
        for key in VI
        if set(PLACEHOLDER.findall(VI[key])) != set(PLACEHOLDER.findall(EN.get(key, "")))
    ]
    assert mismatched == []


def test_vietnamese_catalogue_is_written_with_diacritics() -> None:
    assert VI["site.status.connecting"] == "Đang kết nối…"
    assert VI["site.status.waiting"] == "Chờ phiên họp bắt đầu"
    words = {k: PLACEHOLDER.sub("", v) for k, v in VI.items()}
    plain_ascii = [k for k, w in words.items() if sum(c.isalpha() for c in w) > 8 and w.isascii()]
    assert plain_ascii == [], "Vietnamese text without diacritics"


def test_every_html_key_exists_in_the_catalogues() -> None:
    assert HTML_FILES, "no pages found"
    used = {key for f in HTML_FILES for key in HTML_KEY.findall(f.read_text(encoding="utf-8"))}
    assert used
    assert sorted(used - set(VI)) == []


def test_every_js_key_exists_in_the_catalogues() -> None:
    assert JS_FILES, "no scripts found"
    called: set[str] = set()
    literals: set[str] = set()
    for f in JS_FILES:
        code = _strip_js_comments(f.read_text(encoding="utf-8"))
        called |= set(JS_T_CALL.findall(code))
        literals |= set(JS_KEY_LITERAL.findall(code))
    assert called
    assert sorted((called | (literals - ACTION_NAMES)) - set(VI)) == []


def test_modules_are_found_in_every_folder() -> None:
    folders = {f.parent.relative_to(WEB / "js").as_posix() for f in JS_FILES}
    assert {"common", "site", "console"} <= folders
    assert not (WEB / "js" / "console.js").exists(), "the console is split into modules"


def test_the_console_knows_every_permission_the_bridge_may_list() -> None:
    table = (WEB / "js" / "console" / "actions.js").read_text(encoding="utf-8")
    named = set(re.findall(r"""["']([a-z]+\.[a-z_]+)["']""", table))
    assert sorted(CONSOLE_PERMISSIONS - named) == []


def test_every_protocol_and_http_error_code_has_a_message() -> None:
    codes = _protocol_error_codes() | {str(c) for c in ErrorCode} | PAGE_ERROR_CODES
    assert "session_not_open" in codes
    assert sorted(f"error.{c}" for c in codes if f"error.{c}" not in VI) == []


def test_every_computed_key_exists_in_the_catalogues() -> None:
    levels = typing.get_args(SiteBody.model_fields["level"].annotation)
    assert levels
    needed = (
        {f"site.status.{s}" for s in SITE_PAGE_STATES}
        | {f"console.conn.{s}" for s in CONSOLE_CONN_STATES}
        | {f"state.site.{s}" for s in _protocol_states("site")}
        | {f"state.session.{s}" for s in _protocol_states("session")}
        | {f"level.{lv}" for lv in levels}
        | {f"console.log.sent_{a}" for a in CONTROL_ACTIONS}
        | {f"console.log.{a}_failed" for a in CONTROL_ACTIONS}
        | {f"console.action.{a}_short" for a in ("mute", "unmute", "give_floor")}
        | {f"console.quality.{g}" for g in Grade}
        | {f"console.quality.{g}_long" for g in Grade}
        | {f"console.readiness.state.{s}" for s in READINESS_STATES}
        | {f"console.readiness.count.{s}" for s in READINESS_STATES}
        | {f"console.readiness.source.{s}" for s in READINESS_SOURCES}
        | {f"console.readiness.fit.{f}" for f in ("short", "tight", "ok")}
        | {f"console.readiness.field.{f}" for f in Measured.__dataclass_fields__}
    )
    assert "state.site.connected" in needed
    assert sorted(needed - set(VI)) == []


def test_pages_need_no_inline_script_or_style_and_nothing_external() -> None:
    for f in HTML_FILES:
        html = f.read_text(encoding="utf-8")
        assert not re.search(r"\sstyle=", html), f"{f.name}: inline style attribute"
        assert not re.search(r"<style", html), f"{f.name}: inline <style>"
        assert not re.search(r"\son[a-z]+=", html), f"{f.name}: inline event handler"
        for script in re.findall(r"<script\b[^>]*>", html):
            assert 'src="/static/' in script, f"{f.name}: inline or foreign script"
        assert not re.search(r'(?:src|href)="(?:https?:)?//', html), f"{f.name}: external URL"
    for f in JS_FILES:
        code = _strip_js_comments(f.read_text(encoding="utf-8"))
        assert not re.search(r"\beval\(|new Function\(|innerHTML", code), f.name
    for f in CSS_FILES:
        css = f.read_text(encoding="utf-8")
        assert not re.search(r"url\(\s*[\"']?(?:https?:)?//|@import", css), f.name


# Issue 13, part E: the office page's keys built at run time, and its key literals.
def test_the_office_pages_keys_exist_in_the_catalogues() -> None:
    states = {"scheduled", "open", "closed", "requested", "approved", "rescheduled"}
    states |= {"rejected", "cancelled"}
    needed = (
        {f"office.state.{s}" for s in states}
        | {f"office.weekday.{i}" for i in range(7)}
        | {f"office.calendar.declared_{k}" for k in ("off", "working")}
        | {"office.tab.mine", "office.queue.mine"}
    )
    literal = re.compile(r"""["'](office(?:\.[a-z0-9_]+)+)["']""")
    for f in sorted((WEB / "js" / "office").glob("*.js")):
        needed |= set(literal.findall(_strip_js_comments(f.read_text(encoding="utf-8"))))
    assert "office.check.lead_short" in needed
    assert sorted(needed - set(VI)) == []
