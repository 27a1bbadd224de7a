"""One typed settings object, read from the environment (``BRIDGE_*``) and an optional file.

Defaults run on one machine with no setup: loopback only, an SQLite file in the data
directory, no ICE servers (a self-hosted bridge must never reach a public STUN server by
itself). The data directory is ``BRIDGE_DATA_DIR``, else ``var/`` of the source checkout
the package runs from, else ``$XDG_DATA_HOME/bridge`` (``~/.local/share/bridge``): never
the current directory, so the server and every CLI command open the same database.
"""

from __future__ import annotations

import ipaddress
import json
import os
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "bridge").is_dir():
        return checkout / "var"
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "bridge"


TlsMode = Literal["auto", "on", "off"]
LogLevel = Literal["debug", "info", "warning", "error"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BRIDGE_", extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    data_dir: Path = Field(default_factory=default_data_dir)
    database: Path = Field(default_factory=lambda data: Path(data["data_dir"]) / "bridge.sqlite3")
    # The address printed in join links; defaults to http(s)://HOST:PORT. Behind a reverse
    # proxy that terminates TLS: the proxy's https:// address (docs/deployment.md).
    public_url: str | None = None
    # HTTPS: "auto" serves TLS when a certificate is given or the host is not loopback
    # (browsers give the microphone only to secure pages); "on" / "off" force it.
    tls: TlsMode = "auto"
    # The operator's own certificate chain and key (PEM); without them the bridge issues
    # one from its local CA under <database dir>/tls/.
    tls_cert: Path | None = None
    tls_key: Path | None = None
    # A plain-HTTP port that only redirects to the HTTPS address (e.g. 80); off by default.
    http_redirect_port: int | None = Field(None, ge=1, le=65535)
    # The bridge's own log lines; libraries' (ICE, WebRTC, access log) only from "debug".
    log_level: LogLevel = "info"
    # STUN/TURN servers handed to every peer (the bridge's own and the sites'), each
    # {"urls": "turn:host:3478", "username": "...", "credential": "..."} as in browsers.
    ice_servers: list[dict[str, str]] = Field(default_factory=list)
    # Local addresses the bridge's ICE may gather. Empty: loopback when `host` is loopback,
    # otherwise every interface (a multi-homed server should list its public one).
    ice_addresses: list[str] = Field(default_factory=list)
    join_token_hours: float = Field(24 * 7, gt=0)
    operator_token_hours: float = Field(12, gt=0)
    default_lang: str = "vi"
    # The office's time zone: a session's default test window opens at 14:00 there on the
    # working day before (bridge/readiness/window.py); CSV exports show its times.
    office_timezone: str = "Asia/Ho_Chi_Minh"
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
    # ---- Issue 13 B: bookings and their e-mails (docs/office.md) ----
    # The minimum lead time of a booking, in the office's working days.
    booking_lead_days: int = Field(3, ge=0, le=60)
    # The SMTP server notifications are e-mailed through; none: no e-mail, only the pages.
    smtp_host: str | None = None
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "bridge@localhost"
    # STARTTLS before logging in (port 587); off only for a relay on the same machine.
    smtp_starttls: bool = True
    # How long one SMTP conversation may take before it is given up, in seconds.
    smtp_timeout_s: float = Field(20.0, gt=0, le=300)
    # How often the server looks for scheduled sessions whose start has come (they open by
    # themselves), in seconds.
    schedule_check_s: float = Field(15.0, ge=0.2, le=600)
    # Issue 13, part E: invitations. The organising body named at the top of a hall's
    # invitation and over its signature (empty: the session's host hall), and the place
    # its date line names ("Quảng Trị, ngày … tháng … năm …"; empty: the date alone).
    office_name: str = Field("", max_length=200)
    office_place: str = Field("", max_length=100)
    # D (issue 13): a notice's document at most this many bytes; the documents are kept
    # under notices/ beside the database (bridge/notices/files.py).
    notice_max_bytes: int = Field(20 * 1024 * 1024, ge=1024, le=512 * 1024 * 1024)
    # Issue 14: a hall is present when connected for at least this share of the session
    # (docs/reports.md, "Attendance and roll call"); the roll call overrides it.
    attendance_present_share: float = Field(0.85, gt=0, le=1)
    # Issue 14: where recordings are written (one WebM/Matroska file and its manifest per
    # recording; by default recordings/ beside the database, in the data directory), and how
    # many days they are kept: older files are deleted by the bridge (their rows, hashes and
    # access logs stay), audited.
    recordings_dir: Path = Field(
        default_factory=lambda data: Path(data["database"]).parent / "recordings"
    )
    recording_retention_days: int = Field(365, ge=1, le=36500)

    @field_validator("default_lang")
    @classmethod
    def _lang(cls, v: str) -> str:
        if v not in ("vi", "en"):
            raise ValueError("default_lang must be 'vi' or 'en'")
        return v

    @field_validator("office_timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ValueError, ZoneInfoNotFoundError):
            raise ValueError(f"unknown time zone {v!r} (e.g. Asia/Ho_Chi_Minh)") from None
        return v

    @property
    def tls_enabled(self) -> bool:
        if self.tls != "auto":
            return self.tls == "on"
        return self.tls_cert is not None or not is_loopback(self.host)

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = self.host
        if host in ("0.0.0.0", "::", ""):
            from bridge.tls import primary_address  # only a wildcard host needs to look

            host = primary_address() or "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        scheme = "https" if self.tls_enabled else "http"
        port = "" if self.port == {"https": 443, "http": 80}[scheme] else f":{self.port}"
        return f"{scheme}://{host}{port}"

    def effective_ice_addresses(self) -> list[str] | None:
        """The addresses ICE gathers on; ``None`` means every interface."""
        if self.ice_addresses:
            return list(self.ice_addresses)
        if is_loopback(self.host):
            return ["127.0.0.1"]
        return None


def is_loopback(host: str) -> bool:
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
