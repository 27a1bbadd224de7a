"""The command line as a newcomer meets it: help on everything, messages in Vietnamese and
English, clear errors for bad input, one database wherever it is run from, the hall kit."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bridge import cli, tls
from bridge.cli_text import TEXT, choose_lang
from bridge.store import Store
from tests.conftest import ROOT


@pytest.fixture
def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``bridge ARGS`` in this process (as its entry point runs it), from ``cwd``, with a
    clean ``BRIDGE_*`` / locale environment plus ``env``."""
    monkeypatch.setattr(cli, "LANG", cli.LANG)  # main() sets it; restored afterwards

    def bridge(*args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[str]:
        for name in list(os.environ):
            if name.startswith(("BRIDGE_", "LC_")):
                monkeypatch.delenv(name)
        monkeypatch.setenv("LANG", "C.UTF-8")
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        try:
            code = cli.main(list(args))
        except SystemExit as exc:  # argparse: --help (0) and usage errors (2)
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(list(args), code, out, err)

    return bridge


def bridge_process(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m bridge ARGS`` as a separate process started in ``cwd``."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("BRIDGE_", "LC_"))}
    environ.update({"PYTHONPATH": str(ROOT), "LANG": "C.UTF-8", **env})
    return subprocess.run(
        [sys.executable, "-m", "bridge", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


def parsers(parser: argparse.ArgumentParser, path: str = "bridge") -> list[tuple[str, Any]]:
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, child in action.choices.items():
                assert helps.get(name), f"`{path} {name}` has no help text"
                if name != "agent":  # its own parser, in endpoints/agent.py
                    found += parsers(child, f"{path} {name}")
    return found


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_command_and_option_has_a_help_text(lang: str, monkeypatch) -> None:
    monkeypatch.setattr(cli, "LANG", lang)
    for path, parser in parsers(cli.build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            assert action.help, f"`{path}`: {'/'.join(action.option_strings) or action.dest}"
    assert all(vi and en and vi != en for vi, en in TEXT.values())


def test_help_is_printed_for_each_command_in_the_chosen_language(run) -> None:
    vi = run("session", "create", "--help")
    assert vi.returncode == 0 and "tiêu đề phiên họp" in vi.stdout
    en = run("session", "create", "--help", "--lang", "en")
    assert en.returncode == 0 and "the session's title" in en.stdout
    assert "the bridge's CA certificate" in run("--help", LANG="en_GB.UTF-8").stdout
    assert "--log-level" in run("serve", "--help").stdout


def test_the_language_is_the_flag_then_the_locale_then_the_bridge_default() -> None:
    assert choose_lang(["--lang", "en"], {"LANG": "vi_VN.UTF-8"}) == "en"
    assert choose_lang(["--lang=vi"], {"LANG": "en_US.UTF-8"}) == "vi"
    assert choose_lang([], {"LANG": "en_US.UTF-8"}) == "en"
    assert choose_lang([], {"LC_ALL": "vi_VN", "LANG": "en_US"}) == "vi"
    assert choose_lang([], {"LANG": "C.UTF-8", "BRIDGE_DEFAULT_LANG": "en"}) == "en"
    assert choose_lang([], {}) == "vi"


def test_a_bad_roster_names_the_bad_value_and_exits_2(run, tmp_path: Path) -> None:
    db = str(tmp_path / "b.sqlite3")
    bad = run(
        "session", "create", "X", "--host", "1", "--roster", "1,x", "--db", db, "--lang", "en"
    )
    assert bad.returncode == 2
    assert "invalid site id 'x' in '1,x'" in bad.stderr and "Traceback" not in bad.stderr
    vi = run("session", "create", "X", "--host", "1", "--roster", "1,-3", "--db", db)
    assert vi.returncode == 2 and "mã điểm cầu không hợp lệ '-3'" in vi.stderr
    assert not Path(db).exists()  # nothing was touched
    assert cli.roster("3, 1,,2") == [3, 1, 2]


def test_store_errors_keep_their_code_and_speak_the_language(run, tmp_path: Path) -> None:
    db = str(tmp_path / "b.sqlite3")
    en = run("session", "links", "999", "--db", db, "--lang", "en")
    assert en.returncode == 1 and en.stderr.startswith("bridge: error: not_found: Not found.")
    vi = run("session", "links", "999", "--db", db)
    assert vi.stderr.startswith("bridge: error: not_found: Không tìm thấy.")
    assert run("site", "list", "--db", db).stdout.strip() == "(chưa có điểm cầu)"
    assert run("site", "list", "--db", db, "--lang", "en").stdout.strip() == "(no sites)"


def test_the_cli_opens_the_same_database_from_any_directory(tmp_path: Path) -> None:
    data = tmp_path / "data"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    made = bridge_process("site", "create", "Trung ương", "--level", "central", "--json",
                          cwd=ROOT, BRIDGE_DATA_DIR=str(data))  # fmt: skip
    assert made.returncode == 0, made.stderr
    listed = bridge_process("site", "list", "--json", cwd=elsewhere, BRIDGE_DATA_DIR=str(data))
    assert [s["name"] for s in json.loads(listed.stdout)["sites"]] == ["Trung ương"]
    assert (data / "bridge.sqlite3").exists() and not (elsewhere / "var").exists()


def test_the_hall_pc_kit_holds_the_ca_the_bridge_serves_from(run, tmp_path: Path) -> None:
    db = tmp_path / "var" / "b.sqlite3"
    out = tmp_path / "kit"
    made = run("kit", "--out", str(out), "--db", str(db), "--json")
    assert made.returncode == 0, made.stderr
    kit = json.loads(made.stdout)["kit"]
    assert sorted(kit["files"]) == ["HUONG-DAN.txt", "INSTRUCTIONS.txt", "ca.crt"]
    ca = tls.load_cert(tmp_path / "var" / "tls" / "ca.pem")
    assert tls.load_cert(out / "ca.crt") == ca
    for name, words in (("HUONG-DAN.txt", "certutil -addstore"), ("INSTRUCTIONS.txt", "update-ca")):
        body = (out / name).read_text(encoding="utf-8")
        assert words in body and tls.fingerprint(ca) in body
    # The server certificate issued later comes from the same CA.
    files = tls.prepare("127.0.0.1", None, db, None, None)
    assert tls.load_cert(files.cert).issuer == ca.subject
    default = run("kit", "--db", str(db))
    assert default.returncode == 0 and (tmp_path / "var" / "hall-pc-kit" / "ca.crt").exists()
    own = run("kit", "--out", str(out), "--db", str(db), "--lang", "en",
              BRIDGE_TLS_CERT=str(files.cert))  # fmt: skip
    assert own.returncode == 1 and "your own certificate" in own.stderr


def test_profiles_from_the_command_line(run, tmp_path: Path) -> None:
    db = str(tmp_path / "b.sqlite3")
    assert run("site", "create", "Trung ương", "--level", "central", "--db", db).returncode == 0
    assert (
        run(
            "site", "create", "Lào Cai", "--level", "province", "--parent", "1", "--db", db
        ).returncode
        == 0
    )
    assert (
        run(
            "site", "create", "Tả Van", "--level", "commune", "--parent", "2", "--db", db
        ).returncode
        == 0
    )
    listed = run("profile", "list", "--db", db, "--lang", "en")
    assert "large-hall" in listed.stdout and "[built-in]" in listed.stdout
    shown = json.loads(run("profile", "show", "laptop", "--json", "--db", db).stdout)
    assert shown["profile"]["builtin"] is True
    copied = run("profile", "copy", "large-hall", "tinh", "--name-vi", "Tỉnh", "--db", db, "--json")
    assert copied.returncode == 0 and json.loads(copied.stdout)["profile"]["name"]["vi"] == "Tỉnh"
    sets = ["--set", "microphone.gain_db=3", "--set", "display.layout=grid"]
    sets += ["--set", 'camera.labels=["PTZ*"]']
    edited = run("profile", "edit", "tinh", *sets, "--db", db, "--json")
    profile = json.loads(edited.stdout)["profile"]["profile"]
    assert profile["microphone"]["gain_db"] == 3 and profile["display"]["layout"] == "grid"
    assert profile["camera"]["labels"] == ["PTZ*"]
    # A refused value names the field, in the chosen language.
    bad = run(
        "profile", "edit", "tinh", "--set", "microphone.gain_db=99", "--db", db, "--lang", "en"
    )
    assert bad.returncode == 1 and "Field “microphone.gain_db” must be at most 20." in bad.stderr
    vi = run("profile", "edit", "tinh", "--set", "display.nope=1", "--db", db)
    assert vi.returncode == 1 and "Trường «display.nope»" in vi.stderr
    assert (
        run("profile", "edit", "laptop", "--set", "display.clock=true", "--db", db).returncode == 1
    )
    assert run("profile", "edit", "tinh", "--set", "novalue", "--db", db).returncode == 2

    assigned = run("profile", "assign", "2", "tinh", "--lock", "microphone.gain_db", "--db", db)
    assert assigned.returncode == 0, assigned.stderr
    below = run(
        "profile", "assign", "3", "laptop", "--set", "microphone.gain_db=-4", "--db", db, "--json"
    )
    gain = json.loads(below.stdout)["effective"]["fields"]["microphone.gain_db"]
    assert gain["value"] == 3 and gain["locked_by"]["site_name"] == "Lào Cai"
    text = run("profile", "effective", "3", "--db", db, "--lang", "en").stdout
    assert "microphone.gain_db" in text and "locked by province Lào Cai (2)" in text
    bad_lock = run("profile", "assign", "3", "--lock", "nope", "--db", db, "--lang", "en")
    assert bad_lock.returncode == 1 and "“locked[0]”" in bad_lock.stderr
    in_use = run("profile", "delete", "tinh", "--db", db, "--lang", "en")
    assert in_use.returncode == 1 and "Lào Cai (2)" in in_use.stderr
    assert run("profile", "unassign", "2", "--db", db).returncode == 0
    assert run("profile", "delete", "tinh", "--db", db).returncode == 0
    with Store(tmp_path / "b.sqlite3") as store:
        actions = [e.action for e in _audit(store)]
    assert actions == ["copy_profile", "update_profile", "assign_profile", "assign_profile",
                       "unassign_profile", "delete_profile"]  # fmt: skip


def _audit(store: Store) -> list[Any]:
    """The entries of no session (what the profiles' commands write), oldest first."""
    from sqlalchemy import select

    from bridge.store import schema as t

    with store.db.read() as conn:
        rows = conn.execute(select(t.audit).where(t.audit.c.session_id.is_(None))).all()
    return [r for r in rows if "profile" in r.action]


def test_a_sessions_schedule_and_readiness_board_from_the_command_line(run, tmp_path: Path) -> None:
    db = str(tmp_path / "b.sqlite3")
    for args in (("Trung ương", "--level", "central"),
                 ("Tỉnh Lào Cai", "--level", "province", "--parent", "1")):  # fmt: skip
        assert run("site", "create", *args, "--db", db).returncode == 0
    assert (
        run("session", "create", "Giao ban", "--host", "1", "--roster", "2", "--db", db).returncode
        == 0
    )
    # A time without an offset is office time; the window opens at 14:00 on the Friday.
    made = run("session", "schedule", "1", "--starts", "2026-12-14T09:00", "--db", db)
    assert made.returncode == 0, made.stderr
    assert "Kiểm tra kết nối: từ 2026-12-11 14:00 đến 2026-12-14 09:00 (mặc định)" in made.stdout
    moved = run("session", "schedule", "1", "--starts", "2026-12-14T09:00+07:00", "--test-from",
                "2026-12-13T08:00", "--json", "--db", db)  # fmt: skip
    reply = json.loads(moved.stdout)
    assert reply["schedule"]["starts_at"] == "2026-12-14T02:00:00+00:00"
    assert reply["window"] == {"opens": "2026-12-13T01:00:00+00:00",
                               "closes": "2026-12-14T02:00:00+00:00", "default": False}  # fmt: skip
    bad = run("session", "schedule", "1", "--starts", "2026-12-14T09:00", "--ends",
              "2026-12-14T08:00", "--db", db, "--lang", "en")  # fmt: skip
    assert bad.returncode == 1 and "Field “ends_at” must be greater than" in bad.stderr
    assert run("session", "schedule", "1", "--starts", "mai", "--db", db).returncode == 2
    assert run("session", "schedule", "1", "--db", db).returncode == 2  # --starts or --clear

    with Store(tmp_path / "b.sqlite3") as store:
        store.readiness.record(
            {"site_id": 2, "session_id": 1, "source": "agent", "by": "site:2",
             "started_at": "2026-12-13T08:10:00+07:00", "finished_at": "2026-12-13T08:10:19+07:00",
             "state": "not_ready", "figures": {"mos": 2.9, "mic_level_db": -96.0},
             "reasons": [{"code": "mic_no_signal", "severity": "not_ready",
                          "vi": "micrô không có tín hiệu", "en": "the microphone has no signal"}],
             "unmeasured": []}
        )  # fmt: skip
        assert [e.action for e in store.audit.for_session(1)][-2:] == ["set_schedule"] * 2
    text = run("readiness", "1", "--db", db).stdout
    assert "Chưa sẵn sàng" in text and "micrô không có tín hiệu" in text and "MOS 2.90" in text
    assert "Chưa kiểm tra: 1" in text and "2026-12-13 08:10" in text
    lines = run("readiness", "1", "--csv", "--db", db, "--lang", "en").stdout.splitlines()
    assert lines[0].startswith("Position,Site,State,Tested at")
    assert lines[2].startswith("2,Tỉnh Lào Cai,Not ready,2026-12-13 08:10")
    assert lines[2].endswith(",the microphone has no signal")
    board = json.loads(run("readiness", "1", "--json", "--db", db).stdout)
    assert [r["state"] for r in board["sites"]] == ["not_tested", "not_ready"]
    cleared = run("session", "schedule", "1", "--clear", "--db", db, "--lang", "en")
    assert "No schedule: connection tests on demand" in cleared.stdout
    assert run("readiness", "999", "--db", db).returncode == 1
