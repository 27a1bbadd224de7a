"""A notice's document: accepted only when its content and its name agree on one of the
office's kinds, refused past the size limit, stored 0600 under its SHA-256; ZIP bombs are
refused without being expanded."""

from __future__ import annotations

import hashlib
import io
import stat
import time
from pathlib import Path

import pytest

from bridge.notices.files import (
    KINDS,
    FileRefused,
    NoticeFiles,
    clean_name,
    detect,
)
from tests.notices import samples


@pytest.fixture
def files(tmp_path: Path) -> NoticeFiles:
    return NoticeFiles(tmp_path / "notices", max_bytes=1 << 20)


@pytest.mark.parametrize("kind", KINDS)
def test_every_allowed_kind_is_accepted_by_its_content_and_name(
    files: NoticeFiles, kind: str
) -> None:
    data = samples.sample(kind)
    stored = files.store(io.BytesIO(data), f"Giấy mời họp.{kind.upper()}")
    assert stored.type == kind
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.name == f"Giấy mời họp.{kind.upper()}"
    path = files.path(stored.sha256)
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(files.root.stat().st_mode) == 0o700


def test_a_renamed_executable_is_refused_and_nothing_is_left(files: NoticeFiles) -> None:
    with pytest.raises(FileRefused) as refused:
        files.store(io.BytesIO(samples.EXE), "tai-lieu.pdf")
    assert refused.value.code == "type"
    assert list(files.root.iterdir()) == []


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (samples.PDF, "tai-lieu.docx"),  # a PDF named as Word
        (samples.sample("docx"), "bang.xlsx"),  # Word named as Excel
        (samples.sample("odt"), "trinh-chieu.odp"),  # a text named as a presentation
        (samples.sample("doc"), "bang.xls"),  # legacy Word named as Excel
        (samples.plain_zip(), "tai-lieu.docx"),  # any ZIP is no Word file
        (samples.EXE, "tai-lieu.doc"),
        (samples.PDF, "tai-lieu.exe"),  # the name's kind must be allowed too
        (samples.PDF, "tai-lieu.html"),
        (samples.PDF, "tai-lieu"),
    ],
)
def test_content_and_name_must_agree(files: NoticeFiles, data: bytes, name: str) -> None:
    with pytest.raises(FileRefused) as refused:
        files.store(io.BytesIO(data), name)
    assert refused.value.code == "type"


def test_the_size_limit_is_the_settings_and_is_checked_while_copying(tmp_path: Path) -> None:
    files = NoticeFiles(tmp_path / "n", max_bytes=4096)
    at_limit = samples.PDF + b" " * (4096 - len(samples.PDF))
    assert files.store(io.BytesIO(at_limit), "a.pdf").size == 4096
    endless = (b"%PDF-" if i == 0 else b"\0" * 1024 for i in range(10**9))
    with pytest.raises(FileRefused) as refused:
        files.store(endless, "b.pdf")  # stops at the limit, not at the end
    assert refused.value.code == "too_large" and refused.value.limit == 4096
    kept = files.path(hashlib.sha256(at_limit).hexdigest())
    assert list(files.root.iterdir()) == [kept]


def test_an_empty_file_is_refused(files: NoticeFiles) -> None:
    with pytest.raises(FileRefused) as refused:
        files.store(io.BytesIO(b""), "a.pdf")
    assert refused.value.code == "empty"


def test_the_same_document_twice_is_stored_once(files: NoticeFiles) -> None:
    first = files.store(io.BytesIO(samples.PDF), "a.pdf")
    second = files.store(io.BytesIO(samples.PDF), "b.pdf")
    assert first.sha256 == second.sha256
    assert len(list(files.root.iterdir())) == 1


def test_a_legacy_file_is_told_by_its_stream_wherever_its_directory_lies(
    tmp_path: Path,
) -> None:
    path = tmp_path / "x.doc"
    path.write_bytes(samples.ole("doc", padding_sectors=300))  # past the first read
    assert detect(path, "x.doc") == "doc"
    with pytest.raises(FileRefused):
        detect(path, "x.ppt")


@pytest.mark.parametrize("bomb", [samples.bomb_marker, samples.lying_bomb, samples.many_entries])
def test_zip_bombs_are_refused_without_being_expanded(tmp_path: Path, bomb) -> None:
    data = bomb()
    assert len(data) < 1 << 20  # small packed…
    files = NoticeFiles(tmp_path / "n", max_bytes=1 << 20)
    started = time.monotonic()
    with pytest.raises(FileRefused) as refused:
        files.store(io.BytesIO(data), "bom.docx")
    assert refused.value.code == "type"
    assert time.monotonic() - started < 2.0  # …and never inflated (200 MB would take longer)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\van.thu\\Giấy mời.pdf", "Giấy mời.pdf"),
        ('a"b<c>|d.pdf', "abcd.pdf"),
        ("line\nbreak\x00.pdf", "linebreak.pdf"),
        ("Gia\u0301y mơ\u0300i.pdf", "Giáy mời.pdf"),  # NFD from a Mac → NFC
        ("x" * 300 + ".docx", "x" * 195 + ".docx"),
    ],
)
def test_the_name_a_hall_saves_is_a_plain_file_name(raw: str, clean: str) -> None:
    assert clean_name(raw) == clean


@pytest.mark.parametrize("raw", ["", "   ", "..", "/", None])
def test_no_name_is_refused(raw: str | None) -> None:
    with pytest.raises(FileRefused) as refused:
        clean_name(raw)
    assert refused.value.code == "name"
