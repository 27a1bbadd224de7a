"""The headless endpoint's answer to a profile: devices picked from its inventory, and only
what it really does read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bridge.profiles.schema import Profile
from bridge.signaling.messages import ProfileAppliedMessage, parse_client_message
from endpoints.agent import main
from endpoints.devices import DEFAULT_INVENTORY, answer, load_inventory


def _profile(**sections: object) -> dict[str, object]:
    return Profile.model_validate(sections).model_dump(mode="json")


def test_the_answer_is_a_valid_message_naming_the_default_devices():
    reply = answer(3, _profile(), DEFAULT_INVENTORY, camera=(320, 180, 15))
    parsed = parse_client_message(json.dumps(reply))
    assert isinstance(parsed, ProfileAppliedMessage)
    assert parsed.revision == 3
    assert parsed.devices.microphone == "Headless microphone (audio source)"
    assert parsed.readback["camera.width"] == 320
    assert parsed.readback["microphone.sample_rate"] == 48000
    assert "microphone.echo_cancellation" not in parsed.readback  # it has no such processing
    assert parsed.missing == []


def test_a_device_the_profile_names_and_the_hall_lacks_is_missing_with_what_is_used():
    reply = answer(1, _profile(speaker={"labels": ["Jabra*"]}), DEFAULT_INVENTORY, None)
    assert reply["missing"] == [
        {"kind": "speaker", "patterns": ["Jabra*"], "used": "Headless output (recorder)"}
    ]
    assert "camera.width" not in reply["readback"]  # no video sent: nothing to read back


def test_an_inventory_file(tmp_path: Path):
    path = tmp_path / "inv.json"
    path.write_text(json.dumps([{"kind": "audioinput", "label": "Sennheiser TCC2"}]))
    (device,) = load_inventory(path)
    reply = answer(1, _profile(microphone={"labels": ["sennheiser"]}), [device], None)
    assert reply["devices"]["microphone"] == "Sennheiser TCC2"
    assert reply["devices"]["camera"] is None
    path.write_text(json.dumps([{"kind": "printer", "label": "x"}]))
    with pytest.raises(ValueError, match=r"\[0\]: kind"):
        load_inventory(path)


def test_the_agent_refuses_a_bad_inventory_file_as_a_usage_error(tmp_path: Path, capsys):
    path = tmp_path / "inv.json"
    path.write_text("not json")
    assert main(["http://127.0.0.1:9/site/1#token=x", "--inventory", str(path)]) == 2
    assert "--inventory" in capsys.readouterr().err
