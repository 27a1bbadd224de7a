"""A notice's document, stored safely: refused unless it is one of the office's kinds of
file by its content *and* its name, kept under ``<data dir>/notices/<sha256>`` (owner-only,
0600), never larger than the limit.

The kinds: PDF, the legacy Office files (DOC, XLS, PPT: an OLE2 compound file holding the
application's main stream), Office Open XML (DOCX, XLSX, PPTX) and OpenDocument (ODT, ODS,
ODP). The last two are ZIP containers: they are told by the marker entries the formats
require (``[Content_Types].xml`` naming the main part; the ``mimetype`` entry), read with
the standard ``zipfile`` and bounded — the entries are listed and at most two small ones
read, so a ZIP bomb is never expanded. An executable renamed ``.pdf`` has no ``%PDF-``
header and is refused; a ZIP renamed ``.docx`` has no Word part and is refused.

Pure but for the file system: no database, no HTTP (the API maps ``FileRefused``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
CHUNK = 64 * 1024
MAX_NAME_CHARS = 200
# A ZIP container with more entries than this is no office document (a real one has tens).
MAX_ZIP_ENTRIES = 5_000
# The marker entries read: `mimetype` is one line; `[Content_Types].xml` a few kB.
MAX_MARKER_BYTES = 256 * 1024

# What each kind is sent as when a hall's page saves or shows it.
MEDIA_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
KINDS = tuple(MEDIA_TYPES)

OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = b"PK\x03\x04"
# The stream a legacy file's application keeps its document in (any one suffices).
_OLE_STREAMS: dict[str, tuple[str, ...]] = {
    "doc": ("WordDocument",),
    "xls": ("Workbook", "Book"),
    "ppt": ("PowerPoint Document",),
}
# Office Open XML: the main part's content type, as [Content_Types].xml declares it.
_OOXML_MAIN: dict[str, tuple[bytes, ...]] = {
    "docx": (b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",),
    "xlsx": (b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",),
    "pptx": (
        b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ),
}


class FileRefused(Exception):
    """``code``: ``too_large`` (over ``limit`` bytes), ``type`` (not an allowed kind, or its
    content is not what its name says), ``empty`` or ``name`` (no usable file name)."""

    def __init__(self, code: str, detail: str, limit: int | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.limit = limit


@dataclass(frozen=True, slots=True)
class StoredFile:
    name: str
    type: str
    size: int
    sha256: str


def clean_name(raw: str | None) -> str:
    """The name a hall saves the file as: the last path component, normalised (NFC), no
    control characters or quotes, at most 200 characters with its extension kept."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C" and c not in '"<>|:*?')
    name = name.strip(" .")
    if not name:
        raise FileRefused("name", "no file name")
    if len(name) > MAX_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        keep = MAX_NAME_CHARS - len(ext) - 1 if dot and len(ext) <= 8 else MAX_NAME_CHARS
        name = (stem[:keep] + dot + ext) if dot and len(ext) <= 8 else name[:keep]
    return name


def extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def detect(path: Path, name: str) -> str:
    """The file's kind, which its content and its name's extension must agree on."""
    kind = extension(name)
    if kind not in MEDIA_TYPES:
        raise FileRefused("type", f"extension {kind!r} not allowed")
    with path.open("rb") as f:
        head = f.read(1024)
    if kind == "pdf":
        # ISO 32000: the header within the first 1024 bytes (usually at 0).
        if b"%PDF-" not in head:
            raise FileRefused("type", "no PDF header")
    elif kind in _OLE_STREAMS:
        if not head.startswith(OLE2_MAGIC) or not _ole_has_stream(path, _OLE_STREAMS[kind]):
            raise FileRefused("type", f"not a {kind} compound file")
    elif kind in _OOXML_MAIN:
        if not head.startswith(ZIP_MAGIC) or not _ooxml_is(path, _OOXML_MAIN[kind]):
            raise FileRefused("type", f"not a {kind} package")
    else:  # odt, ods, odp
        if not head.startswith(ZIP_MAGIC) or _odf_mimetype(path) != MEDIA_TYPES[kind]:
            raise FileRefused("type", f"not an {kind} document")
    return kind


