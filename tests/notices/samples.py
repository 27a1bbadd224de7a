"""Small documents of every allowed kind, made here (no binary fixtures): what the checks
must accept, and the look-alikes they must refuse."""

from __future__ import annotations

import io
import zipfile

from bridge.notices.files import OLE2_MAGIC

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# A Windows executable: what a renamed attachment from a chat group often is.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 240 + b"PE\x00\x00"

_MAIN = {
    "docx": ("word/document.xml", "wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
    "pptx": ("ppt/presentation.xml", "presentationml.presentation.main+xml"),
}
_ODF = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
_OLE = {"doc": "WordDocument", "xls": "Workbook", "ppt": "PowerPoint Document"}


def ooxml(kind: str) -> bytes:
    part, main = _MAIN[kind]
    types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Override PartName="/{part}" '
        f'ContentType="application/vnd.openxmlformats-officedocument.{main}"/></Types>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr(part, "<document>Giấy mời họp</document>")
    return out.getvalue()


def odf(kind: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), _ODF[kind], zipfile.ZIP_STORED)
        z.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _entry(name: str, kind: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    return (
        encoded.ljust(64, b"\0")
        + len(encoded).to_bytes(2, "little")
        + bytes([kind])
        + b"\0" * (128 - 67)
    )


def ole(kind: str, padding_sectors: int = 0) -> bytes:
    """A compound file: the header, ``padding_sectors`` of data, then a directory sector
    with the root entry and the application's stream."""
    header = OLE2_MAGIC + b"\0" * 16 + (0x3E).to_bytes(2, "little") + (3).to_bytes(2, "little")
    header += b"\xfe\xff" + (9).to_bytes(2, "little")  # byte order, sector shift (512)
    header = header.ljust(512, b"\0")
    data = b"\x11" * 512 * padding_sectors
    directory = _entry("Root Entry", 5) + _entry(_OLE[kind], 2) + b"\0" * 256
    return header + data + directory


def sample(kind: str) -> bytes:
    if kind == "pdf":
        return PDF
    if kind in _MAIN:
        return ooxml(kind)
    if kind in _ODF:
        return odf(kind)
    return ole(kind)


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "not a document")
    return out.getvalue()


def bomb_marker(mb: int = 200) -> bytes:
    """A "DOCX" whose [Content_Types].xml inflates to ``mb`` MB (a thousandth packed)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z,
        z.open("[Content_Types].xml", "w", force_zip64=False) as entry,
    ):
        block = b"\0" * (1 << 20)
        for _ in range(mb):
            entry.write(block)
    return out.getvalue()


def lying_bomb(mb: int = 200) -> bytes:
    """The same, its headers claiming the entry inflates to 100 bytes."""
    data = bytearray(bomb_marker(mb))
    real = (mb << 20).to_bytes(4, "little")
    small = (100).to_bytes(4, "little")
    # Local header: uncompressed size at +22; central directory entry: at +24.
    local = data.find(b"PK\x03\x04")
    data[local + 22 : local + 26] = small
    central = data.find(b"PK\x01\x02")
    assert data[central + 24 : central + 28] == real
    data[central + 24 : central + 28] = small
    return bytes(data)


def many_entries(count: int = 6000) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "wordprocessingml.document.main+xml")
        for i in range(count):
            z.writestr(f"x/{i}", b"")
    return out.getvalue()
