"""``install``: the process-wide adaptations, done the same by ``bridge serve`` and by an app
made with ``create_app`` alone."""

from pathlib import Path

import aioice.ice
import aiortc.rtcrtpreceiver
import aiortc.rtcrtpsender
import pytest
from aiortc.codecs import CODECS

from bridge.media import aiortc_private
from bridge.media.ice import restrict_host_addresses
from bridge.media.startup import install
from bridge.settings import Settings
from bridge.store import Store


def opus_parameters() -> dict[str, object]:
    [opus] = [c for c in CODECS["audio"] if c.mimeType.lower() == "audio/opus"]
    return dict(opus.parameters)


def test_install_adapts_aiortc_once_whatever_the_calls() -> None:
    try:
        install(["127.0.0.1"])
        factories = aiortc.rtcrtpsender.get_encoder, aiortc.rtcrtpreceiver.get_decoder
        install(["127.0.0.1"])
        assert (aiortc.rtcrtpsender.get_encoder, aiortc.rtcrtpreceiver.get_decoder) == factories
        assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=True) == ["127.0.0.1"]
        assert opus_parameters()["useinbandfec"] == 1
        assert opus_parameters()["minptime"] == 10
        # RFC 7675 consent: any answer within 30 s, not one within 0.5 s.
        assert aioice.ice.Connection.query_consent is aiortc_private._tolerant_query_consent
    finally:
        restrict_host_addresses(None)


def test_install_refuses_another_aiortc_before_changing_anything(monkeypatch) -> None:
    monkeypatch.setattr(aiortc_private, "installed_versions", lambda: {"aiortc": "2.0.0"})
    aiortc_private.restore_consent()
    before = aioice.ice.get_host_addresses
    with pytest.raises(aiortc_private.UnsupportedVersion):
        install(["127.0.0.1"])
    assert aioice.ice.get_host_addresses is before
    assert aioice.ice.Connection.query_consent is not aiortc_private._tolerant_query_consent


def test_an_app_made_with_create_app_alone_is_installed(tmp_path: Path) -> None:
    from bridge.signaling.app import create_app  # the web layer, only for this test

    restrict_host_addresses(None)
    settings = Settings(host="127.0.0.1", database=tmp_path / "bridge.sqlite3")
    store = Store(settings.database)
    try:
        create_app(settings, store)
        assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=True) == ["127.0.0.1"]
        assert opus_parameters()["useinbandfec"] == 1
    finally:
        store.close()
        restrict_host_addresses(None)
