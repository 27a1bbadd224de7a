"""The console has one Vietnamese name everywhere: "Bàn điều khiển" (never "Bảng điều
hành"), in the pages, the catalogues, the server's output and the documents."""

from __future__ import annotations

from tests.conftest import ROOT

NAME = "Bàn điều khiển"
OTHER = "bảng điều hành"
FOLDERS = ("endpoints", "bridge", "docs")
SUFFIXES = {".html", ".json", ".js", ".py", ".md", ".css"}


def test_the_console_is_called_ban_dieu_khien_everywhere() -> None:
    files = [ROOT / "README.md"] + [
        f for d in FOLDERS for f in (ROOT / d).rglob("*") if f.suffix in SUFFIXES
    ]
    found = [
        str(f.relative_to(ROOT))
        for f in files
        if f.is_file() and OTHER in f.read_text(encoding="utf-8").lower()
    ]
    assert found == []
    title = (ROOT / "endpoints" / "web" / "console.html").read_text(encoding="utf-8")
    assert NAME in title
    assert NAME in (ROOT / "README.md").read_text(encoding="utf-8")
