"""bridge/profiles/devices.py against the shared device vectors (tests/profiles/
device_vectors.json): the site page's devices.js is checked against the same file
(tests/web/js/site-devices.test.mjs), so the bridge and the page pick the same devices."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bridge.profiles.devices import Device, choose

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "device_vectors.json").read_text(encoding="utf-8")
)


def inventory(name: str) -> list[Device]:
    return [
        Device(kind, label, device_id) for kind, label, device_id in VECTORS["inventories"][name]
    ]


@pytest.mark.parametrize(
    "case", VECTORS["cases"], ids=lambda c: f"{c['inventory']}-{c['kind']}-{c['patterns']}"
)
def test_devices_py_agrees_with_the_shared_vectors(case: dict[str, Any]) -> None:
    choice = choose(case["kind"], case["patterns"], inventory(case["inventory"]))
    assert (choice.device.label if choice.device else None) == case["chosen"]
    assert (choice.device.device_id if choice.device else None) == case["chosen_id"]
    assert choice.pattern == case["pattern"]
    missing = choice.missing
    got = None
    if missing is not None:
        fallback = missing.fallback.label if missing.fallback else None
        got = {"patterns": list(missing.patterns), "fallback": fallback}
    assert got == case["missing"]


def test_the_vectors_cover_globs_substrings_aliases_and_fallbacks() -> None:
    cases = VECTORS["cases"]
    assert len(cases) >= 30
    assert any(c["missing"] for c in cases) and any(c["pattern"] for c in cases)
    assert any("[" in p for c in cases for p in c["patterns"])
