"""The hall PC kit's kiosk set-up (``bridge kit --hall-link``): every file filled for the hall,
valid in its own format, and the link checked before it lands in any of them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from bridge import cli
from bridge.hall_kiosk import (
    LINK_PLACEHOLDER,
    ORIGIN_PLACEHOLDER,
    TEMPLATES,
    BadLink,
    hall_link,
    reg_file,
)

LINK = "https://10.20.0.5:8443/site/3#token=AbC_12-xyz.789"
ORIGIN = "https://10.20.0.5:8443"
KIOSK_LINK = "https://10.20.0.5:8443/site/3?kiosk=1#token=AbC_12-xyz.789"


def kit(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = cli.main(["kit", "--db", str(tmp_path / "var" / "b.sqlite3"), "--lang", "en", *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_the_kit_for_one_hall_is_filled_in_and_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "LANG", cli.LANG)
    out = tmp_path / "kit"
    code, text = kit(tmp_path, capsys, "--out", str(out), "--hall-link", LINK, "--json")
    assert code == 0, text
    made = json.loads(text)["kit"]
    assert made["kiosk"] == {"origin": ORIGIN, "link": KIOSK_LINK}
    kiosk = out / "kiosk"
    assert {"ca.crt", "kiosk/bridge-hall.json", "kiosk/bridge-hall.sh", "kiosk/bridge-hall.reg",
            "kiosk/bridge-hall.desktop", "kiosk/bridge-hall.ps1"} <= set(made["files"])  # fmt: skip

    policies = json.loads((kiosk / "bridge-hall.json").read_text(encoding="utf-8"))
    for name in ("VideoCaptureAllowedUrls", "AudioCaptureAllowedUrls", "AutoplayAllowlist"):
        assert policies[name] == [ORIGIN], name
    assert policies["AutoplayAllowed"] is True
    assert policies["RestoreOnStartup"] == 4 and policies["RestoreOnStartupURLs"] == [KIOSK_LINK]
    assert policies["BrowserSignin"] == 0 and policies["TranslateEnabled"] is False
    assert policies["PasswordManagerEnabled"] is False
    assert policies["HardwareAccelerationModeEnabled"] is True

    for path in kiosk.iterdir():  # nothing left for a person to fill in
        body = path.read_bytes().decode("utf-16" if path.suffix == ".reg" else "utf-8")
        assert "BRIDGE:8443" not in body and "TOKEN" not in body, path.name

    launcher = kiosk / "bridge-hall.sh"
    assert os.access(launcher, os.X_OK) and os.access(kiosk / "install-debian.sh", os.X_OK)
    body = launcher.read_text(encoding="utf-8")
    assert f"DEFAULT_LINK='{KIOSK_LINK}'" in body
    for flag in ("--kiosk", "--noerrdialogs", "--disable-session-crashed-bubble",
                 "--autoplay-policy=no-user-gesture-required", "--start-fullscreen"):  # fmt: skip
        assert flag in body, flag
    assert "--use-fake-ui-for-media-stream" not in body  # the policies grant, not a flag
    for script in ("bridge-hall.sh", "install-debian.sh"):
        check = subprocess.run(["sh", "-n", str(kiosk / script)], capture_output=True, text=True)
        assert check.returncode == 0, (script, check.stderr)
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(kiosk / "bridge-hall.desktop")])
        assert check.returncode == 0
    assert "Exec=/usr/local/bin/bridge-hall\n" in (kiosk / "bridge-hall.desktop").read_text()
    assert "ExecStart=/usr/local/bin/bridge-hall\n" in (kiosk / "bridge-hall.service").read_text()

    cmd = (kiosk / "bridge-hall.cmd").read_bytes()
    assert b"\r\n" in cmd and b"\n" not in cmd.replace(b"\r\n", b"")
    assert f'set "LINK={KIOSK_LINK}"'.encode() in cmd and b"--kiosk" in cmd

    reg = (kiosk / "bridge-hall.reg").read_bytes()
    assert reg.startswith(b"\xff\xfe")  # UTF-16 LE with its BOM, as regedit writes them
    text = reg.decode("utf-16")
    assert text.startswith("Windows Registry Editor Version 5.00\r\n")
    for root in ("Google\\Chrome", "Chromium"):
        key = f"HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\{root}"
        assert f'[{key}\\VideoCaptureAllowedUrls]\r\n"1"="{ORIGIN}"' in text
        assert f"[-{key}\\RestoreOnStartupURLs]" in text  # old entries cleared first
    assert '"AutoplayAllowed"=dword:00000001' in text
    assert '"RestoreOnStartup"=dword:00000004' in text

    # The words the command prints say what to do next.
    code, text = kit(tmp_path, capsys, "--out", str(out), "--hall-link", LINK)
    assert code == 0 and ORIGIN in text and "install-debian.sh" in text and "hall-pc.md" in text


def test_a_real_certificate_needs_no_ca_but_still_gets_the_kiosk_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "LANG", cli.LANG)
    monkeypatch.setenv("BRIDGE_TLS_CERT", str(tmp_path / "fullchain.pem"))
    out = tmp_path / "kit"
    code, text = kit(tmp_path, capsys, "--out", str(out), "--hall-link", LINK, "--json")
    assert code == 0, text
    files = json.loads(text)["kit"]["files"]
    assert "ca.crt" not in files and "kiosk/bridge-hall.json" in files
    code, text = kit(tmp_path, capsys, "--out", str(out))  # and no CA kit without a link
    assert code == 1 and "your own certificate" in text


@pytest.mark.parametrize(
    ("link", "why"),
    [
        ("https://10.20.0.5:8443/console", "/site/"),
        ("https://10.20.0.5:8443/site/3", "#token"),
        ("ftp://10.20.0.5/site/3#token=a", "https://"),
        ("https://10.20.0.5:8443/site/3#token=a'$(reboot)'", "characters"),
        ("https://10.20.0.5:8443/site/3#token=a%20b", "characters"),
    ],
)
def test_a_link_that_is_not_a_join_link_is_refused(link: str, why: str) -> None:
    with pytest.raises(BadLink, match=why if why != "/site/" else "/site/<session id>"):
        hall_link(link)


def test_the_cli_says_why_a_link_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "LANG", cli.LANG)
    code, text = kit(tmp_path, capsys, "--hall-link", "https://x/console")
    assert code == 1 and "cannot use the hall link" in text
    assert not (tmp_path / "var" / "hall-pc-kit").exists()  # nothing half-written


def test_kiosk_mode_is_added_once_and_other_query_words_stay() -> None:
    assert hall_link(LINK).link == KIOSK_LINK
    assert hall_link(KIOSK_LINK).link == KIOSK_LINK
    again = hall_link("https://h:1/site/2?raw=1&kiosk=0#token=t")
    assert (
        again.link == "https://h:1/site/2?raw=1&kiosk=1#token=t" and again.origin == "https://h:1"
    )


def test_the_shipped_templates_are_usable_by_hand() -> None:
    policies = json.loads(TEMPLATES.joinpath("policies", "bridge-hall.json").read_text("utf-8"))
    assert policies["VideoCaptureAllowedUrls"] == [ORIGIN_PLACEHOLDER]
    assert policies["RestoreOnStartupURLs"] == [LINK_PLACEHOLDER]
    assert os.access(str(TEMPLATES.joinpath("bridge-hall.sh")), os.X_OK)
    reg = reg_file({"A": True, "B": ["x"], "C": 'y\\z"'})
    assert reg.count("[HKEY_LOCAL_MACHINE") == 4 and reg.count("[-HKEY_LOCAL_MACHINE") == 2
    assert '"C"="y\\\\z\\""' in reg  # regedit's escapes for \ and "
