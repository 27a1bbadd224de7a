"""One typed settings object, read from the environment (``BRIDGE_*``) and an optional file.

Defaults run on one machine with no setup: loopback only, an SQLite file under ./var,
no ICE servers (a self-hosted bridge must never reach a public STUN server by itself).
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BRIDGE_", extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    database: Path = Path("var/bridge.sqlite3")
    # The address printed in join links; defaults to http://HOST:PORT.
    public_url: str | None = None
    # STUN/TURN servers handed to every peer (the bridge's own and the sites'), each
    # {"urls": "turn:host:3478", "username": "...", "credential": "..."} as in browsers.
    ice_servers: list[dict[str, str]] = Field(default_factory=list)
    # Local addresses the bridge's ICE may gather. Empty: loopback when `host` is loopback,
    # otherwise every interface (a multi-homed server should list its public one).
    ice_addresses: list[str] = Field(default_factory=list)
    join_token_hours: float = Field(24 * 7, gt=0)
    operator_token_hours: float = Field(12, gt=0)
    default_lang: str = "vi"
    max_talkers: int = Field(3, ge=1, le=16)
    levelling: bool = True
    # The mixes the bridge encodes (mono Opus, in-band FEC on): bits per second, and libopus
    # complexity 0-10 (higher costs more CPU per encode; K+1 encodes per 20 ms). A mix is
    # speech's second encode: these keep it within 0.2 PESQ of the sender's own
    # (docs/performance.md, "Speech through the mix").
    audio_bitrate: int = Field(64_000, ge=6_000, le=128_000)
    audio_complexity: int = Field(10, ge=0, le=10)
    # Voice-activated switching: a site must be the dominant talker this long to be shown.
    voice_hold_s: float = Field(2.0, ge=0, le=30)

    @field_validator("default_lang")
    @classmethod
    def _lang(cls, v: str) -> str:
        if v not in ("vi", "en"):
            raise ValueError("default_lang must be 'vi' or 'en'")
        return v

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def effective_ice_addresses(self) -> list[str] | None:
        """The addresses ICE gathers on; ``None`` means every interface."""
        if self.ice_addresses:
            return list(self.ice_addresses)
        if _is_loopback(self.host):
            return ["127.0.0.1"]
        return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Settings from (lowest first) defaults, a JSON file, the environment, then ``overrides``."""
    values: dict[str, Any] = {}
    if config_file is not None:
        values.update(json.loads(config_file.read_text(encoding="utf-8")))
    env = Settings()  # environment and defaults
    merged = {**values, **{k: getattr(env, k) for k in env.model_fields_set}}
    merged.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**merged)