def _ole_has_stream(path: Path, names: tuple[str, ...]) -> bool:
    """Whether the compound file's directory holds a stream of one of ``names``.

    A directory entry is 128 bytes, aligned on 128 in every sector (sectors are 512 or 4096
    bytes after the 512-byte header): its name in UTF-16LE, NUL-ended, then the name's
    length in bytes (u16) and the entry's type (2: a stream). The scan reads the file (at
    most the upload limit) in chunks and checks each aligned entry, so it needs no FAT walk.
    """
    wanted = {(n + "\0").encode("utf-16-le") for n in names}
    with path.open("rb") as f:
        f.seek(512)
        while True:
            block = f.read(CHUNK)  # CHUNK is a multiple of 128: entries stay aligned
            if not block:
                return False
            for start in range(0, len(block) - 127, 128):
                entry = block[start : start + 128]
                length = int.from_bytes(entry[64:66], "little")
                if 2 <= length <= 64 and entry[66] == 2 and entry[:length] in wanted:
                    return True


def _zip_entries(path: Path) -> int | None:
    """The entry count the ZIP's end record declares, read before ``zipfile`` parses the
    central directory (whose every entry it would hold in memory), or None if there is no
    end record or it needs ZIP64 (no office document of 20 MB does)."""
    size = path.stat().st_size
    with path.open("rb") as f:
        tail_start = max(0, size - (22 + 65_535))
        f.seek(tail_start)
        tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    count = int.from_bytes(tail[at + 10 : at + 12], "little")
    return None if count == 0xFFFF else count


def _zip(path: Path) -> zipfile.ZipFile | None:
    count = _zip_entries(path)
    if count is None or count > MAX_ZIP_ENTRIES:
        return None
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    if len(archive.infolist()) > MAX_ZIP_ENTRIES:
        archive.close()
        return None
    return archive


def _read_entry(archive: zipfile.ZipFile, name: str) -> bytes | None:
    """A small entry's bytes, at most ``MAX_MARKER_BYTES`` uncompressed whatever its header
    claims (the stream is cut there), or None when absent or broken."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_MARKER_BYTES:
        return None
    try:
        with archive.open(info) as entry:
            data = entry.read(MAX_MARKER_BYTES + 1)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        return None
    return data if len(data) <= MAX_MARKER_BYTES else None


def _ooxml_is(path: Path, main_types: tuple[bytes, ...]) -> bool:
    archive = _zip(path)
    if archive is None:
        return False
    with archive:
        types = _read_entry(archive, "[Content_Types].xml")
    return types is not None and any(main in types for main in main_types)


def _odf_mimetype(path: Path) -> str | None:
    """The ``mimetype`` entry's text (OpenDocument: the package's first entry)."""
    archive = _zip(path)
    if archive is None:
        return None
    with archive:
        entries = archive.infolist()
        if not entries or entries[0].filename != "mimetype":
            return None
        data = _read_entry(archive, "mimetype")
    if data is None:
        return None
    try:
        return data.decode("ascii").strip()
    except UnicodeDecodeError:
        return None


class NoticeFiles:
    """The notices' documents under ``root`` (``<data dir>/notices``), each named by its
    SHA-256: the same document posted twice is stored once."""

    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def path(self, sha256: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise ValueError("not a SHA-256")
        return self.root / sha256

    def store(self, source: BinaryIO | Iterable[bytes], name: str | None) -> StoredFile:
        """Copy ``source`` in (refused past ``max_bytes``), check its kind, keep it under its
        SHA-256 with mode 0600. Nothing is left behind when it is refused."""
        clean = clean_name(name)
        if extension(clean) not in MEDIA_TYPES:  # said before a byte is copied
            raise FileRefused("type", f"extension {extension(clean)!r} not allowed")
        self.root.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            os.chmod(self.root, 0o700)
        digest = hashlib.sha256()
        size = 0
        fd, temp_name = tempfile.mkstemp(prefix=".upload-", dir=self.root)  # mode 0600
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in _chunks(source):
                    size += len(chunk)
                    if size > self.max_bytes:
                        limit = self.max_bytes
                        raise FileRefused("too_large", f"over {limit} bytes", limit)
                    digest.update(chunk)
                    out.write(chunk)
            if size == 0:
                raise FileRefused("empty", "an empty file")
            kind = detect(temp, clean)
            sha256 = digest.hexdigest()
            final = self.path(sha256)
            os.chmod(temp, 0o600)
            os.replace(temp, final)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return StoredFile(clean, kind, size, sha256)

    def open(self, sha256: str) -> Path | None:
        """The stored file's path, or None when it is not there."""
        path = self.path(sha256)
        return path if path.is_file() else None


def _chunks(source: BinaryIO | Iterable[bytes]) -> Iterable[bytes]:
    read = getattr(source, "read", None)
    if read is None:
        yield from source
        return
    while chunk := read(CHUNK):
        yield chunk
