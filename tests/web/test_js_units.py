"""The pages' pure JS logic (action rules, reconnection backoff), through `node --test`.

The tests are tests/web/js/*.test.mjs; they import the page modules from endpoints/web/js
directly (that folder's package.json marks them as ES modules). Node comes from Debian's
`nodejs` package (`make system-deps`); without it that test is skipped. The browser test
checks the modules are served as JavaScript and runs the same pure rules in Chromium.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.async_api import Browser

from tests.conftest import RunningBridge
from tests.web.conftest import watch

HERE = Path(__file__).resolve().parent
TESTS = sorted((HERE / "js").glob("*.test.mjs"))


def test_js_unit_tests_pass_under_node() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (Debian package nodejs)")
    assert TESTS, "no JS unit tests found"
    result = subprocess.run(
        [node, "--test", *map(str, TESTS)],
        cwd=HERE / "js",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


@pytest.mark.browser
async def test_pages_load_their_modules_as_javascript_under_the_strict_csp(
    bridge: RunningBridge, chromium: Browser
) -> None:
    """Every module a page imports is served as JavaScript (a module with another MIME type
    is refused by the browser), and the pure modules behave the same in Chromium."""
    page = await (await chromium.new_context()).new_page()
    problems = watch(page, "page")
    modules: dict[str, str] = {}
    page.on(
        "response",
        lambda r: (
            modules.__setitem__(r.url, r.headers.get("content-type", ""))
            if r.url.endswith(".js")
            else None
        ),
    )
    for path, ready in (
        ("/console", "() => window.bridgeConsole && bridgeConsole.state === 'logged_out'"),
        ("/site/1", "() => window.bridgeSite && bridgeSite.state === 'invalid_link'"),
    ):
        response = await page.goto(bridge.url + path)
        assert response is not None
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        await page.wait_for_function(ready, timeout=10_000)
    assert {u.split("/static/js/", 1)[1] for u in modules} >= {
        "console/main.js",
        "console/actions.js",
        "site/main.js",
        "common/socket.js",
        "common/i18n.js",
    }
    wrong = {url: kind for url, kind in modules.items() if "javascript" not in kind}
    assert wrong == {}
    rules = await page.evaluate(
        """async () => {
          const actions = await import("/static/js/console/actions.js");
          const backoff = await import("/static/js/common/backoff.js");
          const site = { id: 1, state: "offline", muted: true };
          const board = { ready: true, floor: null, shownId: null };
          return {
            schedule: backoff.backoffSchedule(6),
            floor: actions.enabled("give_floor", site, board, null),
            show: actions.enabled("show", site, board, null),
            toggle: actions.resolve("mute", site),
            observer: actions.enabled("show", site, board, []),
          };
        }"""
    )
    assert rules == {
        "schedule": [1, 2, 4, 8, 15, 15],
        "floor": False,
        "show": False,
        "toggle": "unmute",
        "observer": False,
    }
    assert [p for p in problems if "pageerror" in p] == []
