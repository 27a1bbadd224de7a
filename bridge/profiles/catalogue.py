"""The built-in profiles shipped in ``endpoints/profiles/<id>.json``.

``parse_entry`` is pure (it takes the file's text); ``load_catalogue`` is this package's
only reader of files, through ``importlib.resources`` so it works from an installed wheel.
"""

from __future__ import annotations

from importlib import resources

from bridge.profiles.schema import CatalogueProfile

PACKAGE = "endpoints"
FOLDER = "profiles"


class CatalogueError(ValueError):
    pass


def parse_entry(text: str, name: str) -> CatalogueProfile:
    """One catalogue file (``name``: its file name, whose stem must be the profile's id).
    A bad file raises pydantic's ``ValidationError`` or ``CatalogueError``."""
    entry = CatalogueProfile.model_validate_json(text)
    if name.removesuffix(".json") != entry.id:
        raise CatalogueError(f"{name}: holds profile {entry.id!r}, named after another")
    return entry


def catalogue_texts() -> dict[str, str]:
    """File name → text, of every ``*.json`` in the catalogue folder."""
    folder = resources.files(PACKAGE).joinpath(FOLDER)
    return {
        item.name: item.read_text(encoding="utf-8")
        for item in sorted(folder.iterdir(), key=lambda i: i.name)
        if item.name.endswith(".json")
    }


def load_catalogue() -> dict[str, CatalogueProfile]:
    """Profile id → profile, in file-name order."""
    entries = [parse_entry(text, name) for name, text in catalogue_texts().items()]
    return {entry.id: entry for entry in entries}
